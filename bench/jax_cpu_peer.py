"""JAX peers of horizon's CPU sweeps (issue #11), as a researcher would write
them today: float64, jax.jit over jax.vmap over runs, jax.lax.scan over the
steps of a round with the sensitivity S carried explicitly, a scan over
rounds and one over the leftover steps when T ∤ N (docs/algorithm.md §2).
Constant inner and outer rates, exponentiated weight update.

- quadratic_sweep: dense or diagonal quadratics; H_w = Σ_j w_j A_j formed
  once per round (w is fixed within it); gaussian noise σ ξ from jax.random.
- logistic_minibatch_sweep: B examples per domain per step and run, with
  replacement; the S line uses the same minibatch's Hessian, as horizon does.

Noise and minibatches come from jax.random (threefry), not horizon's Philox:
the work is the same, the draws are not. Only timings are compared.
Used by bench/compare_jax.py; needs jax (see bench/README.md).
"""
import time

import numpy as np

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def _exponentiated(w, h, alpha):
    w = w * jnp.exp(-alpha * (h - h.min()))
    return w / w.sum()


def _trajectory(step, begin_round, end_round, T, N, init):
    """Rounds of T steps (begin_round → scan of step → end_round), then the
    N − ⌊N/T⌋T leftover steps (no S). init = (θ, w, key)."""
    R, leftover = N // T, N - (N // T) * T

    def round_(carry, k):
        theta, w, key = carry
        aux, S = begin_round(theta, w)
        (theta, S), _ = jax.lax.scan(lambda c, n: (step(c[0], c[1], w, aux, key, n, True), None),
                                     (theta, S), k * T + jnp.arange(T))
        return (theta, end_round(theta, S, w), key), None

    def leftover_step(carry, n):
        theta, w, key = carry
        aux, S = begin_round(theta, w)
        theta, _ = step(theta, S, w, aux, key, n, False)
        return (theta, w, key), None

    carry, _ = jax.lax.scan(round_, init, jnp.arange(R))
    if leftover:
        carry, _ = jax.lax.scan(leftover_step, carry, R * T + jnp.arange(leftover))
    return carry[0], carry[1]


def quadratic_run(A, c, Av, cv, w0, diagonal, T, N, eta, alpha, sigma):
    """(key, θ0) → (θ, w) of one run. A: K×d (diagonal) or K×d×d."""
    K, d = c.shape

    def grads(theta):  # K×d, row j = ∇f_j(θ)
        r = theta[None, :] - c
        return A * r if diagonal else jnp.einsum("jab,jb->ja", A, r)

    def begin_round(theta, w):
        H = w @ A if diagonal else jnp.einsum("j,jab->ab", w, A)
        return H, jnp.zeros((K, d), theta.dtype)

    def step(theta, S, w, H, key, n, with_s):
        G = grads(theta)
        if sigma != 0:
            G = G + sigma * jax.random.normal(jax.random.fold_in(key, n), G.shape, G.dtype)
        if with_s:  # S rows are ∂θ/∂w_j, so H S is S Hᵀ here
            S = S - eta * ((H[None, :] * S if diagonal else S @ H.T) + G)
        return theta - eta * (w @ G), S

    def end_round(theta, S, w):
        r = theta - cv
        return _exponentiated(w, S @ (Av * r if diagonal else Av @ r), alpha)

    def run(key, theta0):
        return _trajectory(step, begin_round, end_round, T, N, (theta0, w0, key))

    return run


def logistic_minibatch_run(X, y, Xv, yv, lam, lam_v, w0, batch, T, N, eta, alpha):
    """(key, θ0) → (θ, w) of one run. X: K×n×d, y: K×n (equal domain sizes)."""
    K, n, d = X.shape
    dom = jnp.arange(K)[:, None]

    def val_gradient(theta):
        m = yv * (Xv @ theta)
        return (-yv / yv.shape[0] / (1.0 + jnp.exp(m))) @ Xv + lam_v * theta

    def begin_round(theta, w):
        return None, jnp.zeros((K, d), theta.dtype)

    def step(theta, S, w, _, key, step_n, with_s):
        idx = jax.random.randint(jax.random.fold_in(key, step_n), (K, batch), 0, n)
        Xb, yb = X[dom, idx], y[dom, idx]                          # K×B×d, K×B
        s = 1.0 / (1.0 + jnp.exp(yb * jnp.einsum("kbd,d->kb", Xb, theta)))
        G = jnp.einsum("kb,kbd->kd", -yb * s / batch, Xb) + lam * theta[None, :]
        if with_s:  # H_w S = Σ_k w_k X_kᵀ D_k (X_k S) / B + λ Σw S
            XS = jnp.einsum("kbd,jd->kbj", Xb, S)
            Dw = w[:, None] * s * (1.0 - s) / batch
            HS = jnp.einsum("kb,kbj,kbd->jd", Dw, XS, Xb) + lam * w.sum() * S
            S = S - eta * (HS + G)
        return theta - eta * (w @ G), S

    def end_round(theta, S, w):
        return _exponentiated(w, S @ val_gradient(theta), alpha)

    def run(key, theta0):
        return _trajectory(step, begin_round, end_round, T, N, (theta0, w0, key))

    return run


def time_sweep(make_run, theta0, Ts, N, seeds, repeats):
    """Times all T of the sweep, `seeds` runs of each vmapped; compile (a first
    call per T) excluded. Returns (best wall s, compile s)."""
    fns = {}
    t0 = time.perf_counter()
    for T in Ts:
        fns[T] = jax.jit(jax.vmap(make_run(T)))
    keys = jax.random.split(jax.random.PRNGKey(0), seeds)
    th = jnp.broadcast_to(jnp.asarray(theta0), (seeds, len(theta0)))
    for T in Ts:
        jax.block_until_ready(fns[T](keys, th))
    compile_s = time.perf_counter() - t0
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for T in Ts:
            jax.block_until_ready(fns[T](keys, th))
        best = min(best, time.perf_counter() - t0)
    return best, compile_s


def quadratic_sweep(p, Ts, N, seeds, sigma, inner_lr, outer_lr, repeats):
    """p: bench/numpy_sweep.py's Problem."""
    arr = lambda x: jnp.asarray(np.asarray(x, dtype=np.float64))  # noqa: E731
    A, c, Av, cv, w0 = arr(p.A), arr(p.c), arr(p.Av), arr(p.cv), arr(p.w0)
    return time_sweep(lambda T: quadratic_run(A, c, Av, cv, w0, p.diagonal, T, N, inner_lr, outer_lr, sigma),
                      p.theta0, Ts, N, seeds, repeats)


def logistic_minibatch_sweep(p, Ts, N, seeds, batch, inner_lr, outer_lr, repeats):
    """p: bench/numpy_logistic.py's LogisticProblem (equal domain sizes)."""
    if len(set(int(v) for v in p.n)) != 1:
        raise ValueError("the JAX logistic peer needs equal domain sizes")
    n = int(p.n[0])
    X = jnp.asarray(p.X.reshape(p.K, n, p.d))
    y = jnp.asarray(p.y.reshape(p.K, n))
    Xv, yv, w0 = jnp.asarray(p.Xv), jnp.asarray(p.yv), jnp.asarray(p.w0)
    return time_sweep(lambda T: logistic_minibatch_run(X, y, Xv, yv, p.lam, p.lam_v, w0, batch, T, N,
                                                       inner_lr, outer_lr),
                      p.theta0, Ts, N, seeds, repeats)
