#!/usr/bin/env python3
"""Speed: horizon's CPU backend vs a JAX-CPU peer (issue #11), in one run.

Interpreter: one with jax and numpy, e.g. the development venv of
bench/README.md (`bench/.venv/bin/python bench/compare_jax.py`). Without jax
it prints that it skipped and exits 0. jax is never a dependency of horizon.

Workloads (inner lr 0.5, exponentiated update, constant schedules):
  dense5     `horizon generate --d 5 --K 3 --aligned 2 --problem-seed 7`,
             T = 16, N = 4000, 256 seeds, σ = 1, outer lr 0.5
  diag32     `horizon generate --d 32 --K 3 --diagonal --aligned 2 --problem-seed 7`,
             same grid
  issue2     the dense5 problem, T ∈ {1, 4, 16, 64}, N = 4000, 64 seeds,
             σ = 0.1, outer lr 0.5 (bench/compare_numpy.py's sweep)
  logistic   horizon_bench_logistic's problem, minibatch B = 32,
             T ∈ {1, 4, 16, 64}, N = 4000, 64 seeds, outer lr 1

- horizon, quadratics: `horizon sweep ... --backend cpu --threads t`, end to
  end (process start to exit: runs, metrics, runs.csv), best of --repeats.
- horizon, logistic: `horizon_bench_logistic --mode minibatch --batch 32
  --threads t`'s wall_s (Backend::run incl. scoring the checkpoints).
- JAX: bench/jax_cpu_peer.py, in a child process (so its thread pool can be
  pinned): all cores, and `taskset -c 0` for one core; compile excluded
  (the first call of each T), best of --repeats.

Before each measurement it waits (up to --max-wait s) until the CPUs are
--idle (90 %) idle and no compiler runs (compare_numpy_logistic.wait_idle).

Prints a markdown table (seconds, ratio jax_time / horizon_time for 2 threads
vs all cores and 1 thread vs one core), the machine, load averages, the lane
ISA and the exact commands; --json FILE writes the numbers.

    bench/.venv/bin/python bench/compare_jax.py [--repeats 3] [--workloads dense5,diag32,issue2,logistic]
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench_common import cpu_model, loadavg  # noqa: E402
from compare_numpy_logistic import wait_idle  # noqa: E402

QUAD = {
    "dense5": dict(gen=["--d", "5", "--K", "3"], Ts=[16], N=4000, seeds=256, sigma=1.0, outer=0.5),
    "diag32": dict(gen=["--d", "32", "--K", "3", "--diagonal"], Ts=[16], N=4000, seeds=256, sigma=1.0, outer=0.5),
    "issue2": dict(gen=["--d", "5", "--K", "3"], Ts=[1, 4, 16, 64], N=4000, seeds=64, sigma=0.1, outer=0.5),
}
LOGISTIC = dict(Ts=[1, 4, 16, 64], N=4000, seeds=64, batch=32, outer=1.0)
INNER_LR = 0.5


def q(cmd):
    return " ".join(shlex.quote(c) for c in cmd)


def jax_child(a):
    """Runs one JAX timing in this process and prints its JSON."""
    import jax  # noqa: F401 (fails here, not in the parent, when missing)
    import jax_cpu_peer as jp
    if a.workload == "logistic":
        import numpy_logistic as nl
        p = nl.LogisticProblem.load(a.problem)
        w = LOGISTIC
        best, comp = jp.logistic_minibatch_sweep(p, w["Ts"], w["N"], w["seeds"], w["batch"], INNER_LR, w["outer"],
                                                 a.repeats)
    else:
        import numpy_sweep as ns
        p = ns.Problem.load(a.problem)
        w = QUAD[a.workload]
        best, comp = jp.quadratic_sweep(p, w["Ts"], w["N"], w["seeds"], w["sigma"], INNER_LR, w["outer"], a.repeats)
    print(json.dumps({"wall_s": best, "compile_s": comp, "jax": jax.__version__,
                      "device": str(jax.devices()[0])}))
    return 0


def time_cmd(cmd, repeats):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        best = min(best, time.perf_counter() - t0)
    return best


def run_json(cmd):
    r = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--horizon", default=os.path.join(ROOT, "build", "horizon"))
    ap.add_argument("--bench-logistic", default=os.path.join(ROOT, "build", "bench", "horizon_bench_logistic"))
    ap.add_argument("--threads", type=int, default=2, help="horizon threads of the first column (and 1)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workloads", default="dense5,diag32,issue2,logistic")
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--idle", type=float, default=0.9,
                    help="before each measurement wait until the CPUs are this idle (0 = do not wait)")
    ap.add_argument("--max-wait", type=float, default=300.0)
    ap.add_argument("--jax-child", dest="workload", help=argparse.SUPPRESS)
    ap.add_argument("--problem", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.workload:
        return jax_child(a)
    try:
        import jax  # noqa: F401
    except ImportError:
        print("compare_jax.py: skipped: jax is not installed for %s (bench/README.md: the development venv)"
              % sys.executable)
        return 0

    def settle():
        if a.idle > 0:
            wait_idle(a.idle, a.max_wait, lambda m: print(m, file=sys.stderr))

    tmp = tempfile.mkdtemp(prefix="horizon_jax_")
    # The lane ISA level horizon runs at (HORIZON_CPU_ISA, if set, caps it).
    isa = run_json([os.path.join(os.path.dirname(a.bench_logistic), "horizon_bench_cpu"), "--smoke"])["lane_isa"]
    rows, cmds = [], []
    load_before = loadavg()
    for name in a.workloads.split(","):
        problem = os.path.join(tmp, name + ".json")
        if name == "logistic":
            w = LOGISTIC
            hz = {}
            for t in (a.threads, 1):
                cmd = [a.bench_logistic, "--mode", "minibatch", "--batch", str(w["batch"]), "--threads", str(t),
                       "--repeats", str(a.repeats), "--problem-out", problem]
                settle()
                hz[t] = run_json(cmd)["wall_s"]
                cmds.append(q(cmd))
        else:
            w = QUAD[name]
            subprocess.run([a.horizon, "generate", *w["gen"], "--aligned", "2", "--problem-seed", "7",
                            "--out", problem], check=True, capture_output=True)
            hz = {}
            for t in (a.threads, 1):
                cmd = [a.horizon, "sweep", "--problem", problem, "--T", ",".join(map(str, w["Ts"])),
                       "--N", str(w["N"]), "--seeds", str(w["seeds"]), "--noise", repr(w["sigma"]),
                       "--inner-lr", repr(INNER_LR), "--outer-lr", repr(w["outer"]), "--backend", "cpu",
                       "--threads", str(t), "--out", os.path.join(tmp, name + "_sweep"), "--force"]
                settle()
                hz[t] = time_cmd(cmd, a.repeats)
                cmds.append(q(cmd))
        jx = {}
        for pin in ([], ["taskset", "-c", "0"]):
            cmd = pin + [sys.executable, os.path.abspath(__file__), "--jax-child", name, "--problem", problem,
                         "--repeats", str(a.repeats)]
            settle()
            jx["1" if pin else "all"] = run_json(cmd)
            cmds.append(q(cmd))
        rows.append({"workload": name, "run_steps": len(w["Ts"]) * w["seeds"] * w["N"],
                     "horizon_s": hz[a.threads], "horizon_1thread_s": hz[1],
                     "jax_s": jx["all"]["wall_s"], "jax_1core_s": jx["1"]["wall_s"],
                     "jax_compile_s": jx["all"]["compile_s"], "jax": jx["all"]["jax"],
                     "ratio": jx["all"]["wall_s"] / hz[a.threads], "ratio_1thread": jx["1"]["wall_s"] / hz[1]})
    load_after = loadavg()

    print("### horizon CPU vs JAX-CPU (float64, jit+vmap+scan, compile excluded), best of %d\n" % a.repeats)
    print("| workload | run-steps | horizon %d threads s | JAX all cores s | jax/horizon | horizon 1 thread s "
          "| JAX 1 core s | jax/horizon (1) |" % a.threads)
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %d | %.4f | %.4f | %.2f | %.4f | %.4f | %.2f |"
              % (r["workload"], r["run_steps"], r["horizon_s"], r["jax_s"], r["ratio"], r["horizon_1thread_s"],
                 r["jax_1core_s"], r["ratio_1thread"]))
    print()
    print("- machine: nproc %d, %s; lane ISA %s; jax %s" % (os.cpu_count(), cpu_model(), isa, rows[0]["jax"] if rows else "?"))
    print("- load average (1/5/15 min) before: %s, after: %s" % (load_before, load_after))
    print("- commands:")
    print("  - `%s`" % q([sys.executable] + sys.argv))
    for c in cmds:
        print("  - `%s`" % c)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"benchmark": "compare_jax", "rows": rows, "cpu": cpu_model(), "nproc": os.cpu_count(),
                       "lane_isa": isa, "loadavg_before": load_before, "loadavg_after": load_after}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
