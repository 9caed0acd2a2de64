#!/usr/bin/python3
"""Cross-check: horizon's CPU backend against the NumPy peer (bench/numpy_sweep.py).

Interpreter: Debian's system Python, /usr/bin/python3 (it ships numpy 1.24);
the pyenv `python3` first on PATH has no numpy.

Writes three problems (the benchmark's own dense d=5 K=3 problem via
`horizon_bench_cpu --smoke --problem-out`, a generated dense one and a generated
diagonal one via `horizon generate`), then for both weight updates, both outer
schedules, both inner schedules and several horizons T — T = 1, T dividing N,
T not dividing N (leftover steps), T > N (no weight update at all) — runs
`horizon run ... --noise 0 --backend cpu --checkpoints ...` and the NumPy peer
on the same settings, and compares val_loss and w at every budget.

Relative difference of two numbers a, b: |a − b| / max(|a|, |b|, floor), with
floor = 1e-300 for val_loss and 1e-12 for the weights (a weight the projection
puts at exactly 0 on one side and 1e-17 on the other is rounding, not a bug).
Divergence: both sides must flag the same runs as diverged.

Noise (statistical, since numpy's Generator cannot replay horizon's Philox
stream): on the benchmark problem with σ = 0.1, T ∈ {1, 4, 16, 64}, N = 4000,
64 seeds, `horizon sweep` and the peer must agree in distribution: for each T
the difference of the seed means of val_loss and of each w_j, divided by the
combined standard error, must stay below --z-max (default 6). Skip with
--no-noise-check.

Exit status 0 when every difference is ≤ --tol (default 1e-9) and every noise
z-score ≤ --z-max, 1 otherwise.

    /usr/bin/python3 bench/check_numpy_matches.py [--horizon build/horizon]
        [--bench build/bench/horizon_bench_cpu] [--tol 1e-9] [--verbose]
"""
import argparse
import csv
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import compare_seed_means  # noqa: E402
import numpy_sweep as ns  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cmd(cmd, retries=30):
    """Runs a command; while the binary is missing (being rebuilt), waits and retries."""
    for attempt in range(retries):
        if os.path.exists(cmd[0]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode == 0:
                return r.stdout
            if os.path.exists(cmd[0]) or attempt == retries - 1:
                raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr))
        time.sleep(10)
    raise RuntimeError("binary not found: %s" % cmd[0])


def rel(a, b, floor):
    return abs(a - b) / max(abs(a), abs(b), floor)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--horizon", default=os.path.join(ROOT, "build", "horizon"))
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "bench", "horizon_bench_cpu"))
    ap.add_argument("--tol", type=float, default=1e-9)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--z-max", type=float, default=6.0)
    ap.add_argument("--no-noise-check", action="store_true")
    a = ap.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="horizon_check_")
    problems = {}
    f = os.path.join(tmp, "bench.json")
    run_cmd([a.bench, "--smoke", "--problem-out", f])
    problems["bench_dense_d5_K3"] = f
    f = os.path.join(tmp, "dense.json")
    run_cmd([a.horizon, "generate", "--d", "5", "--K", "3", "--problem-seed", "3", "--out", f])
    problems["gen_dense_d5_K3"] = f
    f = os.path.join(tmp, "diag.json")
    run_cmd([a.horizon, "generate", "--d", "6", "--K", "4", "--diagonal", "--problem-seed", "5",
             "--out", f])
    problems["gen_diag_d6_K4"] = f

    N = 50
    checkpoints = [1, 2, 5, 10, 21, 33]
    Ts = [1, 3, 4, 7, 16, 64]
    cases = []  # (problem, T, N, checkpoints, cfg kwargs)
    for pname, (upd, osch), T in itertools.product(
            problems, itertools.product(["exponentiated", "projected"], ["constant", "inv_sqrt"]), Ts):
        # projected with a large outer step so the projection clips weights to 0
        alpha = 0.5 if upd == "exponentiated" else 4.0
        cases.append((pname, T, N, checkpoints,
                      dict(inner_lr=0.5, outer_lr=alpha, outer_schedule=osch, update=upd)))
    # standalone budgets (no checkpoints), including T ∤ N and T > N
    for pname, (T, n) in itertools.product(problems, [(3, 10), (7, 50), (64, 50), (5, 3), (1, 1), (16, 2000)]):
        cases.append((pname, T, n, [], dict(inner_lr=0.5, outer_lr=0.5)))
    # inverse_time inner schedule, with and without restart
    for pname, T, restart in itertools.product(problems, [4, 7], [True, False]):
        cases.append((pname, T, N, checkpoints,
                      dict(inner_lr=0.8, outer_lr=1.0, inner_schedule="inverse_time",
                           inner_decay=0.05, restart=restart, outer_schedule="inv_sqrt")))
    # a divergent run: both must flag it
    cases.append(("gen_dense_d5_K3", 3, 400, [], dict(inner_lr=5.0, outer_lr=0.5)))

    loaded = {k: ns.Problem.load(v) for k, v in problems.items()}
    worst = {"val_loss": (0.0, None), "w": (0.0, None)}
    failures = []
    compared = 0
    for pname, T, n, cps, kw in cases:
        cfg = ns.Config(**kw)
        cmd = [a.horizon, "run", "--problem", problems[pname], "--T", str(T), "--N", str(n),
               "--inner-lr", repr(cfg.inner_lr), "--outer-lr", repr(cfg.outer_lr),
               "--outer-schedule", cfg.outer_schedule, "--update", cfg.update,
               "--inner-schedule", cfg.inner_schedule, "--noise", "0", "--backend", "cpu"]
        if cfg.inner_schedule == "inverse_time":
            cmd += ["--inner-decay", repr(cfg.inner_decay)]
            if not cfg.restart:
                cmd.append("--no-restart")
        cps = [c for c in cps if c < n]
        if cps:
            cmd += ["--checkpoints", ",".join(map(str, cps))]
        hz = json.loads(run_cmd(cmd))
        p = loaded[pname]
        with np.errstate(all="ignore"):
            res = ns.run_T(p, cfg, T, n, 1, cps)
        for c in hz["checkpoints"]:
            theta, w = res[c["N"]]
            vl, div = ns.metrics(p, theta, w)
            tag = "%s T=%d N=%d %s" % (pname, T, c["N"], kw)
            compared += 1
            if bool(div[0]) != bool(c["diverged"]):
                failures.append("%s: diverged horizon=%s numpy=%s" % (tag, c["diverged"], bool(div[0])))
                continue
            if c["diverged"]:
                if a.verbose:
                    print("ok (both diverged)  " + tag)
                continue
            dv = rel(c["val_loss"], float(vl[0]), 1e-300)
            dw = max(rel(x, float(y), 1e-12) for x, y in zip(c["w"], w[0]))
            for key, dval in (("val_loss", dv), ("w", dw)):
                if dval > worst[key][0]:
                    worst[key] = (dval, tag)
                if dval > a.tol:
                    failures.append("%s: %s rel diff %.3e (horizon %s, numpy %s)"
                                    % (tag, key, dval,
                                       c["val_loss"] if key == "val_loss" else c["w"],
                                       float(vl[0]) if key == "val_loss" else list(w[0])))
            if a.verbose:
                print("val_loss %.2e  w %.2e  %s" % (dv, dw, tag))

    print("compared %d checkpoints in %d horizon runs (%d problems)" % (compared, len(cases), len(problems)))
    for key in ("val_loss", "w"):
        print("max relative difference %-8s %.3e   at %s" % (key, worst[key][0], worst[key][1]))
    if not a.no_noise_check:
        failures += noise_check(a, problems["bench_dense_d5_K3"], tmp)

    if failures:
        print("FAIL: %d differences above %.1e" % (len(failures), a.tol))
        for line in failures[:50]:
            print("  " + line)
        return 1
    print("OK: every difference <= %.1e" % a.tol)
    return 0


def noise_check(a, problem, tmp):
    """Seed means under σ = 0.1 noise, horizon vs numpy, as z-scores."""
    Ts, N, seeds = [1, 4, 16, 64], 4000, 64
    out = os.path.join(tmp, "sweep")
    run_cmd([a.horizon, "sweep", "--problem", problem, "--T", ",".join(map(str, Ts)),
             "--N", str(N), "--seeds", str(seeds), "--noise", "0.1", "--inner-lr", "0.5",
             "--outer-lr", "0.5", "--backend", "cpu", "--out", out])
    hz = {}
    with open(os.path.join(out, "runs.csv")) as f:
        for row in csv.DictReader(f):
            if int(row["N"]) != N:
                continue
            K = sum(1 for k in row if k.startswith("w_"))
            hz.setdefault(int(row["T"]), []).append(
                [float(row["val_loss"])] + [float(row["w_%d" % j]) for j in range(K)])
    p = ns.Problem.load(problem)
    cfg = ns.Config(inner_lr=0.5, outer_lr=0.5, noise=0.1, noise_seed=12345)
    res, _, _ = ns.sweep(p, cfg, Ts, N, seeds)
    failures, zmax = [], (0.0, None)
    print("noise check (sigma 0.1, N %d, %d seeds): seed mean +- s.e., horizon vs numpy" % (N, seeds))
    for T in Ts:
        h = np.array(hz[T])
        theta, w = res[T][N]
        vl, _ = ns.metrics(p, theta, w)
        m = np.column_stack([vl, w])
        names = ["val_loss"] + ["w_%d" % j for j in range(p.K)]
        zmax = compare_seed_means("noise", T, h, m, names, a.z_max, a.verbose, zmax, failures)
    print("max |z| over val_loss and w: %.2f at %s" % zmax)
    return failures


if __name__ == "__main__":
    sys.exit(main())
