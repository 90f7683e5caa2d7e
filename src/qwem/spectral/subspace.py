"""Chebyshev-filtered randomized block subspace iteration (method ``subspace``)."""

from __future__ import annotations

import logging

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]


class NoConvergence(Exception):
    """An iterative method ran out of iterations."""


class _Operator:
    """x -> M x - sum_j μ_j v_j v_j^T x: M with some outlier eigenpairs removed."""

    def __init__(self, M: F64) -> None:
        self.M = M
        self.M32: NDArray[np.float32] | None = None
        self.vals = np.zeros(0)
        self.vecs = np.zeros((M.shape[0], 0))

    def __call__(self, X: NDArray[np.floating]) -> NDArray[np.floating]:
        M = self.M32 if X.dtype == np.float32 and self.M32 is not None else self.M
        Y: NDArray[np.floating] = M @ X
        if self.vals.size:
            vecs = self.vecs.astype(X.dtype)
            Y -= vecs @ (self.vals.astype(X.dtype)[:, None] * (vecs.T @ X))
        return Y

    def deflate(self, value: float, vector: F64) -> None:
        self.vals = np.append(self.vals, value)
        self.vecs = np.column_stack([self.vecs, vector])

    def orthogonal(self, X: F64) -> F64:
        """X with the deflated directions removed (they are eigenvectors of M too)."""
        for _ in range(2):
            X = X - self.vecs @ (self.vecs.T @ X)
        return X


def _lanczos(
    op: _Operator, V: int, rng: np.random.Generator, steps: int
) -> tuple[F64, F64, F64]:
    """A short Lanczos run: Ritz values (ascending), Ritz vectors, residual norms."""
    q = rng.standard_normal(V)
    q /= np.linalg.norm(q)
    Q = np.zeros((V, steps))
    alpha, beta = np.zeros(steps), np.zeros(steps)
    for j in range(steps):
        Q[:, j] = q
        z = op(q[:, None])[:, 0]
        alpha[j] = q @ z
        z -= Q[:, : j + 1] @ (Q[:, : j + 1].T @ z)  # full reorthogonalisation
        z -= Q[:, : j + 1] @ (Q[:, : j + 1].T @ z)
        beta[j] = np.linalg.norm(z)
        if beta[j] < 1e-13 * max(abs(alpha[: j + 1]).max(), 1e-300):
            steps = j + 1
            break
        q = z / beta[j]
    theta, S = scipy.linalg.eigh_tridiagonal(alpha[:steps], beta[: steps - 1])
    return theta, Q[:, :steps] @ S, beta[steps - 1] * np.abs(S[-1])


def _spectrum_bounds(
    op: _Operator, V: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Bounds [lo, hi] of op's spectrum after removing isolated negative outliers.

    An eigenvalue far below the rest (M* of a small corpus has one near -2 V x
    the unseen-pair fraction, from its many -2 entries) would widen the
    Chebyshev interval enormously; it converges in a few Lanczos steps and is
    deflated exactly instead.
    """
    for _ in range(4):
        theta, ritz, res = _lanczos(op, V, rng, steps=min(V, 20))
        # Ritz values lie inside the spectrum; widen each end by its residual
        lo, hi = theta[0] - res[0], theta[-1] + res[-1]
        isolated = theta[0] < 0 and abs(theta[0]) > 4 * max(abs(theta[1]), abs(hi))
        if not (isolated and res[0] < 1e-13 * abs(theta[0])):
            return float(lo), float(hi)
        logger.info("deflating an outlier eigenvalue %.6g", theta[0])
        op.deflate(float(theta[0]), ritz[:, 0] / np.linalg.norm(ritz[:, 0]))
    return float(lo), float(hi)


def _chebyshev(
    op: _Operator,
    X: NDArray[np.floating],
    degree: int,
    lo: float,
    cut: float,
    top: float,
) -> NDArray[np.floating]:
    """Scaled T_m((op - c) / e) X: damps [lo, cut], amplifies the spectrum above cut.

    Scaled so the polynomial is 1 at ``top`` (>= the largest eigenvalue): nothing
    can overflow, even in single precision (Zhou and Saad's scaled filter).
    """
    e, c = (cut - lo) / 2.0, (cut + lo) / 2.0
    sigma1 = e / (top - c)
    sigma = sigma1
    prev, cur = X, (op(X) - c * X) * (sigma1 / e)
    for _ in range(degree - 1):
        sigma_next = 1.0 / (2.0 / sigma1 - sigma)
        nxt = (op(cur) - c * cur) * (2.0 * sigma_next / e) - (sigma * sigma_next) * prev
        prev, cur, sigma = cur, nxt, sigma_next
    return cur


def _rayleigh_ritz(op: _Operator, X: F64) -> tuple[F64, F64, F64]:
    """Ritz values (descending), vectors and op @ vectors on span(X) (X orthonormal)."""
    Y = op(X)
    theta, S = np.linalg.eigh(X.T @ Y)
    S = S[:, ::-1]
    return theta[::-1], X @ S, Y @ S


def subspace(
    M: F64, d: int, *, seed: int, tol: float, degree: int = 8, max_outer: int = 20
) -> tuple[F64, F64]:
    """Chebyshev-filtered block subspace iteration with Rayleigh-Ritz and locking.

    A random block of b = d + max(20, d / 2) columns is filtered by a degree-8
    Chebyshev polynomial that damps [lowest eigenvalue, current b-th Ritz value],
    re-orthonormalised and rotated to Ritz vectors; leading Ritz pairs whose
    residual is below tol x |λ_1| (the largest magnitude among the top d)
    are locked and no longer filtered.
    """
    V = M.shape[0]
    rng = np.random.default_rng(seed)
    op = _Operator(M)
    lo, hi = _spectrum_bounds(op, V, rng)
    scale = max(abs(lo), abs(hi), *(abs(op.vals)))
    lo -= 0.01 * (hi - lo)  # margin: the filter must not amplify the bottom
    top = hi + 0.01 * (hi - lo)
    b = min(V, d + max(20, d // 2))
    X = np.linalg.qr(op.orthogonal(rng.standard_normal((V, b))))[0]
    theta, X, Y = _rayleigh_ritz(op, X)
    locked = 0
    for it in range(max_outer):
        res = np.linalg.norm(Y - X * theta, axis=0)
        ok = res <= tol * max(abs(theta[0]), abs(theta[d - 1]))
        locked = int(np.argmin(ok)) if not ok.all() else b
        logger.debug(
            "iteration %d: %d locked, max residual %.2e", it, locked, res.max()
        )
        if locked >= d:
            break
        # single precision for the columns whose residual is far above its
        # rounding level (the filter acts on each column independently)
        fast = res[locked:] > 1e-4 * scale
        if fast.any() and op.M32 is None:
            op.M32 = M.astype(np.float32)
        active = np.empty_like(X[:, locked:])
        cut = float(theta[-1])
        for cols, dtype in ((fast, np.float32), (~fast, np.float64)):
            if cols.any():
                block: NDArray[np.floating] = X[:, locked:][:, cols].astype(dtype)
                active[:, cols] = _chebyshev(op, block, degree, lo, cut, top)
        keep = X[:, :locked]
        active = op.orthogonal(active)
        active -= keep @ (keep.T @ active)
        active = np.linalg.qr(active)[0]
        active -= keep @ (keep.T @ active)  # twice is enough (Kahan)
        active = np.linalg.qr(active)[0]
        t_a, X_a, Y_a = _rayleigh_ritz(op, active)
        theta = np.concatenate([theta[:locked], t_a])
        X = np.column_stack([keep, X_a])
        Y = np.column_stack([Y[:, :locked], Y_a])
    else:
        raise NoConvergence(
            f"subspace iteration did not converge in {max_outer} iterations "
            f"({locked} of {d} eigenpairs)"
        )
    return theta[:d], X[:, :d]
