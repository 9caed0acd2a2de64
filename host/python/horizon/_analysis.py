"""Analysis: T*(N), the law fits (analyze) and the regression check (check)."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from . import _core
from ._core import InputError


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
