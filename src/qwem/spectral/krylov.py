"""Thick-restart block Lanczos (method ``krylov``), float64.

A block Krylov space ``span{Q, M Q, M^2 Q, ...}`` is grown one block of b
columns at a time: each new block is ``M`` times the last one, orthogonalised
against the whole basis twice (classical Gram-Schmidt twice is enough,
Kahan) and re-orthonormalised. The products ``M V`` are stored next to the
basis ``V``, so the Rayleigh-Ritz matrix ``V^T M V`` and every Ritz pair's
residual ``||M x - θ x||`` are exact (no reliance on the three-term
recurrence). When the basis is full, the top ``d + extra`` Ritz vectors and
the few lowest ones (an isolated negative outlier such as M*'s converges at
once and would otherwise be rediscovered) are kept with their products, and
the expansion continues from the next Krylov block, which is orthogonal to
them: the residuals of all kept Ritz vectors lie in its span, so no
information is lost at a restart (thick restart).

Compared with ARPACK (``eigsh``) it needs more products but applies M to
32-64 columns at once (BLAS 3 instead of BLAS 2); compared with subspace
iteration it keeps the whole Krylov history between restarts.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray

from qwem.spectral.subspace import NoConvergence

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]


def _orthogonalise(W: F64, V: F64) -> tuple[F64, F64]:
    """W minus its components in span(V) (V orthonormal), done twice.

    Returns the remainder and ``V^T W`` (the sum of both passes' coefficients),
    which for ``W = M Q`` is a block column of the Rayleigh-Ritz matrix.
    """
    coef = np.zeros((V.shape[1], W.shape[1]))
    for _ in range(2):
        c = V.T @ W
        W = W - V @ c
        coef += c
    return W, coef


def _orthonormal(W: F64) -> F64 | None:
    """Cholesky QR twice (two small Gram matrices instead of Householder QR);
    None when W is too close to rank-deficient for it."""
    Q = W
    for _ in range(2):
        try:
            R = np.linalg.cholesky(Q.T @ Q).T
        except np.linalg.LinAlgError:
            return None
        if np.diag(R).min() <= 1e-6 * np.diag(R).max():
            return None
        Q = Q @ np.linalg.inv(R)  # R is b x b and well conditioned here
    return Q


def _next_block(W: F64, V: F64, rng: np.random.Generator) -> tuple[F64, F64]:
    """Orthonormal basis of W's part orthogonal to V (dependent columns refilled),
    and ``V^T W``."""
    W, coef = _orthogonalise(W, V)
    Q = _orthonormal(W)
    if Q is None:  # (nearly) dependent columns: Householder QR and refills
        Q, R = np.linalg.qr(W)
        diag = np.abs(np.diag(R))
        lost = diag <= 1e-12 * max(float(diag.max()), 1e-300)
        if lost.any():  # an invariant subspace was found: fresh directions
            Q[:, lost] = rng.standard_normal((W.shape[0], int(lost.sum())))
            Q = np.linalg.qr(_orthogonalise(Q, V)[0])[0]
    return Q, coef


class _Products:
    """Applies M in float64, or in float32 with its mean entry split off exactly.

    In single precision M is stored as ``float32(M - c)`` with c the mean
    entry, and ``M Q = (M - c) Q + c 1 (1^T Q)``, the rank-one part in float64.
    A large common offset (M* of a small corpus is -2 wherever a pair was never
    seen) would otherwise dominate every float32 dot product and its rounding
    error (~1e-3 here instead of ~1e-5).
    """

    def __init__(self, M: F64, single: bool) -> None:
        self.M = M
        self.count = 0
        self.M32: NDArray[np.float32] | None = None
        self.c = 0.0
        if single:
            self.c = float(M.mean())
            self.M32 = np.empty(M.shape, np.float32)
            for r in range(0, M.shape[0], 1024):  # row blocks: no V x V temporary
                rows = slice(r, r + 1024)
                np.subtract(M[rows], self.c, out=self.M32[rows], casting="unsafe")

    def __call__(self, Q: F64) -> F64:
        self.count += Q.shape[1]
        if self.M32 is None:
            return self.M @ Q
        Y = (self.M32 @ Q.astype(np.float32)).astype(np.float64)
        Y += self.c * Q.sum(axis=0)
        return Y


def krylov_eigenpairs(M: F64, d: int, *, seed: int, tol: float) -> tuple[F64, F64]:
    """Top-d eigenpairs: block Lanczos on float32 products, checked in float64.

    The Krylov basis is built with M in single precision (half the memory
    traffic of each product); the final Ritz vectors are then rotated by an
    exact float64 Rayleigh-Ritz step and every residual ``||M x - θ x||`` is
    recomputed in float64. If any is above ``tol * max|λ|`` (single
    precision was not enough for this matrix), the whole solve is redone with
    float64 products; bars below 1e-9 go to float64 directly.
    """
    if tol < 1e-9:
        theta, X, _ = block_lanczos(M, d, seed=seed, tol=tol, single=False)
        return theta[:d], X[:, :d]
    theta, X, scale = block_lanczos(M, d, seed=seed, tol=0.9 * tol, single=True)
    AX = M @ X
    w, S = np.linalg.eigh(X.T @ AX)
    order = np.argsort(w)[::-1][:d]
    w, X, AX = w[order], X @ S[:, order], AX @ S[:, order]
    res = np.linalg.norm(AX - X * w, axis=0)
    if res.max() <= tol * scale:
        return w, X
    logger.warning(
        "single-precision products reached residual %.2e > %.2e; "
        "solving again in float64",
        res.max(),
        tol * scale,
    )
    theta, X, _ = block_lanczos(M, d, seed=seed, tol=tol, single=False)
    return theta[:d], X[:, :d]


def block_lanczos(
    M: F64,
    d: int,
    *,
    seed: int,
    tol: float,
    single: bool = False,
    block: int = 32,
    basis: int | None = None,
    extra: int | None = None,
    keep_low: int = 4,
    max_restarts: int = 30,
) -> tuple[F64, F64, float]:
    """The d largest eigenpairs of symmetric M, by thick-restart block Lanczos.

    Args:
        M: (V, V) float64, symmetric.
        d: number of eigenpairs.
        seed: seeds the random start block.
        tol: stop when every residual is below ``tol * max|θ|`` (θ: the Ritz
            values, the largest of which converges first to max|λ|).
        single: products in float32 (the rest stays float64); the iteration
            also stops when a restart no longer halves the largest residual
            (the single-precision floor), for the caller to check in float64.
        block: columns per Krylov block (32 is memory-bound-optimal here).
        basis: largest basis size; default max(1024, 3 (d + extra)), capped by V.
        extra: Ritz vectors kept beyond d at a restart; default max(32, 2d / 3)
            (on the demo corpus's M*, d = 200: 2,368 products against 2,496
            with d / 3 and 2,720 with a basis of 896).
        keep_low: lowest Ritz vectors also kept at a restart.
        max_restarts: raise :class:`NoConvergence` after this many restarts.
    Returns:
        The kept Ritz values (the top d first, descending) and vectors, and
        max|θ| (the scale of the accuracy bar).
    """
    n = M.shape[0]
    rng = np.random.default_rng(seed)
    extra = max(32, 2 * d // 3) if extra is None else extra
    keep = d + extra
    size = min(basis or max(1024, 3 * (keep + keep_low)), n)
    block = min(block, (size - keep - keep_low) // 2)
    if block < 1:  # too small for restarts to pay: one dense solve
        w, U = np.linalg.eigh(M)
        return w[::-1].copy(), U[:, ::-1].copy(), float(np.abs(w).max())
    product = _Products(M, single)
    V, AV, H = np.empty((n, size)), np.empty((n, size)), np.zeros((size, size))
    Q = np.linalg.qr(rng.standard_normal((n, block)))[0]
    k, previous = 0, np.inf
    for restart in range(max_restarts + 1):
        while k + block <= size:
            V[:, k : k + block] = Q
            AV[:, k : k + block] = product(Q)
            k += block
            Q, coef = _next_block(AV[:, k - block : k], V[:, :k], rng)
            H[:k, k - block : k] = coef  # V^T M V, one block column at a time
            H[k - block : k, :k] = coef.T
        theta, S = np.linalg.eigh((H[:k, :k] + H[:k, :k].T) / 2)
        pick = np.r_[np.arange(k - 1, k - 1 - keep, -1), np.arange(keep_low)]
        theta, S = theta[pick], S[:, pick]
        X, AX = V[:, :k] @ S, AV[:, :k] @ S
        res = np.linalg.norm(AX[:, :d] - X[:, :d] * theta[:d], axis=0)
        scale = float(np.abs(theta).max())
        done = int((res <= tol * scale).sum())
        logger.debug(
            "restart %d: %d products, %d of %d converged, max residual %.2e",
            restart,
            product.count,
            done,
            d,
            res.max(),
        )
        stalled = single and res.max() > 0.5 * previous
        previous = res.max()
        if done == d or stalled:
            logger.info(
                "block Lanczos (%s products): %d products, %d restarts",
                "float32" if single else "float64",
                product.count,
                restart,
            )
            return theta, X, scale
        k = X.shape[1]
        V[:, :k], AV[:, :k] = X, AX
        H[:k, :k] = X.T @ AX  # ~diag(theta); exact for the stored products
        Q = _next_block(Q, V[:, :k], rng)[0]
    raise NoConvergence(
        f"block Lanczos did not converge in {max_restarts} restarts "
        f"({done} of {d} eigenpairs)"
    )
