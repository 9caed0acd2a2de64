"""Problems round-trip through JSON; bad input raises with the CLI's messages."""
import json

import numpy as np
import pandas as pd
import pytest

import horizon
from conftest import cli_error


def small_quadratic(**kw):
    return horizon.Problem.quadratic(
        domains=[(np.eye(2), [0.0, 1.0]), (np.array([1.0, 2.0]), [1.0, 0.0])],
        validation=(np.array([1.0, 1.0]), [0.5, 0.5]), **kw)


def test_quadratic_round_trip(tmp_path):
    p = small_quadratic(theta0=[0.1, -0.2], w0=[0.3, 0.7], names=["a", "b"])
    assert (p.kind, p.d, p.K, p.names, p.diagonal) == ("quadratic", 2, 2, ["a", "b"], False)
    assert horizon.Problem.from_json(p.to_json()) == p
    assert horizon.Problem.from_json(p.to_dict()).hash == p.hash
    p.save(tmp_path / "p.json")
    q = horizon.Problem.load(tmp_path / "p.json")
    assert q == p and q.hash == p.hash
    a = q.arrays
    assert a["A"][1].shape == (2, 2) and a["A"][1][1, 1] == 2.0  # diagonal among dense: stored dense
    assert list(a["w0"]) == [0.3, 0.7] and list(a["theta0"]) == [0.1, -0.2]
    assert not a["A"][0].flags.writeable  # views of the problem's memory, not copies


def test_diagonal_problem_keeps_vectors():
    p = horizon.Problem.quadratic(domains=[(np.array([1.0, 2.0]), [0, 0])], validation=([1.0, 1.0], [0, 0]))
    assert p.diagonal and p.arrays["A"][0].shape == (2,)
    assert p.to_dict()["domains"][0]["A"] == [1.0, 2.0]


def test_logistic_round_trip(tmp_path):
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    p = horizon.Problem.logistic([(X, [1, -1, 1]), (X * 2, [0, 1, 1])], (X, [1, 1, -1]), lambda_=0.1, lambda_v=0.01)
    assert (p.kind, p.d, p.K) == ("logistic", 2, 2)
    assert list(p.arrays["y"][1]) == [-1.0, 1.0, 1.0]  # 0/1 labels read as -1/+1
    p.save(tmp_path / "l.json")
    assert horizon.Problem.load(tmp_path / "l.json") == p
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": [1, -1, 1]})
    q = horizon.Problem.logistic([df, (X * 2, [0, 1, 1])], (X, [1, 1, -1]), lambda_=0.1, lambda_v=0.01)
    assert q == p


@pytest.mark.parametrize("build, message", [
    (lambda: horizon.Problem.quadratic([(np.array([[1.0, 2.0], [0.0, 1.0]]), [0, 0])], (np.eye(2), [0, 0])),
     "problem.domains[0].A: not symmetric"),
    (lambda: horizon.Problem.quadratic([(np.array([[1.0, 0.0], [0.0, -1.0]]), [0, 0])], (np.eye(2), [0, 0])),
     "problem.domains[0].A: not positive definite"),
    (lambda: horizon.Problem.quadratic([(np.eye(2), [0, 0, 0])], (np.eye(2), [0, 0])),
     "problem.domains[0].c: has 3 entries, expected d = 2"),
    (lambda: horizon.Problem.quadratic([(np.eye(2), [0, 0]), (np.eye(3), [0, 0, 0])], (np.eye(2), [0, 0])),
     "problem.domains[1].A: dimension 3 differs from d = 2"),
    (lambda: small_quadratic(w0=[0.5, 0.6]), "problem.w0: not on the simplex"),
    (lambda: small_quadratic(theta0=[np.nan, 0]), "problem.theta0: not finite"),
    (lambda: horizon.Problem.logistic([(np.eye(2), [1, 2])], (np.eye(2), [1, 1])),
     "problem.domains[0].y[1]: label must be -1, +1 (or 0/1) (got 2)"),
    (lambda: horizon.Problem.logistic([(np.eye(2), [1, 1])], (np.eye(2), [1, 1]), lambda_=0),
     "problem.lambda: must be a finite number > 0"),
    (lambda: horizon.Problem.logistic([pd.DataFrame({"a": [1.0]})], (np.eye(2), [1, 1])),
     "problem.domains[0]: DataFrame has no label column 'y'"),
    (lambda: horizon.Problem.from_json('{"kind": "quadratic", "W0": 1}'), "problem.W0: unknown key"),
    (lambda: horizon.Problem.from_json("{"), "problem: not valid JSON"),
    (lambda: horizon.generate(d=0), "generator.d: must be >= 1 (got 0)"),
])
def test_bad_problems_raise_value_error(build, message):
    with pytest.raises(ValueError) as e:
        build()
    assert str(e.value).startswith(message), str(e.value)
    assert isinstance(e.value, horizon.InputError)


def test_load_errors_match_the_cli(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "quadratic", "domains": [{"A": [[1, 2], [0, 1]], "c": [0, 0]}],
                               "validation": {"A": [1, 1], "c": [0, 0]}}))
    r = cli("sweep", "--problem", bad, "--T", 1, "--N", 10, "--inner-lr", 1, "--outer-lr", 1, "--out", tmp_path / "o",
            check=False)
    assert r.returncode == 2
    with pytest.raises(ValueError) as e:
        horizon.Problem.load(bad)
    assert str(e.value) == cli_error(r)
    with pytest.raises(ValueError) as e:
        horizon.Problem.load(tmp_path / "missing.json")
    assert "No such file or directory" in str(e.value)


def test_bad_settings_raise(tmp_path):
    p = small_quadratic()
    with pytest.raises(ValueError, match="^inner_lr: required"):
        horizon.sweep(p, T=1, N=10)
    with pytest.raises(ValueError, match="^outer_lr: must be a finite number > 0"):
        horizon.run(p, T=1, N=10, inner_lr=0.1, outer_lr=-1)
    with pytest.raises(ValueError, match="^update: unknown value 'sideways'"):
        horizon.run(p, T=1, N=10, inner_lr=0.1, outer_lr=1, update="sideways")
    with pytest.raises(ValueError, match="^batch: applies to noise_kind='minibatch' only"):
        horizon.run(p, T=1, N=10, inner_lr=0.1, outer_lr=1, batch=4)
    with pytest.raises(ValueError, match="^--noise-kind: minibatch needs a data-backed"):  # the core's message
        horizon.run(p, T=1, N=10, inner_lr=0.1, outer_lr=1, noise_kind="minibatch", batch=4)
    with pytest.raises(TypeError, match="did you mean inner_lr"):
        horizon.run(p, T=1, N=10, inner_rl=0.1, outer_lr=1)
    with pytest.raises(ValueError, match="^T: empty element in '1,,2'"):
        horizon.sweep(p, T="1,,2", N=10, inner_lr=0.1, outer_lr=1)
    with pytest.raises(ValueError, match="^checkpoints: 20 exceeds N 10"):
        horizon.run(p, T=1, N=10, checkpoints=[20], inner_lr=0.1, outer_lr=1)
    with pytest.raises(ValueError, match="^backend: unknown value 'tpu'"):
        horizon.run(p, T=1, N=10, inner_lr=0.1, outer_lr=1, backend="tpu")
    with pytest.raises(ValueError, match="^metric"):
        horizon.analyze(horizon.sweep(p, T=[1, 2], N=[10], inner_lr=0.1, outer_lr=1, progress=False), metric="loss")
    horizon.sweep(p, T=[1, 2], N=[10], inner_lr=0.1, outer_lr=1, out=tmp_path / "d", progress=False)
    with pytest.raises(ValueError, match="already holds a sweep; pass --resume"):
        horizon.sweep(p, T=[1, 2], N=[10], inner_lr=0.1, outer_lr=1, out=tmp_path / "d", progress=False)
    with pytest.raises(ValueError, match="^--resume: "):
        horizon.sweep(p, T=[1, 2], N=[10], inner_lr=0.2, outer_lr=1, out=tmp_path / "d", resume=True, progress=False)
    with pytest.raises(ValueError, match="nothing to check"):
        horizon.check(tmp_path / "d")


def test_algorithm_defaults_are_the_clis():
    d = horizon.algorithm_defaults(inner_lr=0.5, outer_lr=0.25)
    assert d == {"inner_lr": 0.5, "outer_lr": 0.25, "inner_schedule": "constant", "inner_decay": 0.0,
                 "restart": True, "outer_schedule": "constant", "update": "exponentiated", "noise": 0.0,
                 "noise_kind": "gaussian", "batch": 0}
    assert set(d) == set(horizon.ALGORITHM_SETTINGS)
