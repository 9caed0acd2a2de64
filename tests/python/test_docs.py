"""docs/python.md's worked example runs as written."""
import os
import re
import subprocess
import sys

from conftest import ROOT


def test_worked_example_runs(tmp_path):
    text = open(os.path.join(ROOT, "docs", "python.md"), encoding="utf-8").read()
    section = text.split("## Worked example", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), MPLBACKEND="Agg"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "t_star.png").stat().st_size > 1000
    assert (tmp_path / "runs" / "mixing" / "runs.csv").exists()
    assert (tmp_path / "mixing.json").exists()
    assert "T_star_refined" in r.stdout and ("check passed" in r.stdout or "check FAILED" in r.stdout)
    print(r.stdout)
