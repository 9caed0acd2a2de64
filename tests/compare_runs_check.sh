#!/bin/sh
# tests/compare_runs_check.sh HORIZON PYTHON DIR: scripts/compare_runs.py
# (gpu-check's cli step) passes what agrees and fails what does not. One
# noisy sweep on 1 and on 2 threads (the same bits) must agree (exit 0); a
# copy with one number scaled by 1 + 1e-6, one with a different step
# count, and one missing a row must not (exit 1); a missing file is exit 2.
# CTest case compare_runs_script.
set -u
hz=$1 py=$2 dir=$3
compare="$(dirname "$0")/../scripts/compare_runs.py"
rm -rf "$dir" && mkdir -p "$dir" || exit 1
"$hz" generate --d 5 --K 3 --aligned 2 --problem-seed 7 --out "$dir/p.json" || exit 1
for t in 1 2; do
  "$hz" sweep --problem "$dir/p.json" --T 1,4,16 --N 50,200 --seeds 4 --noise 0.1 --inner-lr 0.5 --outer-lr 0.5 \
    --backend cpu --threads $t --out "$dir/t$t" >/dev/null 2>&1 || { echo "compare_runs_check: sweep failed"; exit 1; }
done
expect() {  # expect RC DESCRIPTION ARGS...: compare_runs.py ARGS... must exit RC
  want=$1 what=$2
  shift 2
  "$py" "$compare" "$@"
  rc=$?
  [ "$rc" -eq "$want" ] || { echo "compare_runs_check: $what: expected exit $want, got $rc"; exit 1; }
}
expect 0 "identical sweeps" "$dir/t1/runs.csv" "$dir/t2/runs.csv"
# data row 1, val_loss (column 6) times 1 + 1e-6; row 2, steps (column 5) + 1; the last row dropped.
awk -F, -v OFS=, 'NR == 2 { $6 = sprintf("%.17g", $6 * (1 + 1e-6)) } { print }' "$dir/t2/runs.csv" >"$dir/moved.csv"
awk -F, -v OFS=, 'NR == 3 { $5 = $5 + 1 } { print }' "$dir/t2/runs.csv" >"$dir/steps.csv"
sed '$d' "$dir/t2/runs.csv" >"$dir/short.csv"
expect 1 "a number moved by 1e-6" "$dir/t1/runs.csv" "$dir/moved.csv"
expect 0 "a number moved by 1e-6, --rtol 1e-5" "$dir/t1/runs.csv" "$dir/moved.csv" --rtol 1e-5
expect 1 "another step count" "$dir/t1/runs.csv" "$dir/steps.csv"
expect 1 "a row missing" "$dir/t1/runs.csv" "$dir/short.csv"
expect 2 "a missing file" "$dir/t1/runs.csv" "$dir/none.csv"
echo "compare_runs_check: agreement passes, each difference fails"
