"""Top eigenpairs of symmetric V x V targets, and the closed-form embeddings.

The closed-form solution of QWEM (THEORY.md section 3) is ``W* = U_d Λ_d^{1/2}``:
the top-d eigenvectors and eigenvalues of M*. Methods, all float64:

* ``eigh``: LAPACK (``scipy.linalg.eigh`` restricted to the top d), the reference;
* ``eigsh``: ARPACK's implicitly restarted Lanczos (``scipy.sparse.linalg.eigsh``);
* ``subspace``: randomized block subspace iteration with Chebyshev filtering,
  Rayleigh-Ritz and locking (:func:`_subspace`);
* ``torch``: ``torch.linalg.eigh`` on the GPU (float64, TF32 off) when present.

``auto`` picks ``torch`` when a GPU is present, else ``subspace`` (and
``eigsh`` if that does not converge in 20 iterations, as on G, whose small
eigenvalues sit far below its largest); every result
carries its residuals ``||M u_k - λ_k u_k||`` so the accuracy bar is checked,
not assumed. Non-positive eigenvalues among the top d are reported and left
out of W.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from numpy.typing import NDArray

from qwem.errors import QwemConfigError, QwemInputError

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]
METHODS = ("auto", "eigh", "eigsh", "subspace", "torch")


@dataclass(frozen=True)
class Eigenpairs:
    """Top eigenpairs, eigenvalues descending.

    Attributes:
        values: (k,) float64 eigenvalues, largest first.
        vectors: (V, k) float64 orthonormal eigenvectors (columns).
        residuals: (k,) ``||M u_k - λ_k u_k||_2``.
        method: the solver that produced them; seconds: its wall time.
    """

    values: F64
    vectors: F64
    residuals: F64
    method: str
    seconds: float


def check_symmetric(M: F64, *, name: str = "matrix") -> None:
    """Refuse non-square or non-symmetric input (relative 1e-12), naming it."""
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise QwemInputError(f"{name}: expected a square matrix, got shape {M.shape}")
    scale = float(np.abs(M).max()) or 1.0
    step = max(1, M.shape[0] // 512)
    for r0 in range(0, M.shape[0], 512 * step):  # in row blocks: bounded memory
        rows = slice(r0, r0 + 512 * step)
        if np.abs(M[rows] - M[:, rows].T).max() > 1e-12 * scale:
            raise QwemInputError(
                f"{name}: not symmetric (|M - M^T| > 1e-12 max|M|); regenerate it"
            )


def residual_norms(M: F64, values: F64, vectors: F64) -> F64:
    """``||M u_k - λ_k u_k||_2`` for every column k."""
    return np.asarray(np.linalg.norm(M @ vectors - vectors * values, axis=0))


def top_eigenpairs(
    M: F64,
    d: int,
    *,
    method: str = "auto",
    seed: int = 0,
    tol: float = 1e-10,
) -> Eigenpairs:
    """The d algebraically largest eigenpairs of a symmetric matrix.

    Args:
        M: (V, V) float64, symmetric.
        d: number of eigenpairs, 1 <= d < V.
        method: one of :data:`METHODS`.
        seed: seeds the random start of ``eigsh`` and ``subspace``.
        tol: iterative methods stop when every residual is below
            ``tol * max|λ|`` (the accuracy bar).
    """
    V = M.shape[0]
    if not 1 <= d < V:
        raise QwemConfigError(f"dim must be in [1, {V - 1}] for V = {V}, got {d}")
    if method not in METHODS:
        raise QwemConfigError(
            f"spectral.solver must be one of {', '.join(METHODS)}, got {method!r}"
        )
    auto = method == "auto"
    if auto:
        method = "torch" if _cuda() else "subspace"
    start = time.perf_counter()
    if method == "eigh":
        w, U = scipy.linalg.eigh(M, subset_by_index=[V - d, V - 1])
        w, U = w[::-1], U[:, ::-1]
    elif method == "eigsh":
        w, U = _eigsh(M, d, seed=seed, tol=tol)
    elif method == "torch":
        w, U = _torch_eigh(M, d)
    else:
        try:
            w, U = _subspace(M, d, seed=seed, tol=tol)
        except _NoConvergence as exc:
            if not auto:
                raise QwemInputError(f"{exc}; use spectral.solver 'eigh'") from exc
            logger.warning("%s; falling back to eigsh", exc)
            method = "eigsh"
            w, U = _eigsh(M, d, seed=seed, tol=tol)
    seconds = time.perf_counter() - start
    U = np.ascontiguousarray(U)
    res = residual_norms(M, w, U)
    logger.info(
        "%s: top %d eigenvalues %.6g .. %.6g in %.2f s, max residual %.2e",
        method,
        d,
        w[0],
        w[-1],
        seconds,
        res.max(),
    )
    return Eigenpairs(np.asarray(w, np.float64), U, res, method, seconds)


def _eigsh(M: F64, d: int, *, seed: int, tol: float) -> tuple[F64, F64]:
    """ARPACK's Lanczos for the d largest, from a seeded start vector."""
    v0 = np.random.default_rng(seed).standard_normal(M.shape[0])
    w, U = scipy.sparse.linalg.eigsh(M, k=d, which="LA", v0=v0, tol=tol / 10)
    order = np.argsort(w)[::-1]
    return w[order], U[:, order]


class _NoConvergence(Exception):
    """The subspace iteration ran out of iterations."""


def _cuda() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return bool(torch.cuda.is_available())


def _torch_eigh(M: F64, d: int) -> tuple[F64, F64]:
    """Full float64 eigh with PyTorch (GPU when present), top d returned."""
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    w, U = torch.linalg.eigh(torch.from_numpy(M).to(device))
    w, U = w[-d:].flip(0), U[:, -d:].flip(1)
    return w.cpu().numpy(), U.cpu().numpy()


# --------------------------------------------------------------- subspace
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


def _subspace(
    M: F64, d: int, *, seed: int, tol: float, degree: int = 8, max_outer: int = 20
) -> tuple[F64, F64]:
    """Chebyshev-filtered block subspace iteration with Rayleigh-Ritz and locking.

    A random block of b = d + max(20, d / 2) columns is filtered by a degree-8
    Chebyshev polynomial that damps [lowest eigenvalue, current b-th Ritz value],
    re-orthonormalised and rotated to Ritz vectors; leading Ritz pairs whose
    residual is below tol x max|λ| are locked and no longer filtered.
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
        ok = res <= tol * scale
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
        raise _NoConvergence(
            f"subspace iteration did not converge in {max_outer} iterations "
            f"({locked} of {d} eigenpairs)"
        )
    return theta[:d], X[:, :d]
