#!/bin/sh
# tests/schema_check_rejects.sh SRC DST CHECK...: the schema check can fail.
# Copies SRC's manifest.json, summary.json and runs.csv to DST with one fault
# in each, runs CHECK... DST, and passes only when it exits 1 (it ran and
# found problems; 2 would mean it could not check) naming each file, row and
# field. CTest case output_schemas_rejects_corrupt.
set -u
src=$1 dst=$2
shift 2
rm -rf "$dst" && mkdir -p "$dst" || exit 1
sed 's/"schema_version": 2/"schema_version": "2"/' "$src/manifest.json" >"$dst/manifest.json" || exit 1
sed 's/"decisive": /"decisive_x": /' "$src/summary.json" >"$dst/summary.json" || exit 1
# data row 2: diverged = 2; data row 3: an empty val_loss on a run not diverged.
awk -F, -v OFS=, 'NR == 3 { $9 = 2 } NR == 4 { $6 = "" } { print }' "$src/runs.csv" >"$dst/runs.csv" || exit 1
"$@" "$dst" >"$dst/out" 2>&1
rc=$?
cat "$dst/out"
if [ "$rc" -ne 1 ]; then
  echo "schema_check_rejects: expected exit 1 on the corrupted copy, got $rc"
  exit 1
fi
for want in 'manifest.json: at \$\.schema_version: ' \
            "summary.json: at \\$: 'decisive' is a required property" \
            'runs.csv: row 2 (line 3): at \$\.diverged: 2 is not one of' \
            'runs.csv: row 3 (line 4): at \$\.val_loss: None is not of type'; do
  grep -q "$want" "$dst/out" || { echo "schema_check_rejects: no message matching: $want"; exit 1; }
done
echo "schema_check_rejects: the corrupted copy is rejected, each fault named"
