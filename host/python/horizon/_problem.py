"""Problems: from arrays, DataFrames, JSON and presets; the generators."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._core import InputError
from ._settings import PathLike, _optional_vector, _vector


def _fnv1a64(data: bytes) -> str:
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def _dataset(item: Any, field: str) -> Tuple[np.ndarray, np.ndarray]:
    """(X, y) from a tuple or a DataFrame with a ``y`` column (every other column a feature)."""
    if hasattr(item, "columns") and hasattr(item, "drop"):  # a pandas DataFrame
        if "y" not in item.columns:
            raise InputError(f"{field}: DataFrame has no label column 'y'")
        X = item.drop(columns=["y"]).to_numpy(dtype=np.float64)
        return np.ascontiguousarray(X), _vector(item["y"].to_numpy())
    try:
        X, y = item
    except (TypeError, ValueError):
        raise InputError(f"{field}: expected (X, y) or a DataFrame with a 'y' column") from None
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise InputError(f"{field}.X: expected an n x d matrix (got {X.ndim} dimensions)")
    return X, _vector(y)


def _named(domains: Any) -> Tuple[List[Any], Optional[List[str]]]:
    if isinstance(domains, Mapping):
        return list(domains.values()), [str(k) for k in domains.keys()]
    return list(domains), None


class Problem:
    """A bilevel problem: K training domains and a validation set.

    Build one with :meth:`quadratic`, :meth:`logistic`, :meth:`load`,
    :meth:`from_json`, :meth:`preset` or :func:`generate`. Problems are
    immutable; :attr:`arrays` gives read-only NumPy views of their data.
    """

    __slots__ = ("_p", "_source")

    def __init__(self, core: Any, source: Optional[Dict[str, Any]] = None) -> None:
        if not isinstance(core, _core._Problem):
            raise TypeError("use Problem.quadratic, Problem.logistic, Problem.load or horizon.generate")
        self._p = core
        self._source = source or {"source": "python"}

    # -- constructors
    @classmethod
    def quadratic(
        cls,
        domains: Union[Sequence[Tuple[Any, Any]], Mapping[str, Tuple[Any, Any]]],
        validation: Tuple[Any, Any],
        theta0: Any = None,
        w0: Any = None,
        names: Optional[Sequence[str]] = None,
    ) -> "Problem":
        """Quadratic domains f_j(θ) = ½ (θ − c_j)ᵀ A_j (θ − c_j).

        ``domains``: a list of ``(A, c)`` pairs (or a dict name → pair), each
        ``A`` a d × d symmetric positive definite matrix or a d-vector of
        diagonal entries, ``c`` a d-vector; ``validation``: ``(A_v, c_v)``.
        ``theta0`` defaults to zeros, ``w0`` to uniform weights, ``names`` to
        domain0, domain1, …. Checked like a problem file (one d, symmetric
        positive definite A, w0 on the simplex): a bad one raises
        :class:`InputError`.
        """
        items, keys = _named(domains)
        A, c = [], []
        for j, item in enumerate(items):
            try:
                a, centre = item
            except (TypeError, ValueError):
                raise InputError(f"problem.domains[{j}]: expected a pair (A, c)") from None
            A.append(_vector(a))
            c.append(_vector(centre))
        try:
            A_v, c_v = validation
        except (TypeError, ValueError):
            raise InputError("problem.validation: expected a pair (A_v, c_v)") from None
        names = list(names) if names is not None else keys
        core = _core.quadratic(A, c, _vector(A_v), _vector(c_v), _optional_vector(theta0), _optional_vector(w0), names)
        return cls(core)

    @classmethod
    def logistic(
        cls,
        domains: Union[Sequence[Any], Mapping[str, Any]],
        validation: Any,
        lambda_: float = 0.01,
        lambda_v: float = 0.0,
        theta0: Any = None,
        w0: Any = None,
        names: Optional[Sequence[str]] = None,
    ) -> "Problem":
        """Logistic-regression domains with L2 weight ``lambda_`` (λ > 0).

        Each domain (and ``validation``) is ``(X, y)`` — X an n × d array,
        y labels −1/+1 (or 0/1) — or a pandas DataFrame with a label column
        ``y`` and every other column a feature, in order (what the CLI reads
        from CSV). ``domains`` may be a dict name → data. ``lambda_v`` ≥ 0 is
        the validation loss's L2 weight.
        """
        items, keys = _named(domains)
        data = [_dataset(item, f"problem.domains[{j}]") for j, item in enumerate(items)]
        X_v, y_v = _dataset(validation, "problem.validation")
        names = list(names) if names is not None else keys
        core = _core.logistic(
            [x for x, _ in data], [y for _, y in data], X_v, y_v, float(lambda_), float(lambda_v),
            _optional_vector(theta0), _optional_vector(w0), names,
        )
        return cls(core)

    @classmethod
    def load(cls, path: PathLike) -> "Problem":
        """A problem JSON file (the CLI's ``--problem``; data files relative to it)."""
        path = os.fspath(path)
        core = _core.load(path)
        source: Dict[str, Any] = {"source": path}
        try:
            with open(path, "rb") as f:
                text = f.read()
            source["file"] = {"path": path, "bytes": len(text), "fnv1a64": _fnv1a64(text)}
        except OSError:
            pass
        return cls(core, source)

    @classmethod
    def from_json(cls, text: Union[str, Mapping[str, Any]], base_dir: PathLike = ".") -> "Problem":
        """A problem from JSON text or an already parsed dict (the file format)."""
        if not isinstance(text, str):
            text = json.dumps(text)
        return cls(_core.from_json(text, "problem", os.fspath(base_dir)))

    @classmethod
    def preset(cls, name: str) -> "Problem":
        """The problem of a built-in preset (see :func:`presets`)."""
        return preset(name)["problem"]

    # -- output
    def to_json(self, indent: Optional[int] = 2) -> str:
        """The problem as the CLI's JSON (data inline)."""
        text = self._p.to_json()
        return text if indent is None else json.dumps(json.loads(text), indent=indent)

    def to_dict(self) -> Dict[str, Any]:
        """The JSON as a dict."""
        return json.loads(self._p.to_json())

    def save(self, path: PathLike) -> None:
        """Writes the JSON to ``path`` (atomically), for ``horizon --problem``."""
        _core.write_text(os.fspath(path), self.to_json() + "\n")

    # -- properties
    @property
    def kind(self) -> str:
        """``"quadratic"`` or ``"logistic"``."""
        return self._p.kind

    @property
    def d(self) -> int:
        """The dimension of θ."""
        return self._p.d

    @property
    def K(self) -> int:
        """The number of training domains."""
        return self._p.K

    @property
    def names(self) -> List[str]:
        """The domain names."""
        return list(self._p.names)

    @property
    def diagonal(self) -> bool:
        """A quadratic problem whose every A is diagonal."""
        return self._p.diagonal

    @property
    def hash(self) -> str:
        """The problem hash the manifest records (FNV-1a 64 of the canonical JSON)."""
        return self._p.hash()

    @property
    def arrays(self) -> Dict[str, Any]:
        """Read-only NumPy views of the data (no copies).

        quadratic: ``A``, ``c`` (lists), ``A_v``, ``c_v``, ``theta0``, ``w0``;
        logistic: ``X``, ``y`` (lists), ``X_v``, ``y_v``, ``lambda``,
        ``lambda_v``, ``theta0``, ``w0``.
        """
        return dict(self._p.arrays())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and self._p.to_json() == other._p.to_json()

    def __hash__(self) -> int:
        return hash(self.hash)

    def __repr__(self) -> str:
        extra = " diagonal" if self.diagonal else ""
        return f"<horizon.Problem {self.kind}{extra} d={self.d} K={self.K} domains={self.names}>"


def generate(
    kind: str = "quadratic",
    *,
    d: Optional[int] = None,
    K: int = 3,
    aligned: int = 0,
    spread: Optional[float] = None,
    problem_seed: int = 0,
    mu: float = 0.1,
    L: float = 1.0,
    diagonal: bool = False,
    lean: float = 0.25,
    examples: int = 200,
    validation_examples: int = 500,
    label_noise: float = 0.1,
    shift: float = 0.5,
    lambda_: float = 0.01,
    lambda_v: float = 0.0,
    out: Optional[PathLike] = None,
) -> Problem:
    """A seeded random problem, as ``horizon generate`` (same flags, same problem).

    quadratic (``d`` default 5, ``spread`` 1): ``mu``, ``L``, ``diagonal``,
    ``lean``; logistic (``d`` default 20, ``spread`` 0.6): ``examples``,
    ``validation_examples``, ``label_noise``, ``shift``, ``lambda_``,
    ``lambda_v``. ``out`` also writes the JSON there.
    """
    if kind == "quadratic":
        for name, value, default in (("examples", examples, 200), ("validation_examples", validation_examples, 500),
                                     ("label_noise", label_noise, 0.1), ("shift", shift, 0.5),
                                     ("lambda_", lambda_, 0.01), ("lambda_v", lambda_v, 0.0)):
            if value != default:
                raise InputError(f"{name}: applies to kind='logistic' only")
        params = dict(d=5 if d is None else d, K=K, mu=mu, L=L, diagonal=diagonal, aligned=aligned,
                      spread=1.0 if spread is None else spread, lean=lean, seed=problem_seed)
        core = _core.generate_quadratic(*params.values())
    elif kind == "logistic":
        for name, value, default in (("mu", mu, 0.1), ("L", L, 1.0), ("diagonal", diagonal, False), ("lean", lean, 0.25)):
            if value != default:
                raise InputError(f"{name}: applies to kind='quadratic' only")
        params = dict(d=20 if d is None else d, K=K, examples=examples, validation_examples=validation_examples,
                      label_noise=label_noise, spread=0.6 if spread is None else spread, shift=shift,
                      aligned=aligned, **{"lambda": lambda_}, lambda_v=lambda_v, seed=problem_seed)
        core = _core.generate_logistic(*params.values())
    else:
        raise InputError(f"kind: unknown value '{kind}' (expected quadratic or logistic)")
    p = Problem(core, {"source": "generator", "generator": {"kind": kind, **params}})
    if out is not None:
        p.save(out)
    return p


def presets() -> List[str]:
    """The names of the built-in presets (``horizon info``)."""
    return list(_core.preset_names())


def preset(name: str) -> Dict[str, Any]:
    """A preset's settings: ``problem`` (a :class:`Problem`) and the grid and
    algorithm keywords it sets, so that ``horizon.sweep(**horizon.preset(name))``
    runs it as ``horizon sweep --preset NAME`` does."""
    d = dict(_core.preset(name))
    d["problem"] = Problem(d["problem"], {"source": "preset " + name})
    return d
