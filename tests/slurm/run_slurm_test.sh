#!/usr/bin/env bash
# tests/slurm/run_slurm_test.sh — scripts/slurm-sweep against a real Slurm.
#
# Usage: run_slurm_test.sh HORIZON REPO WORKDIR
#
# Starts munged, slurmctld and slurmd (Debian's slurm-wlm and munge) on
# localhost as the current user, every file in WORKDIR (a key, sockets,
# state, logs; ports picked free), runs scripts/slurm-sweep with 3 shards
# and --wait, and compares the merged runs.csv byte for byte with the
# one-process sweep; checks the shards' progress lines in their .out files.
# The daemons are stopped on exit, however it exits. When a daemon cannot
# start, the test FAILS with the reason and the daemon's log; it never
# passes without running the jobs.
set -euo pipefail
horizon=$1 repo=$2 work=$3
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
for tool in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
  command -v "$tool" >/dev/null || fail "$tool not found: install slurm-wlm and munge (scripts/bootstrap does)"
done
[[ $(id -u) == 0 ]] || fail "this test starts slurmd, which needs root (CI runs as root)"
rm -rf "$work"
mkdir -p "$work"/{munge,state,spool,logs,run}
chmod 700 "$work/munge"
work=$(cd "$work" && pwd -P)

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ctld_port=$(free_port) slurmd_port=$(free_port)
[[ $ctld_port != "$slurmd_port" ]] || slurmd_port=$(free_port)

# munge: its own key and socket.
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.sock" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/logs/munged.log" --seed-file="$work/munge/munge.seed" \
  || fail "munged did not start: $(tail -n 5 "$work/logs/munged.log" 2>/dev/null)"
pids+=("$(cat "$work/munge/munged.pid")")

cpus=$(nproc)
cat >"$work/slurm.conf" <<CONF
ClusterName=horizontest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=$(id -un)
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/logs/slurmctld.log
SlurmdLogFile=$work/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF=$work/slurm.conf

slurmctld -D -i -f "$SLURM_CONF" >"$work/logs/slurmctld.stdout" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$work/logs/slurmd.stdout" 2>&1 &
pids+=($!)
ready=0
for _ in $(seq 1 150); do
  kill -0 "${pids[1]}" 2>/dev/null || fail "slurmctld exited: $(tail -n 8 "$work/logs/slurmctld.log" "$work/logs/slurmctld.stdout" 2>/dev/null)"
  kill -0 "${pids[2]}" 2>/dev/null || fail "slurmd exited: $(tail -n 8 "$work/logs/slurmd.log" "$work/logs/slurmd.stdout" 2>/dev/null)"
  state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
  [[ $state == idle* ]] && { ready=1; break; }
  sleep 0.2
done
((ready)) || fail "the node did not become idle in 30 s (state '${state:-none}'): $(tail -n 8 "$work/logs/slurmctld.log" "$work/logs/slurmd.log" 2>/dev/null)"

args=(--preset demo --T 1,2,4,8,16 --N 100,1000,30000 --seeds 40 --noise 0.1 --backend cpu --progress-every 0.000001)
"$horizon" sweep "${args[@]}" --threads 1 --out "$work/one" >/dev/null 2>"$work/one.err" || fail "one-process sweep: $(cat "$work/one.err")"
"$repo/scripts/slurm-sweep" --shards 3 --cpus-per-task 1 --wait --horizon "$horizon" --out "$work/sweep" -- "${args[@]}" \
  >"$work/submit.out" 2>&1 \
  || fail "slurm-sweep failed: $(cat "$work/submit.out"); merge log: $(cat "$work/sweep/slurm/merge.out" 2>/dev/null); shard logs: $(tail -n 3 "$work"/sweep/slurm/shard-*.out 2>/dev/null); $(squeue 2>&1)"
cmp -s "$work/one/runs.csv" "$work/sweep/merged/runs.csv" \
  || fail "merged runs.csv differs from the one-process sweep: $(cmp "$work/one/runs.csv" "$work/sweep/merged/runs.csv" 2>&1)"
[[ -f $work/sweep/merged/summary.json ]] || fail "the merge job did not analyze: $(cat "$work/sweep/slurm/merge.out")"
for i in 0 1 2; do
  log=$work/sweep/slurm/shard-$i.out
  grep -q "horizon: progress: shard $i/3: " "$log" || fail "no progress line in $log: $(cat "$log")"
  grep -q "trajectories on CPU reference, 1 thread" "$log" || fail "shard $i did not take 1 thread from --cpus-per-task: $(cat "$log")"
done
grep -q '"command": "merge"' "$work/sweep/merged/manifest.json" || fail "merged manifest lacks command merge"
echo "ok: 3-shard Slurm array + merge job equals the one-process sweep byte for byte"
