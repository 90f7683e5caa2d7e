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


def _orthogonalise(W: F64, V: F64) -> F64:
    """W minus its components in span(V) (V orthonormal), done twice."""
    for _ in range(2):
        W = W - V @ (V.T @ W)
    return W


def _next_block(W: F64, V: F64, rng: np.random.Generator) -> F64:
    """Orthonormal basis of W's part orthogonal to V; dependent columns refilled."""
    Q, R = np.linalg.qr(_orthogonalise(W, V))
    diag = np.abs(np.diag(R))
    lost = diag <= 1e-12 * max(float(diag.max()), 1e-300)
    if lost.any():  # an invariant subspace was found: continue with fresh directions
        Q[:, lost] = rng.standard_normal((W.shape[0], int(lost.sum())))
        Q = np.linalg.qr(_orthogonalise(Q, V))[0]
    return Q


def block_lanczos(
    M: F64,
    d: int,
    *,
    seed: int,
    tol: float,
    block: int = 32,
    basis: int | None = None,
    extra: int | None = None,
    keep_low: int = 4,
    max_restarts: int = 30,
) -> tuple[F64, F64]:
    """The d largest eigenpairs (descending) of symmetric M, by block Lanczos.

    Args:
        M: (V, V) float64, symmetric.
        d: number of eigenpairs.
        seed: seeds the random start block.
        tol: stop when every residual is below ``tol * max|θ|`` (θ: the Ritz
            values, the largest of which converges first to max|λ|).
        block: columns per Krylov block (32 is memory-bound-optimal here).
        basis: largest basis size; default max(1024, 4 (d + extra)), capped by V.
        extra: Ritz vectors kept beyond d at a restart; default max(32, d / 3).
        keep_low: lowest Ritz vectors also kept at a restart.
        max_restarts: raise :class:`NoConvergence` after this many restarts.
    """
    n = M.shape[0]
    rng = np.random.default_rng(seed)
    extra = max(32, d // 3) if extra is None else extra
    keep = d + extra
    size = min(basis or max(1024, 4 * (keep + keep_low)), n)
    block = min(block, (size - keep - keep_low) // 2)
    if block < 1:  # too small for restarts to pay: one dense solve
        w, U = np.linalg.eigh(M)
        return w[::-1][:d].copy(), U[:, ::-1][:, :d].copy()
    V, AV = np.empty((n, size)), np.empty((n, size))
    Q = np.linalg.qr(rng.standard_normal((n, block)))[0]
    k = products = 0
    for restart in range(max_restarts + 1):
        while k + block <= size:
            V[:, k : k + block] = Q
            AV[:, k : k + block] = M @ Q
            k += block
            products += block
            Q = _next_block(AV[:, k - block : k], V[:, :k], rng)
        H = V[:, :k].T @ AV[:, :k]
        theta, S = np.linalg.eigh((H + H.T) / 2)
        pick = np.r_[np.arange(k - 1, k - 1 - keep, -1), np.arange(keep_low)]
        theta, S = theta[pick], S[:, pick]
        X, AX = V[:, :k] @ S, AV[:, :k] @ S
        res = np.linalg.norm(AX[:, :d] - X[:, :d] * theta[:d], axis=0)
        bar = tol * float(np.abs(theta).max())
        logger.debug(
            "restart %d: %d products, %d of %d converged, max residual %.2e",
            restart,
            products,
            int((res <= bar).sum()),
            d,
            res.max(),
        )
        if (res <= bar).all():
            logger.info("block Lanczos: %d products, %d restarts", products, restart)
            return theta[:d], X[:, :d]
        k = X.shape[1]
        V[:, :k], AV[:, :k] = X, AX
        Q = _next_block(Q, V[:, :k], rng)
    raise NoConvergence(
        f"block Lanczos did not converge in {max_restarts} restarts "
        f"({int((res <= bar).sum())} of {d} eigenpairs)"
    )
