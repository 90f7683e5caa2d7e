"""Thick-restart block Lanczos (method ``krylov``), float64.

A block Krylov space ``span{Q, M Q, M^2 Q, ...}`` is grown one block of b
columns at a time: each new block is ``M`` times the last one, orthogonalised
against the two blocks it is coupled to and then once against the whole
basis (again only if that pass cancels much of it: "twice is enough") and
re-orthonormalised. The products ``M V`` are stored next to the
basis ``V``, so the Rayleigh-Ritz matrix ``V^T M V`` and every Ritz pair's
residual ``||M x - θ x||`` are exact (no reliance on the three-term
recurrence). When the basis is full, the top ``d + extra`` Ritz vectors and
the few lowest ones (an isolated negative outlier such as M*'s converges at
once and would otherwise be rediscovered) are kept with their products, and
the expansion continues from the next Krylov block, which is orthogonal to
them: the residuals of all kept Ritz vectors lie in its span, so no
information is lost at a restart (thick restart).

Compared with ARPACK (``eigsh``) it needs more products but applies M to
32 columns at once (BLAS 3, or one pass over a sparse M, instead of one
column at a time); compared with subspace iteration it keeps the whole Krylov
history between restarts. How M is applied (sparse, float32 or float64) is
:mod:`qwem.spectral.products`'s choice.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray

from qwem.spectral.products import Operator, operator_for
from qwem.spectral.subspace import NoConvergence

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]

#: Smallest accuracy bar (relative to |λ_1|) that float32 products can meet.
SINGLE_MIN_TOL = 1e-6


def _orthogonalise(W: F64, V: F64, local: int) -> tuple[F64, F64]:
    """W minus its components in span(V) (V orthonormal), and ``V^T W``.

    Block Lanczos couples a new block ``M Q_j`` only to the last two blocks
    (and, right after a restart, to the kept Ritz vectors), so those columns
    ``V[:, local:]`` are removed first; one pass against the whole basis then
    removes what rounding left, repeated only if it cancels a large part of
    the vector (the Daniel-Gragg-Kaufman-Stewart criterion; "twice is
    enough"). For ``W = M Q`` the coefficients are a block column of the
    Rayleigh-Ritz matrix.
    """
    coef = np.zeros((V.shape[1], W.shape[1]))
    near = V[:, local:]
    c = near.T @ W
    W = W - near @ c
    coef[local:] = c
    before = np.linalg.norm(W, axis=0)
    for _ in range(2):
        c = V.T @ W
        W = W - V @ c
        coef += c
        after = np.linalg.norm(W, axis=0)
        if np.all(after >= 0.7 * before):
            break
        before = after
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


def _next_block(
    W: F64, V: F64, rng: np.random.Generator, local: int = 0
) -> tuple[F64, F64]:
    """Orthonormal basis of W's part orthogonal to V (dependent columns refilled),
    and ``V^T W``."""
    W, coef = _orthogonalise(W, V, local)
    Q = _orthonormal(W)
    if Q is None:  # (nearly) dependent columns: Householder QR and refills
        Q, R = np.linalg.qr(W)
        diag = np.abs(np.diag(R))
        lost = diag <= 1e-12 * max(float(diag.max()), 1e-300)
        if lost.any():  # an invariant subspace was found: fresh directions
            Q[:, lost] = rng.standard_normal((W.shape[0], int(lost.sum())))
            Q = np.linalg.qr(_orthogonalise(Q, V, 0)[0])[0]
    return Q, coef


def krylov_eigenpairs(M: F64, d: int, *, seed: int, tol: float) -> tuple[F64, F64]:
    """Top-d eigenpairs to ``tol * |λ_1|`` (λ_1 the largest of them in magnitude).

    Products are exact (float64; sparse when M is mostly one value, see
    :mod:`qwem.spectral.products`) unless the bar is :data:`SINGLE_MIN_TOL`
    or looser and M is dense: then they are float32 (rounding about
    1e-7 |λ_1|, which tighter bars would miss), the final Ritz vectors are
    rotated by an exact float64 Rayleigh-Ritz step, every residual
    ``||M x - θ x||`` is recomputed in float64, and if any misses the bar the
    solve is redone with float64 products.
    """
    op = operator_for(M, exact=tol < SINGLE_MIN_TOL)
    theta, X = block_lanczos(M, d, seed=seed, tol=tol if op.exact else 0.9 * tol, op=op)
    if op.exact:
        return theta[:d], X[:, :d]
    AX = M @ X
    w, S = np.linalg.eigh(X.T @ AX)
    order = np.argsort(w)[::-1][:d]
    w, X, AX = w[order], X @ S[:, order], AX @ S[:, order]
    res = np.linalg.norm(AX - X * w, axis=0)
    bar = tol * max(abs(w[0]), abs(w[-1]))
    if res.max() <= bar:
        return w, X
    logger.warning(
        "single-precision products reached residual %.2e > %.2e; "
        "solving again in float64",
        res.max(),
        bar,
    )
    theta, X = block_lanczos(M, d, seed=seed, tol=tol, op=Operator(M, "float64"))
    return theta[:d], X[:, :d]


def block_lanczos(
    M: F64,
    d: int,
    *,
    seed: int,
    tol: float,
    op: Operator | None = None,
    block: int = 32,
    basis: int | None = None,
    extra: int | None = None,
    keep_low: int = 4,
    max_restarts: int = 30,
) -> tuple[F64, F64]:
    """The d largest eigenpairs of symmetric M, by thick-restart block Lanczos.

    Args:
        M: (V, V) float64, symmetric.
        d: number of eigenpairs.
        seed: seeds the random start block.
        tol: stop when every residual is below ``tol * |λ_1|``, |λ_1| the
            largest magnitude among the top-d Ritz values.
        op: applies M (default: exact float64 products). With inexact
            (float32) products the iteration also stops when a restart no
            longer halves the largest residual (the single-precision floor).
        block: columns per Krylov block (32 is memory-bound-optimal here).
        basis: largest basis size; default max(1024, 3 (d + extra)), capped by V.
        extra: Ritz vectors kept beyond d at a restart; default max(32, 2d / 3).
        keep_low: lowest Ritz vectors also kept at a restart.
        max_restarts: raise :class:`NoConvergence` after this many restarts.
    Returns:
        The kept Ritz values (the top d first, descending) and vectors.
    """
    n = M.shape[0]
    rng = np.random.default_rng(seed)
    op = Operator(M, "float64") if op is None else op
    extra = max(32, 2 * d // 3) if extra is None else extra
    keep = d + extra
    size = min(basis or max(1024, 3 * (keep + keep_low)), n)
    block = min(block, (size - keep - keep_low) // 2)
    if block < 1:  # too small for restarts to pay: one dense solve
        w, U = np.linalg.eigh(M)
        return w[::-1].copy(), U[:, ::-1].copy()
    V, AV, H = np.empty((n, size)), np.empty((n, size)), np.zeros((size, size))
    k = first = 0
    Q = np.linalg.qr(rng.standard_normal((n, block)))[0]
    previous = np.inf
    for restart in range(max_restarts + 1):
        while k + block <= size:
            V[:, k : k + block] = Q
            AV[:, k : k + block] = op(Q)
            k += block
            # M Q_j meets the previous block, itself and, for the first block
            # after a restart, every kept Ritz vector
            local = 0 if k - block == first else k - 2 * block
            Q, coef = _next_block(AV[:, k - block : k], V[:, :k], rng, local)
            H[:k, k - block : k] = coef  # V^T M V, one block column at a time
            H[k - block : k, :k] = coef.T
        theta, S = np.linalg.eigh((H[:k, :k] + H[:k, :k].T) / 2)
        pick = np.r_[np.arange(k - 1, k - 1 - keep, -1), np.arange(keep_low)]
        theta, S = theta[pick], S[:, pick]
        X, AX = V[:, :k] @ S, AV[:, :k] @ S
        res = np.linalg.norm(AX[:, :d] - X[:, :d] * theta[:d], axis=0)
        scale = max(abs(theta[0]), abs(theta[d - 1]))
        done = int((res <= tol * scale).sum())
        logger.debug(
            "restart %d: %d products, %d of %d converged, max residual %.2e",
            restart,
            op.count,
            done,
            d,
            res.max(),
        )
        stalled = not op.exact and res.max() > 0.5 * previous
        previous = res.max()
        if done == d or stalled:
            logger.info(
                "block Lanczos (%s products): %d products, %d restarts, "
                "max residual %.2e |λ_1|",
                op.kind,
                op.count,
                restart,
                res.max() / scale,
            )
            return theta, X
        k = first = X.shape[1]
        V[:, :k], AV[:, :k] = X, AX
        H[:k, :k] = X.T @ AX  # ~diag(theta); exact for the stored products
        Q = _next_block(Q, V[:, :k], rng)[0]
    raise NoConvergence(
        f"block Lanczos did not converge in {max_restarts} restarts "
        f"({done} of {d} eigenpairs)"
    )
