"""The algorithm keyword settings and the small conversions every part shares."""
from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

import numpy as np

from . import _core
from ._core import InputError


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
