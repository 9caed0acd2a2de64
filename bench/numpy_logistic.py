#!/usr/bin/python3
"""Vectorised NumPy peer of horizon's finite-horizon sweep on logistic problems
(docs/algorithm.md §2, §3, §4 "logistic").

Interpreter: Debian's system Python, /usr/bin/python3 (it ships numpy 1.24).
The `python3` first on PATH may be a pyenv build without numpy; run this file
as `/usr/bin/python3 bench/numpy_logistic.py ...` (or directly, via the shebang).

An independent re-implementation written from docs/algorithm.md, used to (a) cross-check
horizon's logistic numbers (bench/check_numpy_logistic.py) and (b) time horizon
against a vectorised NumPy program doing the same work
(bench/compare_numpy_logistic.py). It reads horizon's logistic problem JSON with
inline data ({"kind": "logistic", "lambda", "domains": [{"X", "y"}...],
"validation": {"X", "y", "lambda"}, "theta0", "w0"}); CSV-backed problems are
not supported. Config, schedules and the simplex updates are shared with the
quadratic peer (bench/numpy_sweep.py).

All seeds of one T run together: θ is B×d, the sensitivity S is B×d×K, w is B×K
(B = number of seeds). The K training sets are stacked into one M×d matrix X
(M = Σ n_j) with labels y. Per inner step, for all seeds at once:

  full gradients (every example of every domain):
    Z = θ Xᵀ (one GEMM, B×M), m = y ⊙ Z, s = σ(−m)
    ĝ_j = −X_jᵀ (y s)_j / n_j + λθ        (one GEMM per domain)
    H_w S = Σ_j w_j [X_jᵀ (D_j ⊙ (X_j S)) / n_j + λ S],  D = s(1 − s)
          = Xᵀ (D_w ⊙ (X S)) + λ (Σ_j w_j) S   (two GEMMs over all seeds,
            D_w carrying each row's w_j/n_j for each seed)
  minibatch (--noise-kind minibatch --batch B'): B' indices per domain per step
    per seed, drawn with replacement by numpy's Generator; the same gather then
    feeds ĝ (mean over the minibatch) and the S line (the minibatch's Hessian),
    as batched matmuls over the seed axis.
  gaussian (--noise σ): ĝ_j + σξ, ξ from numpy's Generator.

  S ← S − η (H_w S + Ĝ);  θ ← θ − η Ĝ w
and at the end of a round h = Sᵀ ∇f_v(θ) (validation gradient: one GEMM pair
over the validation set), then the weight update. R = ⌊N/T⌋ rounds, then the
N − R·T leftover steps θ ← θ − η Ĝ(θ) w at the final weights (minibatches are
drawn for those too). val_loss = mean log(1 + exp(−y xᵀθ)) + (λ_v/2)‖θ‖².

With exact gradients the results must match horizon to rounding. With noise,
numpy's Generator (PCG64) replaces horizon's Philox stream: the same amount of
random numbers and arithmetic, the same distribution, not the same draws.
Checkpoint budgets N_i < N are read off the one trajectory (see numpy_sweep.py
for why that equals a standalone run).

Example:
    /usr/bin/python3 bench/numpy_logistic.py --problem p.json --T 1,4,16,64 \\
        --N 4000 --seeds 64 --inner-lr 0.5 --outer-lr 1 \\
        [--noise-kind minibatch --batch 32] --json out.json
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_sweep as ns  # noqa: E402  (Config, simplex updates)


# --------------------------------------------------------------------------- problem

def _dataset(doc, field):
    if "X" not in doc:
        raise ValueError("%s: only inline data (X, y) is supported by the NumPy peer" % field)
    X = np.asarray(doc["X"], dtype=np.float64)
    y = np.asarray(doc["y"], dtype=np.float64)
    y = np.where(y == 1.0, 1.0, -1.0)          # horizon reads 0 as −1
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise ValueError("%s: X must be n×d with one label per row" % field)
    return X, y


class LogisticProblem:
    def __init__(self, doc):
        if doc.get("kind") != "logistic":
            raise ValueError("problem kind must be \"logistic\" (got %r)" % doc.get("kind"))
        doms = doc["domains"]
        data = [_dataset(q, "domains[%d]" % j) for j, q in enumerate(doms)]
        self.K = len(doms)
        self.d = data[0][0].shape[1]
        self.names = [q.get("name", "domain%d" % j) for j, q in enumerate(doms)]
        self.lam = float(doc["lambda"])
        self.n = np.array([X.shape[0] for X, _ in data])
        self.off = np.concatenate([[0], np.cumsum(self.n)])     # domain j: rows off[j]:off[j+1]
        self.X = np.ascontiguousarray(np.concatenate([X for X, _ in data]))  # M×d
        self.y = np.concatenate([y for _, y in data])                         # M
        self.dom = np.repeat(np.arange(self.K), self.n)                       # domain of each row
        self.inv_n = 1.0 / self.n[self.dom]                                   # 1/n_j of each row
        self.Xv, self.yv = _dataset(doc["validation"], "validation")
        self.Xv = np.ascontiguousarray(self.Xv)
        self.lam_v = float(doc["validation"].get("lambda", 0.0))
        self.theta0 = np.asarray(doc.get("theta0", np.zeros(self.d)), dtype=np.float64)
        self.w0 = np.asarray(doc.get("w0", np.full(self.K, 1.0 / self.K)), dtype=np.float64)

    @staticmethod
    def load(path):
        with open(path) as f:
            return LogisticProblem(json.load(f))

    # ---- validation set (exact, never noisy)
    def val_gradient(self, theta):
        m = (theta @ self.Xv.T) * self.yv                       # B×n_v
        coef = -self.yv * sigmoid_neg(m) / self.yv.shape[0]
        return coef @ self.Xv + self.lam_v * theta              # B×d

    def val_loss(self, theta):
        m = (theta @ self.Xv.T) * self.yv
        return np.logaddexp(0.0, -m).mean(axis=1) + 0.5 * self.lam_v * np.einsum("bi,bi->b", theta, theta)

    def val_acc(self, theta):
        pred = np.where(theta @ self.Xv.T > 0, 1.0, -1.0)
        return (pred == self.yv).mean(axis=1)


def sigmoid_neg(m):
    """σ(−m) = 1/(1 + exp(m)); exp overflow gives 1/inf = 0, which is the limit."""
    return 1.0 / (1.0 + np.exp(m))


# --------------------------------------------------------------------------- models

class FullGradients:
    """Exact gradients over every example; Hessian of the same step's θ."""

    def __init__(self, p, sigma=0.0, rng=None):
        self.p, self.sigma, self.rng = p, sigma, rng
        self.curv = None

    def gradients(self, theta, need_hessian=True):
        p = self.p
        m = (theta @ p.X.T) * p.y                                # B×M
        s = sigmoid_neg(m)
        coef = -p.y * s * p.inv_n
        B = theta.shape[0]
        G = np.empty((B, p.d, p.K))
        lt = p.lam * theta
        for j in range(p.K):
            a, b = p.off[j], p.off[j + 1]
            G[:, :, j] = coef[:, a:b] @ p.X[a:b] + lt
        if self.sigma > 0:
            G += self.sigma * self.rng.standard_normal((B, p.d, p.K))
        if need_hessian:
            self.curv = s * (1.0 - s) * p.inv_n                  # B×M: D_i / n_j
        return G

    def hessian_times(self, S, w):
        p = self.p
        XS = np.tensordot(p.X, S, axes=([1], [1]))               # M×B×K: X S for every seed
        Dw = (self.curv * w[:, p.dom]).T                          # M×B: w_j D_i / n_j
        HS = np.tensordot(XS * Dw[:, :, None], p.X, axes=([0], [0]))  # B×K×d
        return HS.transpose(0, 2, 1) + (p.lam * w.sum(axis=1))[:, None, None] * S


class Minibatch:
    """B' examples per domain per step and seed, with replacement; the S line
    uses the Hessian of the same minibatch."""

    def __init__(self, p, batch, rng):
        self.p, self.batch, self.rng = p, int(batch), rng
        self.Xb = self.curv = None

    def gradients(self, theta, need_hessian=True):
        p, Bb = self.p, self.batch
        B = theta.shape[0]
        idx = self.rng.integers(0, p.n[None, :, None], size=(B, p.K, Bb))   # per domain
        rows = (idx + p.off[:-1][None, :, None]).reshape(B, p.K * Bb)
        Xb = p.X[rows]                                           # B×(K·B')×d
        yb = p.y[rows]
        m = (Xb @ theta[:, :, None])[:, :, 0] * yb               # B×(K·B')
        s = sigmoid_neg(m)
        coef = (-yb * s / Bb).reshape(B, p.K, 1, Bb)
        G = (coef @ Xb.reshape(B, p.K, Bb, p.d))[:, :, 0, :]     # B×K×d
        G = G.transpose(0, 2, 1) + (p.lam * theta)[:, :, None]   # B×d×K
        if need_hessian:
            self.Xb = Xb
            self.curv = s * (1.0 - s) / Bb
        return G

    def hessian_times(self, S, w):
        p = self.p
        XS = self.Xb @ S                                         # B×(K·B')×K
        Dw = self.curv * np.repeat(w, self.batch, axis=1)        # B×(K·B')
        HS = self.Xb.transpose(0, 2, 1) @ (Dw[:, :, None] * XS)  # B×d×K
        return HS + (p.lam * w.sum(axis=1))[:, None, None] * S


def make_model(p, noise_kind, sigma, batch, rng):
    if noise_kind == "minibatch":
        if batch < 1:
            raise ValueError("minibatch noise needs --batch >= 1")
        return Minibatch(p, batch, rng)
    return FullGradients(p, sigma, rng)


# --------------------------------------------------------------------------- runs

def run_T(p, cfg, T, N, seeds, model, checkpoints=()):
    """All seeds of one horizon T, budget N. Returns {N_i: (theta, w)}: B×d, B×K."""
    T, N, B = int(T), int(N), int(seeds)
    if T < 1 or N < 1:
        raise ValueError("T and N must be >= 1")
    want = set(int(x) for x in checkpoints if 1 <= int(x) < N) | {N}
    update = ns.exponentiated_update if cfg.update == "exponentiated" else ns.projected_update

    theta = np.broadcast_to(p.theta0, (B, p.d)).copy()
    w = np.broadcast_to(p.w0, (B, p.K)).copy()
    out = {}
    R = N // T
    n = 0
    for k in range(R):
        S = np.zeros((B, p.d, p.K))
        for t in range(T):
            eta = cfg.eta(t, n)
            G = model.gradients(theta)
            S -= eta * (model.hessian_times(S, w) + G)
            theta = theta - eta * (G @ w[:, :, None])[:, :, 0]
            n += 1
            if n in want and n % T:
                out[n] = (theta.copy(), w.copy())
        h = np.einsum("bij,bi->bj", S, p.val_gradient(theta))
        w = update(w, h, cfg.alpha(k))
        if n in want:
            out[n] = (theta.copy(), w.copy())
    start = R * T
    while n < N:                              # leftover budget when T ∤ N
        eta = cfg.eta(n - start, n)
        G = model.gradients(theta, need_hessian=False)
        theta = theta - eta * (G @ w[:, :, None])[:, :, 0]
        n += 1
        if n in want:
            out[n] = (theta.copy(), w.copy())
    return out


def sweep(p, cfg, Ts, N, seeds, noise_kind="gaussian", batch=0, checkpoints=()):
    """The T-list × seeds sweep. Returns (results, wall_s, wall_s_per_T):
    results[T][N_i] = (theta, w)."""
    rng = np.random.default_rng(cfg.noise_seed)
    model = make_model(p, noise_kind, cfg.noise, batch, rng)
    results, per_T = {}, {}
    t_all = time.perf_counter()
    with np.errstate(all="ignore"):
        for T in Ts:
            t0 = time.perf_counter()
            results[T] = run_T(p, cfg, T, N, seeds, model, checkpoints)
            per_T[T] = time.perf_counter() - t0
    return results, time.perf_counter() - t_all, per_T


def metrics(p, theta, w):
    with np.errstate(all="ignore"):
        vl = p.val_loss(theta)
        acc = p.val_acc(theta)
    diverged = ~(np.isfinite(theta).all(axis=1) & np.isfinite(w).all(axis=1) & np.isfinite(vl))
    return np.where(diverged, np.nan, vl), np.where(diverged, np.nan, acc), diverged


def results_to_json(p, cfg, Ts, N, seeds, noise_kind, batch, results, wall, per_T):
    rows = []
    for T in Ts:
        for Ni in sorted(results[T]):
            theta, w = results[T][Ni]
            vl, acc, div = metrics(p, theta, w)
            for s in range(int(seeds)):
                rows.append({"T": int(T), "N": int(Ni), "seed": s,
                             "rounds": int(Ni) // int(T), "steps": int(Ni),
                             "val_loss": None if div[s] else float(vl[s]),
                             "val_acc": None if div[s] else float(acc[s]),
                             "diverged": bool(div[s]),
                             "w": [float(x) for x in w[s]],
                             "theta": [float(x) for x in theta[s]]})
    steps = len(Ts) * int(seeds) * int(N)
    return {"benchmark": "numpy_logistic", "numpy": np.__version__,
            "d": p.d, "K": p.K, "examples": [int(x) for x in p.n],
            "T": [int(T) for T in Ts], "N": int(N), "seeds": int(seeds),
            "noise_kind": noise_kind, "batch": int(batch) if noise_kind == "minibatch" else 0,
            "config": cfg.as_dict(),
            "wall_s": wall, "wall_s_per_T": {str(T): v for T, v in per_T.items()},
            "run_steps_per_s": steps / wall if wall > 0 else None,
            "results": rows}


# --------------------------------------------------------------------------- CLI

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problem", required=True, help="horizon problem JSON (kind logistic, inline data)")
    ap.add_argument("--T", type=ns.int_list, required=True, help="horizons, e.g. 1,4,16,64")
    ap.add_argument("--N", type=int, required=True, help="budget of parameter updates")
    ap.add_argument("--checkpoints", type=ns.int_list, default=[], help="more budgets N_i < N")
    ap.add_argument("--seeds", type=int, default=1, help="runs per T (default 1)")
    ap.add_argument("--inner-lr", type=float, default=0.1)
    ap.add_argument("--outer-lr", type=float, default=1.0)
    ap.add_argument("--inner-schedule", default="constant", choices=["constant", "inverse_time"])
    ap.add_argument("--inner-decay", type=float, default=0.0)
    ap.add_argument("--no-restart", action="store_true")
    ap.add_argument("--outer-schedule", default="constant", choices=["constant", "inv_sqrt"])
    ap.add_argument("--update", default="exponentiated", choices=["exponentiated", "projected"])
    ap.add_argument("--noise-kind", default="gaussian", choices=["gaussian", "minibatch"])
    ap.add_argument("--noise", type=float, default=0.0, help="sigma of gaussian gradient noise")
    ap.add_argument("--batch", type=int, default=0, help="examples per domain per step (minibatch)")
    ap.add_argument("--noise-seed", type=int, default=0, help="numpy Generator seed")
    ap.add_argument("--json", metavar="FILE", help="write results as JSON ('-' = stdout)")
    a = ap.parse_args(argv)

    p = LogisticProblem.load(a.problem)
    cfg = ns.Config(a.inner_lr, a.outer_lr, a.outer_schedule, a.update, a.noise,
                    a.inner_schedule, a.inner_decay, not a.no_restart, a.noise_seed)
    results, wall, per_T = sweep(p, cfg, a.T, a.N, a.seeds, a.noise_kind, a.batch, a.checkpoints)
    doc = results_to_json(p, cfg, a.T, a.N, a.seeds, a.noise_kind, a.batch, results, wall, per_T)
    if a.json:
        text = json.dumps(doc)
        if a.json == "-":
            print(text)
        else:
            with open(a.json, "w") as f:
                f.write(text + "\n")
    if a.json != "-":
        print("numpy_logistic: d=%d K=%d N=%d seeds=%d %s  wall %.3f s  (%.3g run-steps/s)"
              % (p.d, p.K, a.N, a.seeds,
                 "minibatch B=%d" % a.batch if a.noise_kind == "minibatch" else "noise %g" % a.noise,
                 wall, doc["run_steps_per_s"]))
        for T in a.T:
            theta, w = results[T][a.N]
            vl, acc, div = metrics(p, theta, w)
            ok = (~div).any()
            print("  T=%-5d mean val_loss %.12g  val_acc %.4f  diverged %d  mean w %s"
                  % (T, np.nanmean(vl) if ok else float("nan"), np.nanmean(acc) if ok else float("nan"),
                     int(div.sum()), np.array2string(np.nanmean(w, axis=0), precision=6)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
