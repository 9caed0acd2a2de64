"""horizon — bilevel data-mixing optimisation, from Python.

The same C++ library as the ``horizon`` command-line tool, with NumPy arrays
in and pandas DataFrames out::

    import numpy as np, horizon
    p = horizon.Problem.quadratic(
        domains=[(np.array([1.0, 2.0]), np.array([0.0, 1.0])),      # diagonal A, centre c
                 (np.eye(2), np.array([1.0, 0.0]))],                 # dense A
        validation=(np.array([1.0, 1.0]), np.array([0.5, 0.5])))
    df = horizon.sweep(p, T=[1, 2, 4, 8], N=[500, 1000], seeds=8,
                       inner_lr=0.5, outer_lr=0.5, noise=0.1)
    a = horizon.analyze(df)
    print(a.t_star)

Problems: :class:`Problem` (``quadratic``, ``logistic``, ``load``,
``from_json``, ``preset``), :func:`generate`. Runs: :func:`run` (one
trajectory, its checkpoints), :func:`sweep` (the T × N × seed grid, the
columns of ``runs.csv``). Analysis: :func:`analyze`, :func:`check`,
:func:`read_runs`. The algorithm settings are keyword arguments named as the
CLI's flags (``inner_lr`` for ``--inner-lr``) with the same defaults; see
:data:`ALGORITHM_SETTINGS`.

Bad input raises :class:`InputError` (a ``ValueError``) with the CLI's
one-line message; a failed read or write raises :class:`IoError` (an
``OSError``). The GIL is released while C++ computes, and Ctrl-C stops a
sweep between written batches (its finished rows stay in ``out``).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._core import InputError, IoError

__version__: str = _core.__version__

__all__ = [
    "ALGORITHM_SETTINGS",
    "Analysis",
    "CheckResult",
    "InputError",
    "IoError",
    "Problem",
    "algorithm_defaults",
    "analyze",
    "build_options",
    "check",
    "generate",
    "preset",
    "presets",
    "read_runs",
    "run",
    "sweep",
]

#: The algorithm settings :func:`run` and :func:`sweep` take as keyword
#: arguments, with the CLI's defaults (``None``: required). ``restart=False``
#: is the CLI's ``--no-restart``.
ALGORITHM_SETTINGS: Dict[str, Any] = {
    "inner_lr": None,  # --inner-lr, η₀ (required)
    "outer_lr": None,  # --outer-lr, α₀ (required)
    "inner_schedule": "constant",  # constant | inverse_time
    "inner_decay": 0.0,  # γ of inverse_time
    "restart": True,  # inverse_time counts t (True) or the global step n (False: --no-restart)
    "outer_schedule": "constant",  # constant | inv_sqrt
    "update": "exponentiated",  # exponentiated | projected
    "noise": 0.0,  # σ of Gaussian gradient noise
    "noise_kind": "gaussian",  # gaussian | minibatch (logistic problems)
    "batch": 0,  # B of minibatch noise
}
_BACKEND_SETTINGS = ("backend", "threads", "precision", "gpu_path")

PathLike = Union[str, "os.PathLike[str]"]
IntList = Union[int, str, Iterable[int]]


def build_options() -> str:
    """The build of the C++ core (build type, OpenMP, CUDA on or off)."""
    return _core.build_options()


def _vector(x: Any) -> np.ndarray:
    """A C-contiguous float64 array (a view when ``x`` already is one)."""
    return np.ascontiguousarray(x, dtype=np.float64)


def _optional_vector(x: Any) -> Optional[np.ndarray]:
    return None if x is None else _vector(x)


def _settings(algorithm: Mapping[str, Any]) -> Dict[str, Any]:
    """Keyword settings checked for unknown names (with a suggestion)."""
    known = set(ALGORITHM_SETTINGS) | set(_BACKEND_SETTINGS)
    for key in algorithm:
        if key not in known:
            import difflib

            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise TypeError(f"unexpected keyword argument '{key}'{hint}")
    return {k: v for k, v in algorithm.items() if v is not None}


def algorithm_defaults(**algorithm: Any) -> Dict[str, Any]:
    """The full algorithm settings for these keywords, defaults filled in and checked.

    >>> horizon.algorithm_defaults(inner_lr=0.5, outer_lr=0.5)["update"]
    'exponentiated'
    """
    return dict(_core.algorithm_defaults(_settings(algorithm)))


def _int_list(name: str, value: IntList) -> List[int]:
    """An int, an iterable of ints, or the CLI's list text ("1,2,4", "1..64*2")."""
    if isinstance(value, str):
        return list(_core.parse_int_list(name, value))
    if isinstance(value, (int, np.integer)):
        return [int(value)]
    out = [int(v) for v in value]
    if not out:
        raise InputError(f"{name}: needs at least one value")
    return out


# ---------------------------------------------------------------------------- problems


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


# ---------------------------------------------------------------------------- run


def run(
    problem: Problem,
    T: int,
    N: int,
    checkpoints: Optional[IntList] = None,
    seed: int = 0,
    **algorithm: Any,
) -> Dict[str, Any]:
    """One trajectory (``horizon run``): horizon ``T``, budget ``N``, noise seed ``seed``.

    Returns the checkpoints (``N`` and every budget in ``checkpoints``,
    ascending) as a dict of arrays: ``N``, ``rounds``, ``steps``,
    ``val_loss``, ``val_acc`` (NaN for quadratics), ``phi``, ``fw_gap``,
    ``diverged`` (bool), ``w`` (checkpoints × K), ``theta`` (checkpoints × d);
    plus ``T``, ``seed`` and ``backend``. A diverged checkpoint has NaN metrics.
    ``algorithm``: see :data:`ALGORITHM_SETTINGS`, plus ``backend``,
    ``threads``, ``precision``, ``gpu_path``.
    """
    _check_problem(problem)
    budgets = [int(N)]
    if checkpoints is not None:
        for b in _int_list("checkpoints", checkpoints):
            if b > N:
                raise InputError(f"checkpoints: {b} exceeds N {N}")
            budgets.append(b)
    out = dict(_core.run(problem._p, int(T), int(seed), budgets, _settings(algorithm)))
    out["diverged"] = out["diverged"].view(np.bool_)
    out["T"] = int(T)
    out["seed"] = int(seed)
    return out


def _check_problem(problem: Any) -> None:
    if not isinstance(problem, Problem):
        raise TypeError(f"problem: expected a horizon.Problem (got {type(problem).__name__})")


# ---------------------------------------------------------------------------- sweep


def _dataframe(cols: Mapping[str, Any], names: Optional[Sequence[str]] = None) -> Any:
    """runs.csv's columns as a DataFrame: w as w_0 … w_{K-1}, diverged as bool."""
    import pandas as pd

    w = cols["w"]
    data: Dict[str, Any] = {}
    for key in ("T", "N", "seed", "rounds", "steps", "val_loss", "phi", "fw_gap"):
        data[key] = cols[key]
    data["diverged"] = cols["diverged"].view(np.bool_)
    for j in range(w.shape[1]):
        data[f"w_{j}"] = w[:, j]
    data["val_acc"] = cols["val_acc"]
    df = pd.DataFrame(data, copy=False)
    if names is not None:
        df.attrs["domains"] = list(names)
    return df


def read_runs(path: PathLike) -> Any:
    """A sweep's runs.csv (or the DIR holding it) as the DataFrame :func:`sweep` returns."""
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "runs.csv")
    return _dataframe(_core.read_runs(path))


class _Progress:
    """tqdm when installed (and ``progress`` is not False); else the C++ progress line on a terminal."""

    def __init__(self, progress: Optional[bool]) -> None:
        self.bar = None
        self.draw_cpp = False
        if progress is False:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self.draw_cpp = bool(progress) or (progress is None and sys.stderr is not None and sys.stderr.isatty())
            return
        self.bar = tqdm(total=None, unit="traj", desc="horizon sweep", disable=None if progress is None else False)
        self.start: Optional[int] = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            return
        if self.start is None:  # the first call: what --resume kept
            self.start = done
            self.bar.reset(total=total)
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def sweep(
    problem: Problem,
    T: IntList,
    N: IntList,
    seeds: int = 1,
    seed0: int = 0,
    *,
    out: Optional[PathLike] = None,
    resume: bool = False,
    force: bool = False,
    progress: Optional[bool] = None,
    **algorithm: Any,
) -> Any:
    """The T × N × seed grid (``horizon sweep``) as a pandas DataFrame.

    ``T``, ``N``: ints, lists of ints or the CLI's list text (``"1..64*2"``);
    ``seeds`` seeds from ``seed0``. ``algorithm``: the settings of
    :data:`ALGORITHM_SETTINGS` (``inner_lr`` and ``outer_lr`` required),
    plus ``backend`` ("auto", "cpu", "cuda"), ``threads``, ``precision``,
    ``gpu_path``.

    The DataFrame has runs.csv's columns — ``T, N, seed, rounds, steps,
    val_loss, phi, fw_gap, diverged, w_0 … w_{K-1}, val_acc`` — with the very
    doubles runs.csv holds. With ``out`` the sweep writes the same DIR as the
    CLI (runs.csv, manifest.json), so ``horizon sweep --resume``,
    ``horizon analyze`` and :func:`analyze` work on it; ``resume`` and
    ``force`` are the CLI's ``--resume`` and ``--force``. Without ``out`` it
    runs in a temporary directory that is removed.

    ``progress``: None draws a bar on a terminal (tqdm when installed), True
    always, False never. Ctrl-C stops the sweep after the batch being
    written (KeyboardInterrupt); with ``out`` the finished rows stay there
    and ``resume=True`` continues.
    """
    _check_problem(problem)
    Ts, Ns = _int_list("T", T), _int_list("N", N)
    settings = _settings(algorithm)
    extra = json.dumps({"command": "sweep", "interface": "python", "problem": problem._source})
    argv = [sys.executable] + list(sys.argv)
    bar = _Progress(progress)

    def go(dir_: str) -> Any:
        res = _core.sweep(problem._p, Ts, Ns, int(seeds), int(seed0), settings, dir_, bool(resume), bool(force),
                          argv, extra, bar if bar.bar is not None else None, bar.draw_cpp, True)
        df = _dataframe(res.pop("columns"), problem.names)
        df.attrs["sweep"] = dict(res, out=None if out is None else os.fspath(out))
        return df

    try:
        if out is not None:
            try:
                return go(os.fspath(out))
            except KeyboardInterrupt:
                print(f"horizon: interrupted: the finished trajectories are saved in {os.fspath(out)}/runs.csv; "
                      "continue with horizon.sweep(..., out=..., resume=True)", file=sys.stderr)
                raise
        with tempfile.TemporaryDirectory(prefix="horizon-sweep-") as tmp:
            return go(tmp)
    finally:
        bar.close()


# ---------------------------------------------------------------------------- analysis


class Analysis:
    """T*(N) and the scaling-law fits (``horizon analyze``).

    Attributes: ``table`` — per (N, T): ``N, T, mean, se, median, count,
    diverged, candidate, w_mean_0 …`` (a DataFrame); ``t_star`` — per N:
    ``N, T_star, T_star_refined, ci_lo, ci_hi, at_edge, seeds, at_T_star,
    at_T1``; ``laws`` — law name → ``{params, r2, aic, rss, ok, eligible,
    why}``; ``preferred`` (a law name or None); ``decisive``; ``metric``;
    ``summary`` — summary.json's content as a dict. ``str()`` is the CLI's
    report.
    """

    def __init__(self, core: Any) -> None:
        import pandas as pd

        self._core = core
        self.summary: Dict[str, Any] = json.loads(core.summary_json())
        s = self.summary
        self.metric: str = s["metric"]
        self.laws: Dict[str, Dict[str, Any]] = s["fits"]
        self.preferred: Optional[str] = s["preferred"]
        self.decisive: bool = s["decisive"]
        rows, stars = [], []
        for pn in s["per_N"]:
            at_star = at_one = float("nan")
            for cp in pn["curve"]:
                row = {"N": pn["N"], "T": cp["T"]}
                for key in ("mean", "se", "median"):
                    row[key] = np.nan if cp[key] is None else cp[key]
                row.update(count=cp["count"], diverged=cp["diverged"], candidate=cp["candidate"])
                for j, w in enumerate(cp["w_mean"]):
                    row[f"w_mean_{j}"] = np.nan if w is None else w
                rows.append(row)
                if cp["T"] == pn["T_star"]:
                    at_star = row["mean"]
                if cp["T"] == 1:
                    at_one = row["mean"]
            stars.append({
                "N": pn["N"], "T_star": pn["T_star"] if pn["T_star"] is not None else pd.NA,
                "T_star_refined": np.nan if pn["T_star_refined"] is None else pn["T_star_refined"],
                "ci_lo": np.nan if pn["ci"][0] is None else pn["ci"][0],
                "ci_hi": np.nan if pn["ci"][1] is None else pn["ci"][1],
                "at_edge": pn["at_edge"], "seeds": pn["seeds"], "at_T_star": at_star, "at_T1": at_one,
            })
        self.table = pd.DataFrame(rows)
        self.t_star = pd.DataFrame(stars)
        if len(self.t_star) and self.t_star["T_star"].notna().all():
            self.t_star["T_star"] = self.t_star["T_star"].astype("int64")

    def law(self, N: Any, name: Optional[str] = None) -> np.ndarray:
        """The fitted law ``name`` (default: the preferred one) evaluated at ``N``."""
        name = name or self.preferred
        if name is None:
            raise InputError("law: no law fits these data")
        fit = self.laws[name]
        if not fit["ok"]:
            raise InputError(f"law: {name} was not fitted: {fit['why']}")
        a = fit["params"]["a"]
        N = np.asarray(N, dtype=np.float64)
        if name == "log":
            return a + fit["params"]["b"] * np.log(N)
        if name == "sqrt_nlogn":
            return a + fit["params"]["b"] * np.sqrt(N * np.log(N))
        return a * N ** fit["params"]["p"]

    def __str__(self) -> str:
        return self._core.text()

    def __repr__(self) -> str:
        return f"<horizon.Analysis metric={self.metric} N={list(self.t_star['N'])} preferred={self.preferred}>"


def _columns_of(df: Any) -> Dict[str, Any]:
    missing = [c for c in ("T", "N", "seed", "rounds", "steps", "val_loss", "phi", "fw_gap", "diverged")
               if c not in df.columns]
    if missing:
        raise InputError(f"runs: missing column {missing[0]} (expected runs.csv's columns)")
    wcols = sorted((c for c in df.columns if c.startswith("w_") and c[2:].isdigit()), key=lambda c: int(c[2:]))
    if not wcols:
        raise InputError("runs: no weight columns w_0 ... w_{K-1}")

    def col(name: str, dtype: Any) -> np.ndarray:
        if dtype == np.float64:
            return np.ascontiguousarray(df[name].to_numpy(dtype=dtype, na_value=np.nan))
        return np.ascontiguousarray(df[name].to_numpy(dtype=dtype))

    return dict(
        T=col("T", np.int64), N=col("N", np.int64), seed=col("seed", np.uint64), rounds=col("rounds", np.int64),
        steps=col("steps", np.int64), val_loss=col("val_loss", np.float64), phi=col("phi", np.float64),
        fw_gap=col("fw_gap", np.float64), diverged=col("diverged", np.bool_),
        w=np.ascontiguousarray(df[wcols].to_numpy(dtype=np.float64)),
        val_acc=col("val_acc", np.float64) if "val_acc" in df.columns else np.full(len(df), np.nan),
    )


def analyze(
    runs: Any,
    metric: str = "val_loss",
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    max_diverged: float = 0.0,
    allow_partial: bool = False,
    save: bool = True,
) -> Analysis:
    """T*(N) with bootstrap intervals and the scaling-law fits (``horizon analyze``).

    ``runs``: a DataFrame from :func:`sweep` / :func:`read_runs`, or a sweep
    DIR (checked against its manifest.json as the CLI does; ``save`` writes
    DIR/summary.json like the CLI). ``metric``: val_loss, phi, fw_gap or
    val_acc (higher is better). The other keywords are the CLI's flags.
    """
    if isinstance(runs, (str, os.PathLike)):
        core = _core.analyze_dir(os.fspath(runs), metric, int(bootstrap), int(seed), float(max_diverged),
                                 bool(allow_partial), bool(save))
    elif hasattr(runs, "columns"):
        cols = _columns_of(runs)
        core = _core.analyze_columns(**cols, metric=metric, bootstrap=int(bootstrap), boot_seed=int(seed),
                                     max_diverged=float(max_diverged))
    else:
        raise TypeError(f"runs: expected a DataFrame or a sweep directory (got {type(runs).__name__})")
    return Analysis(core)


class CheckResult:
    """The verdict of :func:`check`: ``passed``, the ``lines`` ("PASS: …" /
    "FAIL: …") and the ``analysis``; true when it passed."""

    def __init__(self, passed: bool, lines: List[str], analysis: Analysis) -> None:
        self.passed = passed
        self.lines = lines
        self.analysis = analysis

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return "\n".join(self.lines + ["check passed" if self.passed else "check FAILED"])

    def __repr__(self) -> str:
        return f"<horizon.CheckResult passed={self.passed} lines={len(self.lines)}>"


def check(
    runs: Any,
    expect: Optional[str] = None,
    *,
    min_r2: float = 0.9,
    exponent: Optional[Tuple[float, float]] = None,
    baseline: Any = None,
    tolerance: float = 0.25,
    greedy_margin: Optional[float] = None,
    metric: str = "val_loss",
    bootstrap: int = 1000,
    seed: int = 0,
    max_diverged: float = 0.0,
    allow_partial: bool = False,
) -> CheckResult:
    """A scaling law as a pass/fail check (``horizon check``).

    ``runs``: a DataFrame, a sweep DIR, or an :class:`Analysis`. ``expect``:
    log, sqrt_nlogn or power (with ``min_r2``); ``exponent``: (lo, hi) for
    the power law; ``baseline``: a summary.json path, its dict or an
    :class:`Analysis`, with ``tolerance``; ``greedy_margin``: T = 1 must be
    worse than T* by this relative margin.
    """
    if isinstance(runs, Analysis):
        analysis = runs
    else:
        analysis = analyze(runs, metric, bootstrap=bootstrap, seed=seed, max_diverged=max_diverged,
                           allow_partial=allow_partial, save=False)
    baseline_json = None
    if isinstance(baseline, Analysis):
        baseline_json = json.dumps(baseline.summary)
    elif isinstance(baseline, Mapping):
        baseline_json = json.dumps(baseline)
    elif baseline is not None:
        path = os.fspath(baseline)
        try:
            with open(path, encoding="utf-8") as f:
                baseline_json = f.read()
        except OSError as e:
            raise InputError(f"baseline: cannot read file '{path}': {e.strerror}") from None
    exp = None if exponent is None else (float(exponent[0]), float(exponent[1]))
    passed, lines = _core.check(analysis._core, expect, float(min_r2), exp, baseline_json, float(tolerance),
                                None if greedy_margin is None else float(greedy_margin))
    return CheckResult(bool(passed), list(lines), analysis)
