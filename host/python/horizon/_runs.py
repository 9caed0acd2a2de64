"""Runs: one trajectory (run) and the T x N x seed grid (sweep, read_runs)."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any, Dict, Mapping, Optional, Sequence

import numpy as np

from . import _core
from ._core import InputError
from ._problem import Problem
from ._settings import IntList, PathLike, _int_list, _settings


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
