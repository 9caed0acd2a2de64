#!/usr/bin/env python3
"""Overhead of the Python package: horizon.sweep vs `horizon sweep` (issue #13).

The sweep of bench/compare_numpy.py (issue #2): dense quadratic d = 5, K = 3
(generator: mu 0.1, L 1, aligned 2, problem seed 7), T ∈ {1, 4, 16, 64},
N = 4000, 64 seeds, gaussian noise σ = 0.1, inner lr 0.5, outer lr 0.5, CPU
backend. Both sides write runs.csv to a fresh directory:

- CLI:    `horizon sweep --problem F ... --out DIR` as a subprocess (wall
          time of the whole process: start, problem, sweep, T* table);
- Python: `horizon.sweep(problem, ..., out=DIR)` in this process (wall time
          of the call, including the DataFrame).

Repeats alternate the two and keep each side's best; prints a markdown
table, the ratio python / cli and the machine; --json FILE writes the numbers.
Run it with a Python where `pip install .` put horizon:

    python bench/compare_python.py [--cli build/horizon] [--repeats 7] [--threads 0] [--json out.json]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import horizon

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import cpu_model, loadavg  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRID = dict(T=[1, 4, 16, 64], N=[4000])
ALG = dict(noise=0.1, inner_lr=0.5, outer_lr=0.5)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "horizon"))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=0, help="0 = all")
    ap.add_argument("--seeds", type=int, default=64, help="64: compare_numpy.py's sweep; more: compute dominates")
    ap.add_argument("--json", metavar="FILE")
    a = ap.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="horizon_py_bench_")
    problem = horizon.generate(d=5, K=3, mu=0.1, L=1.0, aligned=2, problem_seed=7)
    pfile = os.path.join(tmp, "problem.json")
    problem.save(pfile)
    threads = a.threads or os.cpu_count()
    cli_cmd = [a.cli, "sweep", "--problem", pfile, "--T", "1,4,16,64", "--N", "4000", "--seeds", str(a.seeds),
               "--noise", "0.1", "--inner-lr", "0.5", "--outer-lr", "0.5", "--backend", "cpu",
               "--threads", str(threads)]
    load_before = loadavg()
    cli_walls, py_walls, cli_inner, py_inner = [], [], [], []
    for r in range(a.repeats):
        out = os.path.join(tmp, f"cli{r}")
        t0 = time.perf_counter()
        subprocess.run(cli_cmd + ["--out", out], check=True, capture_output=True)
        cli_walls.append(time.perf_counter() - t0)
        with open(os.path.join(out, "manifest.json")) as f:
            cli_inner.append(json.load(f)["wall_time_s"])  # run_sweep alone
        out = os.path.join(tmp, f"py{r}")
        t0 = time.perf_counter()
        df = horizon.sweep(problem, **GRID, seeds=a.seeds, **ALG, backend="cpu", threads=threads, out=out, progress=False)
        py_walls.append(time.perf_counter() - t0)
        py_inner.append(df.attrs["sweep"]["wall_seconds"])
        same = open(os.path.join(tmp, f"cli{r}", "runs.csv"), "rb").read() == open(os.path.join(out, "runs.csv"), "rb").read()
        assert same and len(df) == 4 * a.seeds, "runs.csv differs"
    cli_best, py_best = min(cli_walls), min(py_walls)
    cli_sweep = min(cli_inner)
    res = {
        "sweep": "d=5 K=3 dense, T 1,4,16,64, N 4000, %d seeds, sigma 0.1, cpu backend, %d threads" % (a.seeds, threads),
        "cli_wall_s": cli_best, "python_wall_s": py_best, "ratio_python_over_cli": py_best / cli_best,
        "cli_run_sweep_s": cli_sweep, "ratio_python_over_cli_run_sweep": py_best / cli_sweep,
        "python_run_sweep_s": min(py_inner),
        "cli_walls": cli_walls, "python_walls": py_walls, "repeats": a.repeats,
        "machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "loadavg_before": load_before,
                    "loadavg_after": loadavg(), "python": platform.python_version(),
                    "build": horizon.build_options()},
        "cli_command": " ".join(cli_cmd + ["--out", "DIR"]),
    }
    print("| side | best wall s (of %d) |" % a.repeats)
    print("|---|---|")
    print("| horizon sweep (CLI, process) | %.4f |" % cli_best)
    print("| horizon.sweep (Python, DataFrame) | %.4f |" % py_best)
    print("| run_sweep inside the CLI (manifest wall_time_s) | %.4f |" % cli_sweep)
    print("| run_sweep inside horizon.sweep | %.4f |" % min(py_inner))
    print("\nratio python / cli process = %.3f  (target <= 1.05)" % res["ratio_python_over_cli"])
    print("ratio python call / the CLI's run_sweep alone = %.3f" % res["ratio_python_over_cli_run_sweep"])
    print("machine: %d CPUs, %s, load %s -> %s" % (os.cpu_count(), cpu_model(), load_before, loadavg()))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
