#!/usr/bin/env bash
# tests/python/run_tests.sh — the Python package's tests, as CTest runs them:
# a venv of the system Python (Debian's numpy, pandas, pytest and matplotlib
# through --system-site-packages) kept in the build directory, `pip install`
# of the repository into it (--no-build-isolation; scikit-build-core keeps its
# build in BUILD_DIR/pip-build, so a second install recompiles only what
# changed), then pytest.
#
# Usage: tests/python/run_tests.sh BUILD_DIR HORIZON_CLI [PYTHON] [pytest args...]
set -euo pipefail
build=$1 cli=$2 python=${3:-/usr/bin/python3}
shift $(( $# < 3 ? $# : 3 ))
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
venv="$build/python-venv"
if [[ ! -x "$venv/bin/python" ]]; then
  echo "python tests: creating $venv from $python"
  "$python" -m venv --system-site-packages "$venv"
fi
# The build requirements live in the venv (not in a fresh isolated
# environment per install), so the kept build directory stays valid.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "scikit-build-core>=0.10" "nanobind>=2.0"
echo "python tests: pip install $repo"
start=$(date +%s)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation \
  --config-settings=build-dir="$build/pip-build" "$repo"
echo "python tests: installed in $(( $(date +%s) - start )) s"
cd "$build"  # not the repository: `import horizon` is the installed package
export HORIZON_CLI="$cli" MPLBACKEND=Agg
exec "$venv/bin/python" -m pytest -v -p no:cacheprovider --rootdir "$repo" -c "$repo/pyproject.toml" "$repo/tests/python" "$@"
