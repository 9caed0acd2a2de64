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

from . import _core
from ._analysis import Analysis, CheckResult, analyze, check
from ._core import InputError, IoError
from ._problem import Problem, generate, preset, presets
from ._runs import read_runs, run, sweep
from ._settings import ALGORITHM_SETTINGS, algorithm_defaults, build_options

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
