#!/usr/bin/env bash
# tests/gpu_check_fake.sh HORIZON PYTHON DIR: scripts/gpu-check's verdicts,
# on this machine, against a stand-in GPU (CTest case gpu_check_verdicts).
# The GPU check runs only where a GPU is lent, a few minutes a session, so
# its logic is tested here, where a mistake costs nothing:
#  * nvidia-smi is a script that reports one "NVIDIA Fake" GPU;
#  * the build is DIR/build: a CMakeCache.txt that says CUDA, a
#    tests/horizon_tests that fails two tests in a full run (a kernel fault,
#    and a test after it) of which only the first fails alone, and a
#    `horizon` that is the real HORIZON with --backend auto turned into
#    --backend cpu plus the notice the CUDA backend prints (FAKE_DRIFT=1:
#    and another outer learning rate, so the rows no longer agree), and
#    whose `bench` prints one configuration.
# Checked in gpu-check.json: the tests step failed and its note names the
# fault that failed alone and the test that passed alone; the cli step
# passed (and failed with the drift, naming the difference); the bench step
# counted its configuration. Without a GPU, gpu-check says so in one line,
# exits 1 and writes no report.
set -u
hz=$1 py=$2 dir=$3
repo=$(cd "$(dirname "$0")/.." && pwd -P)
rm -rf "$dir" && mkdir -p "$dir/bin" "$dir/build/tests" || exit 1
fail() { echo "gpu_check_fake: $*"; exit 1; }

cat >"$dir/bin/nvidia-smi" <<'EOF'
#!/bin/sh
case "$*" in
  *compute_cap*) echo 9.0 ;;
  *query-gpu*) echo "NVIDIA Fake, 580.1, 1000 MiB" ;;
  *) echo "| NVIDIA-SMI 580.1   Driver Version: 580.1   CUDA Version: 13.0 |" ;;
esac
EOF
printf '#!/bin/sh\necho "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver." >&2\nexit 9\n' \
  >"$dir/bin/nvidia-smi-broken"
printf 'HORIZON_ENABLE_CUDA:BOOL=ON\nCMAKE_HOME_DIRECTORY:INTERNAL=%s\nCMAKE_CACHEFILE_DIR:INTERNAL=%s\n' \
  "$repo" "$dir/build" >"$dir/build/CMakeCache.txt"

cat >"$dir/build/tests/horizon_tests" <<'EOF'
#!/bin/sh
filter=
for a in "$@"; do case $a in --gtest_filter=*) filter=${a#--gtest_filter=} ;; esac; done
case $filter in
  Fake.Fault)
    echo "[==========] 1 test from 1 test suite ran. (1 ms total)"
    echo "[  PASSED  ] 0 tests."
    echo "[  FAILED  ] 1 test, listed below:"
    echo "[  FAILED  ] Fake.Fault"
    exit 1 ;;
  Sizes/Fake.After/d5)
    echo "[==========] 1 test from 1 test suite ran. (1 ms total)"
    echo "[  PASSED  ] 1 test."
    exit 0 ;;
esac
echo "[==========] 3 tests from 2 test suites ran. (3 ms total)"
echo "[  PASSED  ] 1 test."
echo "[  FAILED  ] 2 tests, listed below:"
echo "[  FAILED  ] Fake.Fault"
echo "[  FAILED  ] Sizes/Fake.After/d5, where GetParam() = (5)"
echo
echo " 2 FAILED TESTS"
exit 1
EOF

cat >"$dir/build/horizon" <<EOF
#!/bin/sh
real='$hz'
EOF
cat >>"$dir/build/horizon" <<'EOF'
if [ "${1:-}" = bench ]; then
  echo '{"benchmark":"cuda_trajectory","kind":"diagonal","path":"diagonal-fused","d":8,"K":3,"runs":1000,"N":4096,"T":16,"noise":0.0,"precision":"double","gpu_s":0.0035,"run_steps_per_s":1.16e9,"model_gflop_per_s":195.2,"pct_of_measured_peak":0.59,"pct_of_theoretical_peak":0.58,"cpu_run_steps_per_s":5.6e7,"speedup_vs_cpu":20.5}'
  exit 0
fi
auto=0
for a in "$@"; do [ "$a" = auto ] && auto=1; done
if [ $auto = 0 ]; then exec "$real" "$@"; fi
n=$# prev=
for a in "$@"; do  # the same arguments, "auto" now "cpu" (FAKE_DRIFT: --outer-lr 0.45)
  [ "$a" = auto ] && a=cpu
  [ "$prev" = --outer-lr ] && [ "${FAKE_DRIFT:-0}" = 1 ] && a=0.45
  set -- "$@" "$a"
  prev=$a
done
shift "$n"
echo "horizon: --backend auto: using CUDA NVIDIA Fake (sm_90, 1 SMs, 1.0 GiB), double precision" >&2
exec "$real" "$@"
EOF
chmod +x "$dir/bin/nvidia-smi" "$dir/bin/nvidia-smi-broken" "$dir/build/tests/horizon_tests" "$dir/build/horizon"

check() {  # check OUTDIR PYTHON-ASSERTIONS: each assertion over the report's steps (s[name])
  "$py" - "$1/gpu-check.json" "$2" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
s = {step["name"]: step for step in report["steps"]}
for line in sys.argv[2].strip().splitlines():
    if not eval(line, {"s": s}):
        sys.exit(f"gpu_check_fake: not so: {line.strip()}\n  steps: {json.dumps(s, indent=1)}")
EOF
}

run_check() {  # run_check OUTDIR [ENV=VALUE ...]
  local out=$1
  shift
  env "$@" NVIDIA_SMI="$dir/bin/nvidia-smi" HORIZON_BUILD_DIR="$dir/build" HORIZON_GPU_CHECK_PYTHON="$py" \
    HORIZON_GPU_CHECK_COMMIT=fake "$repo/scripts/gpu-check" "$out" >"$out.log" 2>&1
  local rc=$?
  cat "$out.log"
  [ "$rc" -eq 1 ] || fail "expected exit 1 (steps failed), got $rc"
  [ -s "$out/gpu-check.json" ] && [ -s "$out/gpu-check.md" ] || fail "no report in $out"
}

run_check "$dir/out"
check "$dir/out" '
s["setup"]["status"] == "ok"
s["tests"]["status"] == "failed"
"2 of 3 tests failed" in s["tests"]["note"]
"alone, 1 of 2 passed (a fault before them broke the process)" in s["tests"]["note"]
"1 failed again: Fake.Fault" in s["tests"]["note"]
s["cli"]["status"] == "ok"
s["cli"]["note"].startswith("256 rows agree")
s["bench"]["status"] == "ok" and s["bench"]["note"] == "1 configurations measured"
' || exit 1

run_check "$dir/out-drift" FAKE_DRIFT=1
check "$dir/out-drift" '
s["cli"]["status"] == "failed"
"largest relative difference" in s["cli"]["note"]
' || exit 1

env NVIDIA_SMI="$dir/bin/nvidia-smi-broken" "$repo/scripts/gpu-check" "$dir/out-none" >"$dir/none.log" 2>&1
rc=$?
cat "$dir/none.log"
[ "$rc" -eq 1 ] || fail "without a GPU: expected exit 1, got $rc"
[ "$(wc -l <"$dir/none.log")" -eq 1 ] || fail "without a GPU: expected one line"
grep -q "no NVIDIA GPU/driver found" "$dir/none.log" || fail "without a GPU: no 'no NVIDIA GPU/driver found'"
[ ! -e "$dir/out-none/gpu-check.json" ] || fail "without a GPU: a report was written"
echo "gpu_check_fake: the tests, cli and bench verdicts and the no-GPU exit are as expected"
