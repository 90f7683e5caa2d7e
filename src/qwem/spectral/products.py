"""How the Krylov solver applies a symmetric matrix M to a block of vectors.

Three representations, chosen by :func:`operator_for`:

* ``sparse``: ``M = c 1 1^T + S`` with S sparse. M* of a corpus where most
  pairs were never seen is -2 wherever ``P_ij = 0`` (84 % of the entries of
  the demo corpus's M* at V = 5,000, 94 % at V = 10,000), so its products are
  exact float64 sparse products (compiled, rows in parallel) plus a rank-one
  term, at a fraction of the dense cost. The leading block (pairs of the most
  frequent words, nearly all seen) is kept dense and applied with BLAS;
* ``float32``: ``float32(M - c)`` with c the mean entry, the rank-one part in
  float64 (half the memory traffic of a float64 product; rounding error
  about 1e-8 ||M||, checked afterwards by the caller);
* ``float64``: plain ``M @ Q``.
"""

from __future__ import annotations

import logging

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]

#: Largest fraction of entries differing from the common value for ``sparse``:
#: beyond it dense float64 products are as fast (the sparse product costs
#: about ten times more per stored entry than a dense one, measured here).
SPARSE_MAX_DENSITY = 0.12
#: Cost of a dense entry relative to a stored sparse entry, for the corner.
DENSE_ENTRY_COST = 0.1


@njit(parallel=True, cache=True)
def _row_counts(
    M: F64, c: float, corner: int, counts: NDArray[np.int64]
) -> None:  # pragma: no cover - compiled
    """Entries of each row that differ from c, outside the leading corner x corner
    block (stored dense)."""
    n = M.shape[0]
    for i in prange(n):
        k = 0
        for j in range(corner if i < corner else 0, n):
            if M[i, j] != c:
                k += 1
        counts[i] = k


@njit(parallel=True, cache=True)
def _profile(
    M: F64, c: float, sizes: NDArray[np.int64], out: NDArray[np.int64]
) -> None:  # pragma: no cover - compiled
    """out[s] = entries differing from c in the leading sizes[s] x sizes[s]
    block (sizes ascending, the last one n), in one pass over M."""
    n, m = M.shape[0], sizes.size
    per_row = np.zeros((n, m), np.int64)
    for i in prange(n):
        s = 0
        while sizes[s] <= i:
            s += 1
        for j in range(n):
            if M[i, j] != c:
                t = s  # smallest block holding (i, j)
                while sizes[t] <= j:
                    t += 1
                per_row[i, t] += 1
    for t in range(m):
        out[t] = per_row[:, t].sum()
    for t in range(1, m):
        out[t] += out[t - 1]


@njit(parallel=True, cache=True)
def _fill_csr(
    M: F64,
    c: float,
    corner: int,
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    data: F64,
) -> None:  # pragma: no cover - compiled
    n = M.shape[0]
    for i in prange(n):
        p = indptr[i]
        for j in range(corner if i < corner else 0, n):
            v = M[i, j]
            if v != c:
                indices[p] = j
                data[p] = v - c
                p += 1


@njit(parallel=True, cache=True)
def _csr_times(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    data: F64,
    Q: F64,
    out: F64,
) -> None:  # pragma: no cover - compiled
    """out = S Q for CSR S and C-ordered Q; each row summed in a fixed order
    (the same bits whatever the thread count)."""
    n, b = Q.shape
    for i in prange(n):
        for col in range(b):
            out[i, col] = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            v = data[p]
            for col in range(b):
                out[i, col] += v * Q[j, col]


def profile(M: F64, *, sample: int = 4096, seed: int = 0) -> tuple[float, int, int]:
    """The value c shared by most entries of M (from a seeded sample), how many
    entries differ from it (exact), and the size F of the leading block to
    store dense in a ``sparse`` operator. ``(0.0, M.size, 0)`` when no value
    covers half of the sample.

    Vocabularies are sorted by frequency, so M*'s top-left block (pairs of
    frequent words) is nearly full while the rest is sparse; F minimises
    ``F^2 DENSE_ENTRY_COST + (differing entries outside the block)`` over 32
    sizes.
    """
    n = M.shape[0]
    rng = np.random.default_rng(seed)
    picks = M[rng.integers(0, n, sample), rng.integers(0, n, sample)]
    values, counts = np.unique(picks, return_counts=True)
    top = int(np.argmax(counts))
    if counts[top] < sample // 2:
        return 0.0, int(M.size), 0
    c = float(values[top])
    sizes = np.unique(np.linspace(0, n, 33).astype(np.int64)[1:])
    inside = np.empty(sizes.size, np.int64)
    _profile(M, c, sizes, inside)
    differing = int(inside[-1])
    cost = sizes.astype(float) ** 2 * DENSE_ENTRY_COST + (differing - inside)
    best = int(np.argmin(cost[:-1])) if sizes.size > 1 else 0
    corner = int(sizes[best]) if sizes.size > 1 and cost[best] < differing else 0
    return c, differing, corner


class Operator:
    """``Q -> M Q`` in one of the representations above; counts the columns.

    Attributes:
        kind: ``sparse``, ``float32`` or ``float64``.
        exact: whether products are float64-accurate (no check needed).
        count: columns multiplied so far.
    """

    def __init__(
        self, M: F64, kind: str, *, common: float | None = None, corner: int = 0
    ) -> None:
        self.M, self.kind, self.count = M, kind, 0
        self.exact = kind != "float32"
        self.c = 0.0
        self.M32: NDArray[np.float32] | None = None
        self.corner = 0
        if kind == "sparse":
            if common is None:
                raise ValueError("a sparse operator needs the common value")
            self.c, self.corner = common, corner
            self.block = M[:corner, :corner] - common  # dense, float64
            counts = np.empty(M.shape[0], np.int64)
            _row_counts(M, self.c, corner, counts)
            self.indptr = np.zeros(M.shape[0] + 1, np.int64)
            np.cumsum(counts, out=self.indptr[1:])
            self.indices = np.empty(int(self.indptr[-1]), np.int32)
            self.data = np.empty(int(self.indptr[-1]))
            _fill_csr(M, self.c, corner, self.indptr, self.indices, self.data)
        elif kind == "float32":
            self.c = float(M.mean())
            self.M32 = np.empty(M.shape, np.float32)
            for r in range(0, M.shape[0], 1024):  # row blocks: no V x V temporary
                rows = slice(r, r + 1024)
                np.subtract(M[rows], self.c, out=self.M32[rows], casting="unsafe")
        elif kind != "float64":
            raise ValueError(f"unknown operator kind {kind!r}")

    def __call__(self, Q: F64) -> F64:
        self.count += Q.shape[1]
        if self.kind == "float64":
            return self.M @ Q
        if self.kind == "sparse":
            Q = np.ascontiguousarray(Q)
            Y = np.empty((Q.shape[0], Q.shape[1]))
            _csr_times(self.indptr, self.indices, self.data, Q, Y)
            if self.corner:
                Y[: self.corner] += self.block @ Q[: self.corner]
        else:
            assert self.M32 is not None
            Y = (self.M32 @ Q.astype(np.float32)).astype(np.float64)
        Y += self.c * Q.sum(axis=0)
        return Y


def operator_for(M: F64, *, exact: bool) -> Operator:
    """The fastest representation of M: ``sparse`` when at most
    :data:`SPARSE_MAX_DENSITY` of its entries differ from a common value, else
    ``float32`` (or ``float64`` when ``exact``)."""
    c, differing, corner = profile(M)
    density = differing / M.size
    if density <= SPARSE_MAX_DENSITY:
        logger.info(
            "products: %.1f %% of the entries differ from %g: sparse float64 "
            "(leading %d x %d block dense)",
            100 * density,
            c,
            corner,
            corner,
        )
        return Operator(M, "sparse", common=c, corner=corner)
    return Operator(M, "float64" if exact else "float32")
