"""Top eigenpairs of symmetric V x V targets, and the closed-form embeddings.

The closed-form solution of QWEM (docs/method.md#models) is ``W* = U_d Λ_d^{1/2}``:
the top-d eigenvectors and eigenvalues of M*. Methods, all float64:

* ``eigh``: LAPACK (``scipy.linalg.eigh`` restricted to the top d), the reference;
* ``eigsh``: ARPACK's implicitly restarted Lanczos (``scipy.sparse.linalg.eigsh``);
* ``krylov``: thick-restart block Lanczos (:mod:`qwem.spectral.krylov`), with
  exact sparse products when most entries of M share one value (M* of a
  corpus where most pairs were never seen), else float64 (float32 for loose
  bars) dense products;
* ``subspace``: randomized block subspace iteration with Chebyshev filtering,
  Rayleigh-Ritz and locking (:mod:`qwem.spectral.subspace`);
* ``torch``: ``torch.linalg.eigh`` on the GPU (float64, TF32 off) when present.

``auto`` picks ``torch`` when a GPU is present, else ``krylov`` (and
``eigsh`` if that does not converge in 30 restarts); every result
carries its residuals ``||M u_k - λ_k u_k||`` so the accuracy bar is checked,
not assumed. The bar is relative to |λ_1|, the largest magnitude among the
top d eigenvalues (the paper's λ_1), so an outlier outside the top d (M*'s
most negative eigenvalue, about -2 V) does not loosen it. Non-positive
eigenvalues among the top d are reported and left out of W.
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
from qwem.spectral.krylov import krylov_eigenpairs
from qwem.spectral.subspace import NoConvergence, subspace

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]
METHODS = ("auto", "eigh", "eigsh", "krylov", "subspace", "torch")


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
    method: str,
    seed: int,
    tol: float,
) -> Eigenpairs:
    """The d algebraically largest eigenpairs of a symmetric matrix.

    Args:
        M: (V, V) float64, symmetric.
        d: number of eigenpairs, 1 <= d < V.
        method: one of :data:`METHODS` (``spectral.solver``).
        seed: seeds the random start of the iterative methods (``seed``).
        tol: (``spectral.tol``) iterative methods stop when every residual is below
            ``tol * |λ_1|`` (the accuracy bar; |λ_1| the largest magnitude
            among the top d eigenvalues).
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
        method = "torch" if _cuda() else "krylov"
    start = time.perf_counter()
    if method == "eigh":
        w, U = scipy.linalg.eigh(M, subset_by_index=[V - d, V - 1])
        w, U = w[::-1], U[:, ::-1]
    elif method == "eigsh":
        w, U = _eigsh(M, d, seed=seed, tol=tol)
    elif method == "torch":
        w, U = _torch_eigh(M, d)
    else:
        solver = krylov_eigenpairs if method == "krylov" else subspace
        try:
            w, U = solver(M, d, seed=seed, tol=tol)
        except NoConvergence as exc:
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
