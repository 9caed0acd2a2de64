#!/usr/bin/python3
"""Vectorised NumPy peer of horizon's finite-horizon sweep (docs/algorithm.md §2, §3, §5).

Interpreter: Debian's system Python, /usr/bin/python3 (it ships numpy 1.24).
The `python3` first on PATH may be a pyenv build without numpy; run this file
as `/usr/bin/python3 bench/numpy_sweep.py ...` (or directly, via the shebang).

An independent re-implementation, written from docs/algorithm.md rather than from the
C++ sources, used to (a) cross-check horizon's numbers (bench/check_numpy_matches.py)
and (b) time horizon against a vectorised NumPy program doing the same work
(bench/compare_numpy.py). All seeds of one T run together: every array has a
leading seed axis B and the per-run mat-vecs are batched (np.einsum / np.matmul).

Per inner step (θ: B×d, S: B×d×K, w: B×K, G: B×d×K with G[:, :, j] = ∇f_j(θ)):
    Ĝ = G (+ σ ξ)                  gradients at θ before the step (§3 noise)
    S ← S − η (H_w S + Ĝ)          H_w = Σ_j w_j A_j, formed once per round
    θ ← θ − η Ĝ w
and at the end of a round h = Sᵀ A_v (θ − c_v), then the weight update
(exponentiated: w_j ← w_j exp(−α(h_j − min h)) / Σ; projected: sort-based
Euclidean projection of w − α h onto the simplex). R = ⌊N/T⌋ rounds, then the
N − R·T leftover steps θ ← θ − η(n − R·T, n) Ĝ(θ) w at the final weights, with
no sensitivity and no weight update. val_loss = ½ (θ − c_v)ᵀ A_v (θ − c_v).

Checkpoint budgets N_i < N: the standalone run with budget N_i does ⌊N_i/T⌋
rounds, then N_i − ⌊N_i/T⌋·T leftover steps at the current weights. Those
leftover steps are the very same θ-updates (same η(t, n), same θ, same w) as
the first steps of the next round of the longer run — the sensitivity S never
feeds back into θ — so the checkpoint equals the longer run's (θ, w) right
after its step n = N_i (and after the weight update if N_i is a multiple of T).
The peer therefore reads checkpoints off the one trajectory; with --noise 0
this is exact, and with noise it holds as well because the noise is drawn
per step n (one draw of shape B×d×K per step, shared by every checkpoint).

Noise: gaussian from numpy's own Generator (PCG64, seeded by --noise-seed),
not horizon's Philox stream, so noisy runs agree with horizon only in
distribution; with --noise 0 the results must match horizon to rounding.

Example:
    /usr/bin/python3 bench/numpy_sweep.py --problem p.json --T 1,4,16,64 \\
        --N 4000 --seeds 64 --noise 0.1 --inner-lr 0.5 --outer-lr 0.5 --json out.json
"""
import argparse
import json
import math
import sys
import time

import numpy as np


# --------------------------------------------------------------------------- problem

class Problem:
    """A quadratic problem: f_j(θ) = ½(θ − c_j)ᵀ A_j (θ − c_j), j = 1..K, and f_v.

    diagonal: True when every A (domains and validation) is given as a d-vector;
    then A is K×d (and A_v a d-vector). Otherwise all A are dense K×d×d (a
    diagonal one given among dense ones is expanded, like horizon does).
    """

    def __init__(self, doc):
        if doc.get("kind") != "quadratic":
            raise ValueError("problem kind must be \"quadratic\" (got %r)" % doc.get("kind"))
        doms = doc["domains"]
        raw = [np.asarray(q["A"], dtype=np.float64) for q in doms]
        raw_v = np.asarray(doc["validation"]["A"], dtype=np.float64)
        self.K = len(doms)
        self.d = len(doms[0]["c"])
        self.names = [q.get("name", "domain%d" % j) for j, q in enumerate(doms)]
        self.diagonal = all(a.ndim == 1 for a in raw) and raw_v.ndim == 1

        def dense(a):
            return np.diag(a) if a.ndim == 1 else a

        if self.diagonal:
            self.A = np.stack(raw)                 # K×d
            self.Av = raw_v                        # d
        else:
            self.A = np.stack([dense(a) for a in raw])  # K×d×d
            self.Av = dense(raw_v)                 # d×d
        self.c = np.stack([np.asarray(q["c"], dtype=np.float64) for q in doms])  # K×d
        self.cv = np.asarray(doc["validation"]["c"], dtype=np.float64)
        self.theta0 = np.asarray(doc.get("theta0", np.zeros(self.d)), dtype=np.float64)
        self.w0 = np.asarray(doc.get("w0", np.full(self.K, 1.0 / self.K)), dtype=np.float64)
        # A_j c_j, so that G = A_j θ − A_j c_j costs one batched mat-vec.
        if self.diagonal:
            self.Ac = self.A * self.c                                  # K×d
        else:
            self.Ac = np.einsum("jik,jk->ji", self.A, self.c)          # K×d
            # all K gradients in one GEMM: θ (B×d) @ A_stackᵀ (d×Kd) → B×K×d
            self.A_stack_T = np.ascontiguousarray(self.A.reshape(self.K * self.d, self.d).T)

    @staticmethod
    def load(path):
        with open(path) as f:
            return Problem(json.load(f))

    # G[b, i, j] = ∇f_j(θ_b)_i
    def gradients(self, theta):
        if self.diagonal:
            G = theta[:, None, :] * self.A[None] - self.Ac[None]         # B×K×d
            return G.transpose(0, 2, 1)
        G = (theta @ self.A_stack_T).reshape(-1, self.K, self.d) - self.Ac[None]
        return G.transpose(0, 2, 1)                                       # B×d×K (view)

    # H_w for every seed: B×d×d (dense) or B×d (diagonal)
    def hessian(self, w):
        if self.diagonal:
            return w @ self.A
        return np.einsum("bj,jik->bik", w, self.A)

    def hessian_times(self, H, S):
        if self.diagonal:
            return H[:, :, None] * S
        return np.matmul(H, S)

    def val_gradient(self, theta):
        r = theta - self.cv
        return r * self.Av if self.diagonal else r @ self.Av.T

    def val_loss(self, theta):
        r = theta - self.cv
        Ar = r * self.Av if self.diagonal else r @ self.Av.T
        return 0.5 * np.einsum("bi,bi->b", r, Ar)


# --------------------------------------------------------------------------- config

class Config:
    def __init__(self, inner_lr=0.1, outer_lr=1.0, outer_schedule="constant",
                 update="exponentiated", noise=0.0, inner_schedule="constant",
                 inner_decay=0.0, restart=True, noise_seed=0):
        if outer_schedule not in ("constant", "inv_sqrt"):
            raise ValueError("outer schedule: constant | inv_sqrt")
        if update not in ("exponentiated", "projected"):
            raise ValueError("update: exponentiated | projected")
        if inner_schedule not in ("constant", "inverse_time"):
            raise ValueError("inner schedule: constant | inverse_time")
        self.inner_lr = float(inner_lr)
        self.outer_lr = float(outer_lr)
        self.outer_schedule = outer_schedule
        self.update = update
        self.noise = float(noise)
        self.inner_schedule = inner_schedule
        self.inner_decay = float(inner_decay)
        self.restart = bool(restart)
        self.noise_seed = int(noise_seed)

    def eta(self, t, n):
        if self.inner_schedule == "constant":
            return self.inner_lr
        return self.inner_lr / (1.0 + self.inner_decay * (t if self.restart else n))

    def alpha(self, k):
        if self.outer_schedule == "constant":
            return self.outer_lr
        return self.outer_lr / math.sqrt(k + 1)

    def as_dict(self):
        return dict(inner_lr=self.inner_lr, outer_lr=self.outer_lr,
                    outer_schedule=self.outer_schedule, update=self.update,
                    noise=self.noise, inner_schedule=self.inner_schedule,
                    inner_decay=self.inner_decay, restart=self.restart,
                    noise_seed=self.noise_seed)


# --------------------------------------------------------------------------- simplex

def exponentiated_update(w, h, alpha):
    w = w * np.exp(-alpha * (h - h.min(axis=1, keepdims=True)))
    return w / w.sum(axis=1, keepdims=True)


def project_to_simplex(v):
    """Row-wise Euclidean projection onto the simplex (sort-based, Duchi et al.)."""
    K = v.shape[1]
    u = -np.sort(-v, axis=1)                       # descending
    css = np.cumsum(u, axis=1) - 1.0
    r = np.arange(1, K + 1, dtype=np.float64)
    cond = u - css / r > 0
    rho = K - 1 - np.argmax(cond[:, ::-1], axis=1)  # last index where cond holds
    tau = css[np.arange(v.shape[0]), rho] / (rho + 1.0)
    return np.maximum(v - tau[:, None], 0.0)


def projected_update(w, h, alpha):
    return project_to_simplex(w - alpha * h)


# --------------------------------------------------------------------------- runs

def run_T(p, cfg, T, N, seeds, checkpoints=(), rng=None):
    """All seeds of one horizon T, budget N. Returns {N_i: (theta, w)} for N and
    every checkpoint N_i ≤ N: arrays B×d and B×K."""
    T, N, B = int(T), int(N), int(seeds)
    if T < 1 or N < 1:
        raise ValueError("T and N must be >= 1")
    budgets = sorted(set(int(x) for x in checkpoints if 1 <= int(x) < N) | {N})
    want = set(budgets)
    sigma = cfg.noise
    if sigma > 0 and rng is None:
        rng = np.random.default_rng(cfg.noise_seed)
    update = exponentiated_update if cfg.update == "exponentiated" else projected_update

    theta = np.broadcast_to(p.theta0, (B, p.d)).copy()
    w = np.broadcast_to(p.w0, (B, p.K)).copy()
    out = {}

    def grads(th):
        G = p.gradients(th)
        if sigma > 0:
            G = G + sigma * rng.standard_normal((B, p.d, p.K))
        return G

    R = N // T
    n = 0
    for k in range(R):
        H = p.hessian(w)
        S = np.zeros((B, p.d, p.K))
        for t in range(T):
            eta = cfg.eta(t, n)
            G = grads(theta)
            S -= eta * (p.hessian_times(H, S) + G)
            theta = theta - eta * np.einsum("bij,bj->bi", G, w)
            n += 1
            if n in want and n % T:          # a checkpoint inside the round:
                out[n] = (theta.copy(), w.copy())  # its leftover tail ends here
        h = np.einsum("bij,bi->bj", S, p.val_gradient(theta))
        w = update(w, h, cfg.alpha(k))
        if n in want:                         # checkpoint at a round boundary
            out[n] = (theta.copy(), w.copy())
    start = R * T
    while n < N:                              # leftover budget when T ∤ N
        eta = cfg.eta(n - start, n)
        G = grads(theta)
        theta = theta - eta * np.einsum("bij,bj->bi", G, w)
        n += 1
        if n in want:
            out[n] = (theta.copy(), w.copy())
    return out


def sweep(p, cfg, Ts, N, seeds, checkpoints=()):
    """The T-list × seeds sweep at budget N (and checkpoints). Returns
    (results, wall_s, wall_s_per_T): results[T][N_i] = (theta, w)."""
    rng = np.random.default_rng(cfg.noise_seed) if cfg.noise > 0 else None
    results, per_T = {}, {}
    t_all = time.perf_counter()
    with np.errstate(all="ignore"):
        for T in Ts:
            t0 = time.perf_counter()
            results[T] = run_T(p, cfg, T, N, seeds, checkpoints, rng)
            per_T[T] = time.perf_counter() - t0
    return results, time.perf_counter() - t_all, per_T


def metrics(p, theta, w):
    """val_loss per seed, NaN (and diverged) where θ or w is not finite."""
    with np.errstate(all="ignore"):
        vl = p.val_loss(theta)
    diverged = ~(np.isfinite(theta).all(axis=1) & np.isfinite(w).all(axis=1) & np.isfinite(vl))
    vl = np.where(diverged, np.nan, vl)
    return vl, diverged


def results_to_json(p, cfg, Ts, N, seeds, results, wall, per_T):
    rows = []
    for T in Ts:
        for Ni in sorted(results[T]):
            theta, w = results[T][Ni]
            vl, div = metrics(p, theta, w)
            for s in range(int(seeds)):
                rows.append({"T": int(T), "N": int(Ni), "seed": s,
                             "rounds": int(Ni) // int(T), "steps": int(Ni),
                             "val_loss": None if div[s] else float(vl[s]),
                             "diverged": bool(div[s]),
                             "w": [float(x) for x in w[s]],
                             "theta": [float(x) for x in theta[s]]})
    steps = len(Ts) * int(seeds) * int(N)
    return {"benchmark": "numpy_sweep", "numpy": np.__version__,
            "d": p.d, "K": p.K, "diagonal": p.diagonal,
            "T": [int(T) for T in Ts], "N": int(N), "seeds": int(seeds),
            "config": cfg.as_dict(),
            "wall_s": wall, "wall_s_per_T": {str(T): v for T, v in per_T.items()},
            "run_steps_per_s": steps / wall if wall > 0 else None,
            "results": rows}


# --------------------------------------------------------------------------- CLI

def int_list(s):
    return [int(x) for x in s.split(",") if x.strip()]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problem", required=True, help="horizon problem JSON (kind quadratic)")
    ap.add_argument("--T", type=int_list, required=True, help="horizons, e.g. 1,4,16,64")
    ap.add_argument("--N", type=int, required=True, help="budget of parameter updates")
    ap.add_argument("--checkpoints", type=int_list, default=[], help="more budgets N_i < N")
    ap.add_argument("--seeds", type=int, default=1, help="runs per T (default 1)")
    ap.add_argument("--inner-lr", type=float, default=0.1)
    ap.add_argument("--outer-lr", type=float, default=1.0)
    ap.add_argument("--inner-schedule", default="constant", choices=["constant", "inverse_time"])
    ap.add_argument("--inner-decay", type=float, default=0.0)
    ap.add_argument("--no-restart", action="store_true")
    ap.add_argument("--outer-schedule", default="constant", choices=["constant", "inv_sqrt"])
    ap.add_argument("--update", default="exponentiated", choices=["exponentiated", "projected"])
    ap.add_argument("--noise", type=float, default=0.0, help="sigma of gaussian gradient noise")
    ap.add_argument("--noise-seed", type=int, default=0, help="numpy Generator seed")
    ap.add_argument("--json", metavar="FILE", help="write results as JSON ('-' = stdout)")
    a = ap.parse_args(argv)

    p = Problem.load(a.problem)
    cfg = Config(a.inner_lr, a.outer_lr, a.outer_schedule, a.update, a.noise,
                 a.inner_schedule, a.inner_decay, not a.no_restart, a.noise_seed)
    results, wall, per_T = sweep(p, cfg, a.T, a.N, a.seeds, a.checkpoints)
    doc = results_to_json(p, cfg, a.T, a.N, a.seeds, results, wall, per_T)
    if a.json:
        text = json.dumps(doc)
        if a.json == "-":
            print(text)
        else:
            with open(a.json, "w") as f:
                f.write(text + "\n")
    if a.json != "-":
        print("numpy_sweep: d=%d K=%d N=%d seeds=%d  wall %.3f s  (%.3g run-steps/s)"
              % (p.d, p.K, a.N, a.seeds, wall, doc["run_steps_per_s"]))
        for T in a.T:
            theta, w = results[T][a.N]
            vl, div = metrics(p, theta, w)
            print("  T=%-5d mean val_loss %.12g  diverged %d  mean w %s"
                  % (T, np.nanmean(vl) if (~div).any() else float("nan"), int(div.sum()),
                     np.array2string(np.nanmean(w, axis=0), precision=6)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
