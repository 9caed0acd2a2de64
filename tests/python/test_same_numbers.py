"""horizon.sweep and horizon.run give the CLI's numbers bit for bit."""
import json
import os

import numpy as np
import pandas as pd
import pytest

import horizon

ALG = dict(inner_lr=0.5, outer_lr=0.5)


def quadratic_problem():
    """A mix of a dense and diagonal domains (stored dense), built from arrays."""
    rng = np.random.default_rng(5)
    d = 4
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    dense = Q @ np.diag([0.2, 0.5, 0.8, 1.0]) @ Q.T
    dense = (dense + dense.T) / 2
    return horizon.Problem.quadratic(
        domains={"web": (dense, rng.normal(size=d)), "code": (np.array([0.3, 0.6, 0.9, 1.0]), rng.normal(size=d)),
                 "books": (np.array([1.0, 0.4, 0.2, 0.7]), rng.normal(size=d))},
        validation=(dense, rng.normal(size=d)),
        w0=np.array([0.5, 0.25, 0.25]))


def logistic_problem():
    """A generated logistic problem rebuilt from pandas DataFrames (y column 0/1)."""
    g = horizon.generate("logistic", d=4, K=3, examples=40, validation_examples=50, aligned=1, problem_seed=3)
    a = g.arrays
    frames = {}
    for name, X, y in zip(g.names, a["X"], a["y"]):
        df = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
        df["y"] = ((y + 1) / 2).astype(int)  # 0/1 labels read as -1/+1
        frames[name] = df
    val = pd.DataFrame(a["X_v"], columns=[f"x{i}" for i in range(4)]).assign(y=a["y_v"])
    p = horizon.Problem.logistic(frames, val, lambda_=a["lambda"], lambda_v=a["lambda_v"])
    assert p == g and p.hash == g.hash
    return p


def read_cli_csv(path):
    import warnings

    with warnings.catch_warnings():  # pandas 3 deprecates the argument (its default round-trips)
        warnings.simplefilter("ignore")
        return pd.read_csv(path, float_precision="round_trip")


def assert_frame_is_csv(df, csv):
    """Every column of the DataFrame holds exactly the doubles of runs.csv."""
    ref = read_cli_csv(csv)
    assert list(df.columns) == list(ref.columns)
    assert len(df) == len(ref) > 0
    for col in ref.columns:
        got, want = df[col].to_numpy(), ref[col].to_numpy()
        if col == "diverged":
            want = want.astype(bool)
        if got.dtype.kind == "f":
            assert np.array_equal(got.view(np.uint64), want.astype(np.float64).view(np.uint64)), col
        else:
            assert np.array_equal(got, want.astype(got.dtype)), col


def sweep_both(cli, tmp_path, problem, grid, **alg):
    pfile = tmp_path / "problem.json"
    problem.save(pfile)
    flags = []
    for k, v in alg.items():
        flags += [f"--{k.replace('_', '-')}", v]
    cli("sweep", "--problem", pfile, "--T", grid["T"], "--N", grid["N"], "--seeds", grid["seeds"],
        "--backend", "cpu", "--out", tmp_path / "cli", *flags)
    df = horizon.sweep(problem, T=grid["T"], N=grid["N"], seeds=grid["seeds"], backend="cpu",
                       out=tmp_path / "py", progress=False, **alg)
    return df


def test_noisy_quadratic_sweep_equals_cli(cli, tmp_path):
    p = quadratic_problem()
    grid = dict(T="1..16*2", N="100,250,400", seeds=5)
    df = sweep_both(cli, tmp_path, p, grid, noise=0.1, **ALG)
    # The same file, byte for byte, and the DataFrame holds its doubles.
    assert (tmp_path / "py" / "runs.csv").read_bytes() == (tmp_path / "cli" / "runs.csv").read_bytes()
    assert_frame_is_csv(df, tmp_path / "cli" / "runs.csv")
    assert df.attrs["domains"] == ["web", "code", "books"]
    # Without out: the same numbers from a temporary directory.
    df2 = horizon.sweep(p, T=[1, 2, 4, 8, 16], N=[100, 250, 400], seeds=5, backend="cpu", noise=0.1,
                        progress=False, **ALG)
    pd.testing.assert_frame_equal(df, df2, check_exact=True)
    m_cli = json.loads((tmp_path / "cli" / "manifest.json").read_text())
    m_py = json.loads((tmp_path / "py" / "manifest.json").read_text())
    assert m_py["config"] == m_cli["config"]
    assert m_py["problem"]["hash"] == m_cli["problem"]["hash"] == p.hash


def test_minibatch_logistic_sweep_equals_cli(cli, tmp_path):
    p = logistic_problem()
    grid = dict(T="1,2,4,8", N="40,80", seeds=4)
    df = sweep_both(cli, tmp_path, p, grid, noise_kind="minibatch", batch=8, inner_lr=0.5, outer_lr=1.0)
    assert (tmp_path / "py" / "runs.csv").read_bytes() == (tmp_path / "cli" / "runs.csv").read_bytes()
    assert_frame_is_csv(df, tmp_path / "cli" / "runs.csv")
    assert df["val_acc"].notna().all()


def test_cli_resumes_and_analyzes_a_python_sweep(cli, tmp_path):
    p = quadratic_problem()
    p.save(tmp_path / "p.json")
    full = horizon.sweep(p, T="1..8*2", N=[100, 200, 300], seeds=3, noise=0.05, backend="cpu",
                         out=tmp_path / "d", progress=False, **ALG)
    # cut runs.csv back to a torn prefix: the CLI's --resume completes it to the same file
    csv = tmp_path / "d" / "runs.csv"
    text = csv.read_bytes()
    whole = text
    csv.write_bytes(text[: len(text) // 2])
    cli("sweep", "--problem", tmp_path / "p.json", "--T", "1..8*2", "--N", "100,200,300", "--seeds", 3,
        "--noise", 0.05, "--inner-lr", 0.5, "--outer-lr", 0.5, "--backend", "cpu", "--out", tmp_path / "d", "--resume")
    assert csv.read_bytes() == whole
    # and Python resumes a CLI-cut file too
    csv.write_bytes(text[: len(text) // 3])
    again = horizon.sweep(p, T="1..8*2", N=[100, 200, 300], seeds=3, noise=0.05, backend="cpu",
                          out=tmp_path / "d", resume=True, progress=False, **ALG)
    assert csv.read_bytes() == whole
    pd.testing.assert_frame_equal(full, again, check_exact=True)
    assert again.attrs["sweep"]["trajectories_resumed"] > 0
    # analyze: the CLI's summary.json and the package's agree
    cli("analyze", tmp_path / "d")
    s_cli = json.loads((tmp_path / "d" / "summary.json").read_text())
    a = horizon.analyze(tmp_path / "d")
    s_py = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert s_py == s_cli == a.summary
    b = horizon.analyze(full)  # from the DataFrame: the same numbers
    for key in ("per_N", "fits", "preferred", "decisive", "delta_aic"):
        assert b.summary[key] == s_cli[key], key


def test_run_equals_cli(cli, tmp_path):
    p = quadratic_problem()
    p.save(tmp_path / "p.json")
    out = cli("run", "--problem", tmp_path / "p.json", "--T", 4, "--N", 300, "--checkpoints", "50,100",
              "--noise", 0.2, "--seed", 9, "--inner-lr", 0.5, "--outer-lr", 0.5, "--backend", "cpu")
    want = json.loads(out.stdout)
    got = horizon.run(p, T=4, N=300, checkpoints=[50, 100], noise=0.2, seed=9, backend="cpu", **ALG)
    assert list(got["N"]) == [c["N"] for c in want["checkpoints"]] == [50, 100, 300]
    for i, c in enumerate(want["checkpoints"]):
        assert got["rounds"][i] == c["rounds"] and got["steps"][i] == c["steps"]
        for key in ("val_loss", "phi", "fw_gap"):
            assert got[key][i] == c[key], key  # JSON numbers round-trip exactly
        assert list(got["w"][i]) == c["w"] and list(got["theta"][i]) == c["theta"]
        assert not got["diverged"][i] and np.isnan(got["val_acc"][i])
    assert got["w"].shape == (3, 3) and got["theta"].shape == (3, 4)


def test_diverged_run_has_nan_metrics():
    p = quadratic_problem()
    got = horizon.run(p, T=2, N=200, inner_lr=5.0, outer_lr=0.5, backend="cpu")
    assert got["diverged"].dtype == bool and got["diverged"][0]
    assert np.isnan(got["val_loss"][0])


def test_generate_equals_cli(cli, tmp_path):
    cli("generate", "--d", 6, "--K", 2, "--aligned", 1, "--problem-seed", 11, "--diagonal", "--out", tmp_path / "q.json")
    assert horizon.Problem.load(tmp_path / "q.json") == horizon.generate(d=6, K=2, aligned=1, problem_seed=11,
                                                                         diagonal=True)
    cli("generate", "--kind", "logistic", "--d", 3, "--examples", 30, "--problem-seed", 2, "--csv",
        "--out", tmp_path / "l.json")
    loaded = horizon.Problem.load(tmp_path / "l.json")  # data in CSV files beside it
    assert loaded == horizon.generate("logistic", d=3, examples=30, problem_seed=2)


def test_presets_run_as_the_cli(cli, tmp_path):
    assert "paper-fig1" in horizon.presets()
    s = horizon.preset("demo")
    assert isinstance(s["problem"], horizon.Problem)
    s.update(seeds=2, backend="cpu", progress=False)
    df = horizon.sweep(**s, out=tmp_path / "py")
    cli("sweep", "--preset", "demo", "--seeds", 2, "--backend", "cpu", "--out", tmp_path / "cli")
    assert (tmp_path / "py" / "runs.csv").read_bytes() == (tmp_path / "cli" / "runs.csv").read_bytes()
    assert len(df) > 0
