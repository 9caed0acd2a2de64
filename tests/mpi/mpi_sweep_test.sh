#!/usr/bin/env bash
# tests/mpi/mpi_sweep_test.sh — `mpirun -n P horizon sweep` against the
# one-process sweep, and a rank that dies.
#
# Usage: mpi_sweep_test.sh HORIZON MPIEXEC WORKDIR equal P
#        mpi_sweep_test.sh HORIZON MPIEXEC WORKDIR rank-death
#
# equal: quadratic with gaussian noise, logistic with minibatch noise and a
# noise-free quadratic (rank 0 alone), each under `MPIEXEC --oversubscribe
# -n P`: runs.csv byte-identical to the one-process sweep; then a resume
# under MPI of a cut file; bad input and a binary without its MPI module
# (libhorizon_mpi.so) fail with one line.
# rank-death: SIGKILL rank 1 while the sweep runs: the job fails, rank 0 says
# it was interrupted and how to resume, runs.csv holds only whole
# trajectories, and a plain --resume completes it byte for byte.
set -euo pipefail
horizon=$1 mpiexec=$2 work=$3 mode=$4
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # CI runs as root
export OMPI_MCA_rmaps_base_oversubscribe=1
# Containers often forbid the cross-process reads (CMA) of the shared-memory
# transport; copying through the shared segment works everywhere.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"

same() {  # same A B NAME
  cmp -s "$1" "$2" || fail "$3: $1 differs from $2 ($(wc -l <"$1") vs $(wc -l <"$2") lines; first difference: $(cmp "$1" "$2" 2>&1 | head -1))"
}

if [[ $mode == equal ]]; then
  P=$5
  declare -A grids=(
    [quadratic]="--preset demo --T 1,2,4,8,16 --N 100,300,1000 --seeds 60 --noise 0.1"
    [logistic]="--preset paper-fig2 --T 1,4,16 --N 100,200 --seeds 40"
    [shared]="--preset demo --T 1,2,4,8 --N 100,300 --seeds 9"
  )
  for name in quadratic logistic shared; do
    args="${grids[$name]} --backend cpu --threads 1"
    "$horizon" sweep $args --out "one-$name" >/dev/null 2>"one-$name.err" || fail "$name: one-process sweep: $(cat "one-$name.err")"
    "$mpiexec" --oversubscribe -n "$P" "$horizon" sweep $args --out "mpi-$name" >"mpi-$name.out" 2>"mpi-$name.err" \
      || fail "$name: mpirun -n $P: $(tail -5 "mpi-$name.err")"
    same "one-$name/runs.csv" "mpi-$name/runs.csv" "$name under mpirun -n $P"
    grep -q "x $P MPI ranks" "mpi-$name.err" || fail "$name: no 'x $P MPI ranks' in: $(cat "mpi-$name.err")"
    grep -q "\"ranks\": $P" "mpi-$name/manifest.json" || fail "$name: manifest has no mpi.ranks $P"
    # The T* table is printed once (by rank 0).
    [[ $(grep -c '^T\* per N' "mpi-$name.out") == 1 ]] || fail "$name: T* table printed $(grep -c '^T\* per N' "mpi-$name.out") times"
  done
  # Resume under MPI: cut the file inside a trajectory, then resume.
  head -c $(( $(stat -c %s mpi-quadratic/runs.csv) / 3 )) mpi-quadratic/runs.csv >cut.csv
  cp cut.csv mpi-quadratic/runs.csv
  "$mpiexec" --oversubscribe -n "$P" "$horizon" sweep ${grids[quadratic]} --backend cpu --threads 1 --resume \
    --out mpi-quadratic >/dev/null 2>resume.err || fail "resume under mpirun: $(tail -5 resume.err)"
  grep -q "resume: kept" resume.err || fail "resume kept nothing: $(cat resume.err)"
  same one-quadratic/runs.csv mpi-quadratic/runs.csv "resume under mpirun -n $P"
  # Bad input: one horizon line (from rank 0), a failed job, nothing written.
  expect_one_error() {  # NAME EXPECTED-LINE ARGS...
    local name=$1 line=$2; shift 2
    local rc=0
    "$mpiexec" --oversubscribe -n "$P" "$horizon" sweep "$@" >/dev/null 2>"$name.err" || rc=$?
    [[ $rc != 0 ]] || fail "$name: mpirun exited 0"
    [[ $(grep -c '^horizon: ' "$name.err") == 1 ]] || fail "$name: not one horizon line: $(cat "$name.err")"
    grep -qxF "$line" "$name.err" || fail "$name: no line '$line' in: $(cat "$name.err")"
  }
  expect_one_error bad-shard "horizon: error: --shard: shard index 5 is out of range: shards of 2 are numbered 0 to 1 (got '5/2')" \
    ${grids[quadratic]} --backend cpu --shard 5/2 --out bad-shard
  [[ ! -e bad-shard ]] || fail "bad-shard: --out was created"
  before=$(md5sum <one-quadratic/runs.csv)
  expect_one_error held "horizon: error: --out: 'one-quadratic' already holds a sweep; pass --resume to continue it or --force to move it aside (to one-quadratic/previous-<UTC time>/)" \
    ${grids[quadratic]} --backend cpu --out one-quadratic
  [[ $(md5sum <one-quadratic/runs.csv) == "$before" ]] || fail "held: runs.csv changed"
  # OpenMPI is in libhorizon_mpi.so beside the binary, loaded only under a
  # launcher: a binary without it fails with one line, and runs alone.
  mkdir -p lonely && cp "$horizon" lonely/horizon
  rc=0
  "$mpiexec" --oversubscribe -n "$P" lonely/horizon sweep ${grids[quadratic]} --backend cpu --out lonely-out \
    >/dev/null 2>lonely.err || rc=$?
  [[ $rc != 0 ]] || fail "no MPI module: mpirun exited 0"
  [[ $(grep -c '^horizon: ' lonely.err) == 1 ]] || fail "no MPI module: not one horizon line: $(cat lonely.err)"
  grep -qF "horizon: error: MPI: cannot load horizon's MPI module: $PWD/lonely/libhorizon_mpi.so: " lonely.err \
    || fail "no MPI module: unexpected message: $(cat lonely.err)"
  [[ ! -e lonely-out ]] || fail "no MPI module: --out was created"
  lonely/horizon sweep ${grids[shared]} --backend cpu --threads 1 --out lonely-one >/dev/null 2>&1 \
    || fail "no MPI module: a plain sweep failed"
  same one-shared/runs.csv lonely-one/runs.csv "a plain sweep of the binary without its MPI module"
  echo "ok: mpirun -n $P equals the one-process sweep (quadratic, logistic, shared seeds, resume); bad input and a missing MPI module are one line"
  exit 0
fi

[[ $mode == rank-death ]] || fail "unknown mode '$mode'"
args="--preset demo --T 1,2,4,8,16,32 --N 1000,10000,30000 --seeds 400 --noise 0.1 --backend cpu --threads 1"
"$horizon" sweep $args --out one >/dev/null 2>one.err || fail "one-process sweep: $(cat one.err)"
"$mpiexec" -n 2 "$horizon" sweep $args --out dead >dead.out 2>dead.err &
job=$!
# Wait for rows beyond the header, then kill rank 1.
for _ in $(seq 1 600); do
  [[ -f dead/runs.csv && $(wc -l <dead/runs.csv) -gt 40 ]] && break
  kill -0 "$job" 2>/dev/null || fail "the sweep ended before rank 1 could be killed: $(cat dead.err)"
  sleep 0.05
done
rank1=""
for pid in $(pgrep -f "sweep $args --out dead" || true); do
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && rank1=$pid
done
[[ -n $rank1 ]] || fail "no process with OMPI_COMM_WORLD_RANK=1 found"
kill -KILL "$rank1"
rc=0
wait "$job" || rc=$?
[[ $rc != 0 ]] || fail "mpirun exited 0 after rank 1 was killed"
grep -q "horizon: interrupted (under mpirun: a rank died or the job was stopped" dead.err \
  || fail "rank 0 did not say it was interrupted: $(cat dead.err)"
grep -q "resume with: " dead.err || fail "no resume command in: $(cat dead.err)"
lines=$(($(wc -l <dead/runs.csv) - 1))
(( lines % 3 == 0 )) || fail "runs.csv holds $lines rows: not whole trajectories of 3 rows"
(( lines < 3 * 6 * 400 )) || fail "the sweep finished before rank 1 was killed"
"$horizon" sweep $args --resume --out dead >/dev/null 2>resume.err || fail "resume: $(cat resume.err)"
grep -q "resume: kept $((lines / 3)) of 2400 trajectories" resume.err || fail "resume did not keep the $((lines / 3)) whole trajectories: $(cat resume.err)"
same one/runs.csv dead/runs.csv "resume after rank 1 died"
echo "ok: rank 1 killed after $((lines / 3)) trajectories (mpirun exit $rc); --resume completed it byte for byte"
