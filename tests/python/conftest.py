"""Shared fixtures of the Python package's tests.

The tests compare horizon (the package) with the `horizon` CLI built from the
same tree: HORIZON_CLI names it (CTest sets it); otherwise build/horizon or
build-cpu/horizon. Missing, the tests fail: they do not skip.
"""
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _find_cli():
    env = os.environ.get("HORIZON_CLI")
    if env:
        return env
    for build in ("build", "build-cpu"):
        path = os.path.join(ROOT, build, "horizon")
        if os.access(path, os.X_OK):
            return path
    raise RuntimeError("no horizon CLI: set HORIZON_CLI or build it (scripts/build)")


@pytest.fixture(scope="session")
def cli():
    path = _find_cli()

    def run(*args, check=True):
        r = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f"horizon {' '.join(map(str, args))} failed ({r.returncode}): {r.stderr}")
        return r

    run.path = path
    return run


def cli_error(result):
    """The one-line message of a failed CLI command, without 'horizon: error: '."""
    lines = [l for l in result.stderr.splitlines() if l.startswith("horizon: error: ")]
    assert lines, result.stderr
    return lines[-1][len("horizon: error: "):]


def read_json(path):
    with open(path) as f:
        return json.load(f)
