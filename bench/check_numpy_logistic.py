#!/usr/bin/python3
"""Cross-check: horizon's CPU backend on logistic problems against the NumPy
peer (bench/numpy_logistic.py).

Interpreter: Debian's system Python, /usr/bin/python3 (it ships numpy 1.24);
the pyenv `python3` first on PATH has no numpy.

Exact part (full gradients). Two problems: the benchmark's own (d=20, K=3, 200
examples per domain, 500 validation examples, problem seed 7, written by
`horizon_bench_logistic --smoke --problem-out`) and a second generated one
(`horizon generate --kind logistic --d 7 --K 4 --examples 60 --lambda-v 0.05`,
so λ_v ≠ 0 and the domains differ in K). For several (T, N) — T = 1, T ∣ N,
T ∤ N (leftover steps, including the benchmark's own T = 64, N = 4000), T > N
(no weight update) — and several configs (the benchmark's: inner lr 0.5, outer
lr 1, exponentiated, constant schedules; projected with a large outer step;
inv_sqrt outer with inverse_time inner steps, with and without restart;
checkpoint budgets) it runs
    horizon run --problem F --T t --N n --inner-lr .. --outer-lr .. --backend cpu
and the peer with one seed, and compares val_loss, every w_j and every θ_i.
Then the very runs the benchmark times (lane-batched in the CPU backend):
`horizon_bench_logistic --mode full --seeds 4 --results-out F` (T ∈ {1, 4, 16,
64}, N = 4000) against the peer's batched sweep, the same way.

Relative difference of a and b: |a − b| / max(|a|, |b|, floor), floor 1e-300
for val_loss, 1e-12 for w and θ. Exit 1 if any exceeds --tol (default 1e-10).

Statistical part (minibatch, B = 32): numpy's Generator cannot replay horizon's
Philox minibatch indices, so on the benchmark problem (T ∈ {1, 4, 16, 64},
N = 4000, 64 seeds, lr 0.5/1) the benchmark's own timed sweep
(`horizon_bench_logistic --mode minibatch --results-out F`) and the peer must
agree in distribution: per T, the seed means of val_loss and
of each w_j may differ by at most --z-max (default 6) combined standard errors.
Skip with --no-noise-check.

    /usr/bin/python3 bench/check_numpy_logistic.py [--horizon build-dev/horizon]
        [--bench build-dev/bench/horizon_bench_logistic] [--tol 1e-10] [--verbose]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import compare_seed_means  # noqa: E402
import numpy_logistic as nl  # noqa: E402
import numpy_sweep as ns  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_bin(rel):
    """The binary in build-dev/ if present, else in build/."""
    for b in ("build-dev", "build"):
        path = os.path.join(ROOT, b, rel)
        if os.path.exists(path):
            return path
    return os.path.join(ROOT, "build", rel)


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


BENCH_CFG = dict(inner_lr=0.5, outer_lr=1.0)


def cases_for(pname):
    out = []  # (problem, T, N, checkpoints, cfg kwargs)
    # the benchmark's settings over T = 1, T | N, T ∤ N, T > N
    for T, n in [(1, 50), (1, 400), (4, 400), (7, 400), (16, 4000), (64, 4000), (3, 10), (300, 200)]:
        out.append((pname, T, n, [], dict(BENCH_CFG)))
    # checkpoints (horizon forks a leftover tail; the peer reads its trajectory)
    for T in (1, 4, 7):
        out.append((pname, T, 50, [1, 2, 5, 21, 33], dict(BENCH_CFG)))
    # projected update, clipping weights to 0; inv_sqrt outer; inverse_time inner
    for T in (4, 7):
        out.append((pname, T, 200, [], dict(inner_lr=0.5, outer_lr=20.0, update="projected")))
        for restart in (True, False):
            out.append((pname, T, 200, [33], dict(inner_lr=0.8, outer_lr=2.0, outer_schedule="inv_sqrt",
                                                  inner_schedule="inverse_time", inner_decay=0.05,
                                                  restart=restart)))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--horizon", default=default_bin("horizon"))
    ap.add_argument("--bench", default=default_bin(os.path.join("bench", "horizon_bench_logistic")))
    ap.add_argument("--tol", type=float, default=1e-10)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--z-max", type=float, default=6.0)
    ap.add_argument("--no-noise-check", action="store_true")
    a = ap.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="horizon_check_logistic_")
    problems = {}
    f = os.path.join(tmp, "bench.json")
    run_cmd([a.bench, "--smoke", "--problem-out", f])
    problems["bench_d20_K3"] = f
    f = os.path.join(tmp, "gen.json")
    run_cmd([a.horizon, "generate", "--kind", "logistic", "--d", "7", "--K", "4", "--examples", "60",
             "--validation-examples", "80", "--lambda-v", "0.05", "--aligned", "1",
             "--problem-seed", "3", "--out", f])
    problems["gen_d7_K4_lamv"] = f

    cases = [c for pname in problems for c in cases_for(pname)]
    loaded = {k: nl.LogisticProblem.load(v) for k, v in problems.items()}
    worst = {"val_loss": (0.0, None), "w": (0.0, None), "theta": (0.0, None)}
    failures = []
    compared = 0
    for pname, T, n, cps, kw in cases:
        cfg = ns.Config(**kw)
        cmd = [a.horizon, "run", "--problem", problems[pname], "--T", str(T), "--N", str(n),
               "--inner-lr", repr(cfg.inner_lr), "--outer-lr", repr(cfg.outer_lr),
               "--outer-schedule", cfg.outer_schedule, "--update", cfg.update,
               "--inner-schedule", cfg.inner_schedule, "--backend", "cpu"]
        if cfg.inner_schedule == "inverse_time":
            cmd += ["--inner-decay", repr(cfg.inner_decay)]
            if not cfg.restart:
                cmd.append("--no-restart")
        cps = [c for c in cps if c < n]
        if cps:
            cmd += ["--checkpoints", ",".join(map(str, cps))]
        hz = json.loads(run_cmd(cmd))
        p = loaded[pname]
        model = nl.make_model(p, "gaussian", 0.0, 0, None)
        with np.errstate(all="ignore"):
            res = nl.run_T(p, cfg, T, n, 1, model, cps)
        for c in hz["checkpoints"]:
            theta, w = res[c["N"]]
            vl, _, div = nl.metrics(p, theta, w)
            tag = "%s T=%d N=%d (budget %d) %s" % (pname, T, c["N"], n, kw)
            compared += 1
            if bool(div[0]) != bool(c["diverged"]):
                failures.append("%s: diverged horizon=%s numpy=%s" % (tag, c["diverged"], bool(div[0])))
                continue
            if c["diverged"]:
                continue
            diffs = {"val_loss": rel(c["val_loss"], float(vl[0]), 1e-300),
                     "w": max(rel(x, float(y), 1e-12) for x, y in zip(c["w"], w[0])),
                     "theta": max(rel(x, float(y), 1e-12) for x, y in zip(c["theta"], theta[0]))}
            for key, dval in diffs.items():
                if dval > worst[key][0]:
                    worst[key] = (dval, tag)
                if dval > a.tol:
                    failures.append("%s: %s rel diff %.3e" % (tag, key, dval))
            if a.verbose:
                print("val_loss %.2e  w %.2e  theta %.2e  %s" % (diffs["val_loss"], diffs["w"], diffs["theta"], tag))

    st = os.stat(a.horizon)
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    print("horizon: %s, built %s UTC (checkout at git %s)"
          % (a.horizon, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(st.st_mtime)), head or "?"))
    print("compared %d checkpoints in %d horizon runs (%d problems), full gradients"
          % (compared, len(cases), len(problems)))
    for key in ("val_loss", "w", "theta"):
        print("max relative difference %-8s %.3e   at %s" % (key, worst[key][0], worst[key][1]))
    failures += timed_runs_check(a, tmp)
    if not a.no_noise_check:
        failures += minibatch_check(a, problems["bench_d20_K3"], tmp)

    if failures:
        print("FAIL: %d checks failed (tol %.1e, z-max %g)" % (len(failures), a.tol, a.z_max))
        for line in failures[:50]:
            print("  " + line)
        return 1
    print("OK: every difference <= %.1e%s" % (a.tol, "" if a.no_noise_check else
                                              ", every minibatch |z| <= %g" % a.z_max))
    return 0


def timed_runs_check(a, tmp):
    """The runs the benchmark times (full mode, all four T, N = 4000, here 4
    seeds), taken from horizon_bench_logistic --results-out, against the peer."""
    seeds = 4
    res_file, prob_file = os.path.join(tmp, "bench_results.json"), os.path.join(tmp, "bench_problem.json")
    run_cmd([a.bench, "--mode", "full", "--seeds", str(seeds), "--repeats", "1",
             "--problem-out", prob_file, "--results-out", res_file])
    with open(res_file) as f:
        hz = json.load(f)["results"]
    p = nl.LogisticProblem.load(prob_file)
    Ts = sorted(set(r["T"] for r in hz))
    N = hz[0]["N"]
    res, _, _ = nl.sweep(p, ns.Config(**BENCH_CFG), Ts, N, seeds)
    worst, failures = {"val_loss": 0.0, "w": 0.0, "theta": 0.0}, []
    for r in hz:
        theta, w = res[r["T"]][r["N"]]
        s = r["seed"]
        vl, _, div = nl.metrics(p, theta, w)
        if bool(div[s]) or r["diverged"]:
            failures.append("timed run T=%d seed %d: diverged horizon=%s numpy=%s"
                            % (r["T"], s, r["diverged"], bool(div[s])))
            continue
        diffs = {"val_loss": rel(r["val_loss"], float(vl[s]), 1e-300),
                 "w": max(rel(x, float(y), 1e-12) for x, y in zip(r["w"], w[s])),
                 "theta": max(rel(x, float(y), 1e-12) for x, y in zip(r["theta"], theta[s]))}
        for key, dval in diffs.items():
            worst[key] = max(worst[key], dval)
            if dval > a.tol:
                failures.append("timed run T=%d seed %d: %s rel diff %.3e" % (r["T"], s, key, dval))
    print("benchmark's own runs (horizon_bench_logistic --mode full --seeds %d --results-out: %d runs, "
          "T in %s, N = %d): max relative difference val_loss %.3e, w %.3e, theta %.3e"
          % (seeds, len(hz), Ts, N, worst["val_loss"], worst["w"], worst["theta"]))
    return failures


def minibatch_check(a, problem, tmp):
    """Seed means under minibatch noise (B = 32), horizon vs numpy, as z-scores.
    The horizon side is the benchmark's own timed sweep (--results-out)."""
    Ts, N, seeds, batch = [1, 4, 16, 64], 4000, 64, 32
    res_file = os.path.join(tmp, "bench_minibatch_results.json")
    run_cmd([a.bench, "--mode", "minibatch", "--batch", str(batch), "--seeds", str(seeds), "--repeats", "1",
             "--problem-out", problem, "--results-out", res_file])
    hz = {}
    with open(res_file) as f:
        for r in json.load(f)["results"]:
            assert r["N"] == N and not r["diverged"]
            hz.setdefault(int(r["T"]), []).append([r["val_loss"]] + list(r["w"]))
    p = nl.LogisticProblem.load(problem)
    cfg = ns.Config(inner_lr=0.5, outer_lr=1.0, noise_seed=12345)
    res, _, _ = nl.sweep(p, cfg, Ts, N, seeds, "minibatch", batch)
    failures, zmax = [], (0.0, None)
    print("minibatch check (B %d, N %d, %d seeds): seed mean, horizon vs numpy" % (batch, N, seeds))
    for T in Ts:
        h = np.array(hz[T])
        theta, w = res[T][N]
        vl, _, _ = nl.metrics(p, theta, w)
        m = np.column_stack([vl, w])
        names = ["val_loss"] + ["w_%d" % j for j in range(p.K)]
        zmax = compare_seed_means("minibatch", T, h, m, names, a.z_max, a.verbose, zmax, failures)
    print("max |z| over val_loss and w: %.2f at %s" % zmax)
    return failures


if __name__ == "__main__":
    sys.exit(main())
