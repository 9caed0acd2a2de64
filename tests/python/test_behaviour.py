"""What Python users expect: Ctrl-C, the GIL, progress, stubs."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pandas as pd

import horizon

HERE = os.path.dirname(os.path.abspath(__file__))

# A sweep of many small batches (1 thread: 64 runs a batch), long enough to interrupt.
LONG = dict(T="1..64", N=[4000], seeds=64, noise=0.1, inner_lr=0.5, outer_lr=0.5, backend="cpu", threads=1)


def test_ctrl_c_keeps_finished_rows_and_resume_completes(tmp_path, cli):
    out = tmp_path / "sweep"
    script = textwrap.dedent(f"""
        import sys, horizon
        p = horizon.generate(d=5, K=3, aligned=2, problem_seed=7)
        p.save({str(tmp_path / 'p.json')!r})
        try:
            horizon.sweep(p, out={str(out)!r}, progress=False, **{LONG!r})
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
        print("finished", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    csv = out / "runs.csv"
    deadline = time.time() + 60
    while time.time() < deadline and not (csv.exists() and csv.read_text().count("\n") > 1):
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 3, (stdout, stderr)
    assert "interrupted" in stdout and "resume=True" in stderr
    kept = pd.read_csv(csv)
    assert 0 < len(kept) < 64 * 64, len(kept)
    p = horizon.Problem.load(tmp_path / "p.json")
    df = horizon.sweep(p, out=out, resume=True, progress=False, **LONG)
    assert df.attrs["sweep"]["trajectories_resumed"] > 0
    assert len(df) == 64 * 64
    # the resumed file is the one an uninterrupted CLI sweep writes
    cli("sweep", "--problem", tmp_path / "p.json", "--T", "1..64", "--N", 4000, "--seeds", 64, "--noise", 0.1,
        "--inner-lr", 0.5, "--outer-lr", 0.5, "--backend", "cpu", "--threads", 1, "--out", tmp_path / "cli")
    assert csv.read_bytes() == (tmp_path / "cli" / "runs.csv").read_bytes()


def test_gil_is_released_while_sweeping():
    p = horizon.generate(d=5, K=3, aligned=2, problem_seed=7)
    ticks = []
    done = threading.Event()

    def work():
        horizon.sweep(p, progress=False, **dict(LONG, T="1..16"))
        done.set()

    t = threading.Thread(target=work)
    start = time.time()
    t.start()
    while not done.is_set():
        ticks.append(time.time())
        time.sleep(0.001)
    t.join()
    # the main thread kept running while C++ computed
    assert len(ticks) > 20 and time.time() - start > 0.02, len(ticks)


def test_progress_callback_sees_every_batch(monkeypatch):
    seen = []

    class FakeBar:
        def __init__(self, total=None, **kw):
            self.total, self.n = total, 0

        def reset(self, total=None):
            self.total = total

        def refresh(self):
            seen.append((self.n, self.total))

        def close(self):
            pass

    import types
    fake = types.ModuleType("tqdm.auto")
    fake.tqdm = FakeBar
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake)
    p = horizon.generate(d=3, K=2, problem_seed=1)
    horizon.sweep(p, T="1..8", N=[200], seeds=20, noise=0.1, inner_lr=0.5, outer_lr=0.5, backend="cpu", threads=1,
                  progress=True)
    assert seen[0] == (0, 160) and seen[-1] == (160, 160)
    assert [n for n, _ in seen] == sorted(n for n, _ in seen)


def test_stubs_cover_the_extension():
    pyi = os.path.join(os.path.dirname(horizon.__file__), "_core.pyi")
    assert os.path.exists(pyi), pyi
    text = open(pyi).read()
    for name in dir(horizon._core):
        if not name.startswith("__"):
            assert name in text, name
    assert os.path.exists(os.path.join(os.path.dirname(horizon.__file__), "py.typed"))


def test_large_results_are_not_copied():
    r = horizon.run(horizon.generate(d=3, K=2), T=2, N=100, inner_lr=0.5, outer_lr=0.5, backend="cpu")
    # arrays own C++ memory through a capsule, not a copy made by numpy
    assert r["w"].base is not None and r["theta"].base is not None
