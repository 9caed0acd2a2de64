#!/usr/bin/env python3
"""JAX peer of horizon's CUDA trajectory benchmark (bench/cuda_bench.cu), for
timing on the same GPU.

The same sweep — diagonal and dense quadratics, d ∈ {8, 32, 64, 128, 512},
K ∈ {3, 8}, runs ∈ {1e3, 1e4, 1e5}, every run with horizon T and budget N —
written the way one would in JAX: jax.vmap over runs, jax.lax.scan over the
steps of a round (sensitivity S carried explicitly, reset every round), a
scan over rounds, a scan for the N − ⌊N/T⌋·T leftover steps, all under
jax.jit. Per step and run (docs/algorithm.md §2):

    Ĝ = [A_j (θ − c_j)]_j (+ σ ξ)     S ← S − η (H_w S + Ĝ)     θ ← θ − η Ĝ w
    h = Sᵀ A_v (θ − c_v) and the exponentiated weight update after each round.

H_w S is computed as Σ_j w_j (A_j S) (as horizon's GEMM path does), so no
per-run d×d matrix is materialised under vmap. Noise comes from jax.random
(threefry), not horizon's Philox stream: the work is the same, the draws are
not, so only timings are comparable. Problems are random SPD matrices with
eigenvalues log-uniform in [0.2, 1] (same spectrum as the CUDA benchmark's
generator, different matrices).

Output: one JSON object per configuration (run-steps/s and GFLOP/s by the
§7 model: dense 4·K·d², diagonal 7·K·d per run-step), then a table, so the
numbers sit next to horizon_bench_cuda's.

Usage:
    python3 bench/jax_peer.py [--quick] [--float] [--noise S] [--kinds diagonal,dense]
        [--d 8,32,64,128,512] [--K 3,8] [--runs 1000,10000,100000] [--T 16]
        [--flops 4e12] [--chunk-bytes 4e9]
Needs jax with a CUDA backend (pip install "jax[cuda12]"); runs on the CPU
otherwise, and says which device it used.
"""
import argparse
import json
import math
import sys
import time

import numpy as np

try:
    import jax
    import jax.numpy as jnp
except ImportError:  # pragma: no cover
    print("jax_peer.py: skipped: jax is not installed", file=sys.stderr)
    sys.exit(0)


def parse_list(s, kind):
    return [kind(float(x)) if kind is int else kind(x) for x in s.split(",") if x]


def random_spd(rng, d, mu, L, diagonal):
    eig = np.exp(rng.uniform(np.log(mu), np.log(L), size=d))
    if diagonal:
        return eig
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    q = q * np.sign(np.diag(r))
    return (q * eig) @ q.T


def make_problem(d, K, diagonal, seed=17):
    rng = np.random.default_rng(seed)
    A = np.stack([random_spd(rng, d, 0.2, 1.0, diagonal) for _ in range(K)])
    c = rng.standard_normal((K, d))
    Av = A[K - 1]
    cv = 0.75 * c[K - 1] + 0.25 * c.mean(axis=0)
    return A, c, Av, cv


def build_run(A, c, Av, cv, T, N, eta, alpha, sigma, diagonal):
    """A function (key, θ0) -> (θ, w) for one run; vmapped over both by the caller.

    θ0 is an argument (zeros for every run), not a constant: with no noise the
    key is unused, and a run that depended on nothing batched would be computed
    once by vmap (or folded to a constant by XLA) and broadcast to all runs."""
    K, d = c.shape
    R = N // T
    leftover = N - R * T

    def grads(theta):  # K×d: row j = ∇f_j(θ)
        r = theta[None, :] - c
        return A * r if diagonal else jnp.einsum("jab,jb->ja", A, r)

    def hess_times(w, S):  # S: K×d (row j = ∂θ/∂w_j); H_w S
        if diagonal:
            return (w @ A)[None, :] * S
        AS = jnp.einsum("jab,kb->jka", A, S)  # A_j S for every j
        return jnp.einsum("j,jka->ka", w, AS)

    def noisy(theta, key, n):
        G = grads(theta)
        if sigma != 0:
            G = G + sigma * jax.random.normal(jax.random.fold_in(key, n), G.shape, G.dtype)
        return G

    def inner_step(carry, n):
        theta, S, w, key = carry
        G = noisy(theta, key, n)
        S = S - eta * (hess_times(w, S) + G)
        theta = theta - eta * (w @ G)
        return (theta, S, w, key), None

    def round_(carry, k):
        theta, w, key = carry
        S = jnp.zeros((K, d), theta.dtype)
        (theta, S, w, key), _ = jax.lax.scan(inner_step, (theta, S, w, key), k * T + jnp.arange(T))
        r = theta - cv
        gv = Av * r if diagonal else Av @ r
        h = S @ gv
        w = w * jnp.exp(-alpha * (h - h.min()))
        return (theta, w / w.sum(), key), None

    def leftover_step(carry, n):
        theta, w, key = carry
        return (theta - eta * (w @ noisy(theta, key, n)), w, key), None

    def run(key, theta):
        w = jnp.full((K,), 1.0 / K, A.dtype)
        (theta, w, key), _ = jax.lax.scan(round_, (theta, w, key), jnp.arange(R))
        if leftover:
            (theta, w, key), _ = jax.lax.scan(leftover_step, (theta, w, key), R * T + jnp.arange(leftover))
        return theta, w

    return run


def bench_one(args, kind, d, K, runs, dtype):
    diagonal = kind == "diagonal"
    per_step = 7.0 * K * d if diagonal else 4.0 * K * d * d
    N = int(max(32, min(4096, args.flops / (per_step * runs))))
    A, c, Av, cv = (jnp.asarray(x, dtype) for x in make_problem(d, K, diagonal))
    run = build_run(A, c, Av, cv, args.T, N, 0.5, 0.5, args.noise, diagonal)
    # Chunk the runs so the vmapped intermediates (dense: runs·K·K·d for A_j S) fit.
    itemsize = jnp.dtype(dtype).itemsize
    per_run_bytes = itemsize * (K * K * d * (0 if diagonal else 1) + 6 * K * d + 4 * d)
    chunk = int(max(1, min(runs, args.chunk_bytes // per_run_bytes)))
    batched = jax.jit(jax.vmap(run))
    keys = jax.random.split(jax.random.PRNGKey(0), runs)
    theta0 = jnp.zeros((runs, d), dtype)  # per run, so every run is computed (build_run)

    def all_runs():
        out = None
        for first in range(0, runs, chunk):
            out = batched(keys[first:first + chunk], theta0[first:first + chunk])
        jax.block_until_ready(out)

    jax.block_until_ready(batched(keys[:chunk], theta0[:chunk]))  # compile (and warm up)
    if runs % chunk:
        jax.block_until_ready(batched(keys[: runs % chunk], theta0[: runs % chunk]))  # the last chunk's shape
    best = math.inf
    for _ in range(2):
        t0 = time.perf_counter()
        all_runs()
        best = min(best, time.perf_counter() - t0)
    rate = runs * N / best
    return {
        "benchmark": "jax_trajectory",
        "device": str(jax.devices()[0]),
        "jax_version": jax.__version__,
        "kind": kind,
        "precision": "float" if dtype == jnp.float32 else "double",
        "d": d,
        "K": K,
        "runs": runs,
        "T": args.T,
        "N": N,
        "noise": args.noise,
        "chunk": chunk,
        "wall_s": best,
        "run_steps_per_s": rate,
        "model_gflop_per_s": rate * per_step / 1e9,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="runs ∈ {1e3, 1e4}, smaller flop target")
    p.add_argument("--float", action="store_true", help="float32 instead of float64")
    p.add_argument("--noise", type=float, default=0.0)
    p.add_argument("--kinds", default="diagonal,dense")
    p.add_argument("--d", default="8,32,64,128,512")
    p.add_argument("--K", default="3,8")
    p.add_argument("--runs", default="1000,10000,100000")
    p.add_argument("--T", type=int, default=16)
    p.add_argument("--flops", type=float, default=4e12, help="model flops per configuration (sets N)")
    p.add_argument("--chunk-bytes", type=float, default=4e9, help="memory budget of one vmapped chunk")
    args = p.parse_args()
    if args.quick:
        args.runs = "1000,10000"
        args.flops = 5e11
    if not args.float:
        jax.config.update("jax_enable_x64", True)
    dtype = jnp.float32 if args.float else jnp.float64
    rows = []
    for kind in parse_list(args.kinds, str):
        for d in parse_list(args.d, int):
            for K in parse_list(args.K, int):
                for runs in parse_list(args.runs, int):
                    row = bench_one(args, kind, d, K, runs, dtype)
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    print(f"\n{'kind':9} {'d':>5} {'K':>3} {'runs':>8} {'N':>6} {'run-steps/s':>12} {'GFLOP/s':>10}")
    for r in rows:
        print(f"{r['kind']:9} {r['d']:5d} {r['K']:3d} {r['runs']:8d} {r['N']:6d} "
              f"{r['run_steps_per_s']:12.4g} {r['model_gflop_per_s']:10.4g}")
    print(f"device: {jax.devices()[0]}")


if __name__ == "__main__":
    main()
