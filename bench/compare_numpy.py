#!/usr/bin/python3
"""Speed: horizon's CPU backend vs the vectorised NumPy peer (issue #2).

Interpreter: Debian's system Python, /usr/bin/python3 (it ships numpy 1.24);
the pyenv `python3` first on PATH has no numpy.

The sweep of issue #2: dense quadratic d = 5, K = 3 (horizon_bench_cpu's
generated problem, problem seed 7), T ∈ {1, 4, 16, 64}, N = 4000, 64 seeds,
gaussian noise σ = 0.1, inner lr 0.5, outer lr 0.5, exponentiated update,
constant schedules: 256 runs × 4000 steps = 1,024,000 run-steps.

- horizon: `horizon_bench_cpu --problem-out F --repeats R [--threads N]`, which
  reports the best of R repeats (wall_s); also run with --threads 1. And the
  same sweep end to end, `horizon sweep ... --backend cpu` (process wall time,
  best of R; --horizon '' skips it), with N threads and 1.
- NumPy:   bench/numpy_sweep.py imported and timed on the identical problem F
  and settings (best of R; fewer repeats when one takes more than 60 s).
  Its noise comes from numpy's Generator, not horizon's Philox: the same amount
  of random numbers and arithmetic, but not the same draws.

Before each measurement it waits (up to --max-wait s) until the CPUs are
--idle (90 %) idle and no compiler runs (compare_numpy_logistic.wait_idle).

Prints a markdown table (wall seconds, run-steps/s, ratio numpy_time / horizon_time),
the machine (nproc, CPU model, load average before and after) and the exact
command lines; --json FILE also writes the numbers.

    /usr/bin/python3 bench/compare_numpy.py [--threads N] [--repeats 3] [--json out.json]
"""
import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import cpu_model, loadavg  # noqa: E402
import numpy_sweep as ns  # noqa: E402
from compare_numpy_logistic import wait_idle  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# horizon_bench_cpu hard-codes these (bench/cpu_sweep_bench.cpp); T, N, seeds
# and σ are read back from its JSON output so both sides time the same grid.
INNER_LR, OUTER_LR = 0.5, 0.5


def run_bench(cmd, retries=30):
    """Runs horizon_bench_cpu; while the binary is missing (being rebuilt), waits."""
    for attempt in range(retries):
        if os.path.exists(cmd[0]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode == 0:
                return json.loads(r.stdout.strip().splitlines()[-1])
            if os.path.exists(cmd[0]) or attempt == retries - 1:
                raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr))
        time.sleep(10)
    raise RuntimeError("binary not found: %s" % cmd[0])


def time_numpy(p, cfg, Ts, N, seeds, repeats, cap_s=60.0):
    best, walls = float("inf"), []
    for _ in range(repeats):
        _, wall, _ = ns.sweep(p, cfg, Ts, N, seeds)
        walls.append(wall)
        best = min(best, wall)
        if wall > cap_s:
            break
    return best, walls


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "bench", "horizon_bench_cpu"))
    ap.add_argument("--threads", type=int, default=0, help="horizon threads (0 = all)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--problem-out", help="keep the problem JSON here (default: a temp file)")
    ap.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    ap.add_argument("--idle", type=float, default=0.9,
                    help="before each measurement wait until the CPUs are this idle (0 = do not wait)")
    ap.add_argument("--max-wait", type=float, default=300.0)
    ap.add_argument("--horizon", default=os.path.join(ROOT, "build", "horizon"),
                    help="also time `horizon sweep` end to end with it ('' skips)")
    a = ap.parse_args(argv)

    problem = a.problem_out or os.path.join(tempfile.mkdtemp(prefix="horizon_cmp_"), "problem.json")
    load_before = loadavg()

    cmd_hz = [a.bench, "--problem-out", problem, "--repeats", str(a.repeats)]
    if a.threads:
        cmd_hz += ["--threads", str(a.threads)]
    def settle():
        if a.idle > 0:
            wait_idle(a.idle, a.max_wait, lambda m: print(m, file=sys.stderr))

    settle()
    hz = run_bench(cmd_hz)
    cmd_hz1 = [a.bench, "--threads", "1", "--repeats", str(a.repeats)]
    settle()
    hz1 = run_bench(cmd_hz1)

    Ts, N, seeds, sigma = hz["T"], hz["N"], hz["seeds"], hz["noise"]
    # The same sweep end to end through the CLI (process start, runs, metrics,
    # runs.csv, manifest): wall time of the whole process, best of R.
    sweeps = []
    if a.horizon:
        out_dir = os.path.join(os.path.dirname(problem), "sweep")
        for t in ([a.threads] if a.threads else [0]) + [1]:
            cmd = [a.horizon, "sweep", "--problem", problem, "--T", ",".join(map(str, Ts)), "--N", str(N),
                   "--seeds", str(seeds), "--noise", repr(sigma), "--inner-lr", repr(INNER_LR),
                   "--outer-lr", repr(OUTER_LR), "--backend", "cpu", "--out", out_dir, "--force"]
            if t:
                cmd += ["--threads", str(t)]
            best = float("inf")
            settle()
            for _ in range(a.repeats):
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                best = min(best, time.perf_counter() - t0)
            sweeps.append((t, cmd, best))
    p = ns.Problem.load(problem)
    cfg = ns.Config(inner_lr=INNER_LR, outer_lr=OUTER_LR, outer_schedule="constant",
                    update="exponentiated", noise=sigma)
    settle()
    np_best, np_walls = time_numpy(p, cfg, Ts, N, seeds, a.repeats)
    load_after = loadavg()

    run_steps = len(Ts) * seeds * N
    cmd_np = ["/usr/bin/python3", "bench/numpy_sweep.py", "--problem", problem,
              "--T", ",".join(map(str, Ts)), "--N", str(N), "--seeds", str(seeds),
              "--noise", repr(sigma), "--inner-lr", repr(INNER_LR), "--outer-lr", repr(OUTER_LR),
              "--update", "exponentiated", "--outer-schedule", "constant"]
    rows = [
        ("horizon CPU (%s)" % hz["backend"], hz["wall_s"]),
        ("horizon CPU (%s)" % hz1["backend"], hz1["wall_s"]),
        ("NumPy %s peer (batched over seeds)" % np.__version__, np_best),
    ]
    for t, _, wall in sweeps:
        rows.insert(-1, ("`horizon sweep` end to end, %s" % ("%d thread%s" % (t, "" if t == 1 else "s") if t else "all threads"),
                         wall))
    print("### CPU backend vs NumPy: d=%d K=%d, T in {%s}, N=%d, %d seeds, noise %g, "
          "inner/outer lr %g/%g, exponentiated, constant schedules (%d run-steps)\n"
          % (p.d, p.K, ", ".join(map(str, Ts)), N, seeds, sigma, INNER_LR, OUTER_LR, run_steps))
    print("| implementation | wall s (best of %d) | run-steps/s | numpy_time / time |" % a.repeats)
    print("|---|---:|---:|---:|")
    for name, wall in rows:
        print("| %s | %.4f | %.3g | %.2f |" % (name, wall, run_steps / wall, np_best / wall))
    print()
    print("- ratio numpy_time / horizon_time: %.2f (%s), %.2f (1 thread)"
          % (np_best / hz["wall_s"], hz["backend"], np_best / hz1["wall_s"]))
    print("- NumPy repeats (s): %s" % ", ".join("%.4f" % w for w in np_walls))
    print("- machine: nproc %d, %s; Python %s, numpy %s"
          % (os.cpu_count(), cpu_model(), platform.python_version(), np.__version__))
    print("- load average (1/5/15 min) before: %s, after: %s" % (load_before, load_after))
    print("- commands:")
    print("  - `%s`" % " ".join(shlex.quote(c) for c in [sys.executable] + sys.argv))
    print("  - `%s`" % " ".join(shlex.quote(c) for c in cmd_hz))
    print("  - `%s`" % " ".join(shlex.quote(c) for c in cmd_hz1))
    for _, cmd, _ in sweeps:
        print("  - `%s`" % " ".join(shlex.quote(c) for c in cmd))
    print("  - NumPy side, as a CLI (timed in-process by this script): `%s`"
          % " ".join(shlex.quote(c) for c in cmd_np))

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"benchmark": "compare_numpy", "d": p.d, "K": p.K, "T": Ts, "N": N,
                       "seeds": seeds, "noise": sigma, "run_steps": run_steps,
                       "horizon": hz, "horizon_1thread": hz1,
                       "numpy": {"version": np.__version__, "wall_s": np_best, "walls": np_walls,
                                 "run_steps_per_s": run_steps / np_best},
                       "ratio": np_best / hz["wall_s"], "ratio_1thread": np_best / hz1["wall_s"],
                       "sweep_end_to_end": [{"threads": t, "wall_s": w, "ratio": np_best / w} for t, _, w in sweeps],
                       "nproc": os.cpu_count(), "cpu": cpu_model(),
                       "loadavg_before": load_before, "loadavg_after": load_after}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
