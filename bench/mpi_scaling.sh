#!/usr/bin/env bash
# bench/mpi_scaling.sh — MPI throughput: `mpirun -n P horizon sweep
# --threads 1` against `-n 1`, same sweep, runs.csv compared byte for byte.
#
# Usage: bench/mpi_scaling.sh [HORIZON] [P] [SEEDS]   (defaults build/horizon, 2, 600)
# Environment: MPIRUN_ARGS, extra mpirun arguments for both runs (e.g.
# "--mca pml ob1", which starts 0.2 s sooner on one node).
# The sweep: the demo problem (dense quadratic d = 5, K = 3), T = 1..32
# (6 values), N = 1000, 10000, 30000, SEEDS seeds, noise 0.1: 6·SEEDS
# trajectories of 30,000 steps each. Prints wall time, trajectories/s,
# run-steps/s and the speed-up, with `uptime` before and after.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
horizon=${1:-$here/build/horizon} P=${2:-2} seeds=${3:-600}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--preset demo --T 1,2,4,8,16,32 --N 1000,10000,30000 --seeds "$seeds" --noise 0.1 --backend cpu --threads 1)
trajectories=$((6 * seeds))
echo "mpirun ${MPIRUN_ARGS:-} -n 1 / -n $P, $trajectories trajectories"
echo "uptime before: $(uptime)"
run() {  # run P → wall seconds
  local start end
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  mpirun ${MPIRUN_ARGS:-} -n "$1" "$horizon" sweep "${args[@]}" --out "$work/n$1" >/dev/null 2>"$work/n$1.err" \
    || { cat "$work/n$1.err" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}
t1=$(run 1)
tp=$(run "$P")
cmp -s "$work/n1/runs.csv" "$work/n$P/runs.csv" || { echo "runs.csv differ between -n 1 and -n $P" >&2; exit 1; }
echo "uptime after: $(uptime)"
awk -v t1="$t1" -v tp="$tp" -v n="$trajectories" -v P="$P" 'BEGIN {
  printf "ranks  wall s  trajectories/s  run-steps/s\n";
  printf "%5d  %6.2f  %14.1f  %11.3g\n", 1, t1, n / t1, n * 30000 / t1;
  printf "%5d  %6.2f  %14.1f  %11.3g\n", P, tp, n / tp, n * 30000 / tp;
  printf "speed-up -n %d / -n 1: %.2fx (runs.csv identical)\n", P, t1 / tp }'
