"""The pair model of the counts: distance weights, canonical keys, totals.

For every position t of a document and every offset k = 1..L inside it, the
pair (x_t, x_{t+k}) gets weight w_k (``linear``: L + 1 - k, word2vec's; ``flat``:
1) and is added to both C[i, j] and C[j, i]; the unweighted count N is kept
too (docs/method.md#corpus-statistics). Windows never cross documents. Both
matrices are symmetric, so a pair is stored once under its canonical key
``hi (hi + 1) / 2 + lo`` (lo <= hi), and

    C = U + U^T,  N = U_N + U_N^T

where U holds the per-key sums (the diagonal is therefore counted twice, as
"added to both C[i, i] and C[i, i]" implies). :class:`PairCounts` holds U, U_N
and the unigram counts of a shard or of the corpus.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qwem.errors import QwemConfigError

Triple = tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int64]]
WEIGHTINGS = ("linear", "flat")


def distance_weights(context_length: int, weighting: str) -> NDArray[np.int64]:
    """Pair weight by distance: ``w[k]`` for k = 1..L (``w[0]`` is unused, 0)."""
    if context_length < 1:
        raise QwemConfigError(f"context_length must be >= 1, got {context_length}")
    if weighting not in WEIGHTINGS:
        raise QwemConfigError(
            f"cooccur.weighting must be one of {', '.join(WEIGHTINGS)}, "
            f"got {weighting!r}"
        )
    k = np.arange(context_length + 1, dtype=np.int64)
    w = context_length + 1 - k if weighting == "linear" else np.ones_like(k)
    w[0] = 0
    return w


def tri_size(vocab_size: int) -> int:
    """Number of canonical pairs (lo <= hi) of a vocabulary."""
    return vocab_size * (vocab_size + 1) // 2


def unpack_keys(
    keys: NDArray[np.uint64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(lo, hi) of canonical keys ``hi (hi + 1) / 2 + lo``, exactly."""
    k = keys.astype(np.int64)
    hi = ((np.sqrt(8.0 * k + 1.0) - 1.0) / 2.0).astype(np.int64)
    for _ in range(2):  # float rounding can be off by one either way
        hi -= (hi * (hi + 1)) // 2 > k
        hi += ((hi + 1) * (hi + 2)) // 2 <= k
    return k - (hi * (hi + 1)) // 2, hi


@dataclass(frozen=True)
class PairCounts:
    """Exact co-occurrence counts of one shard or of the whole corpus.

    ``keys`` are sorted canonical keys; ``weighted`` and ``unweighted`` the
    per-key sums over pair occurrences (each occurrence once); ``unigram`` the
    token counts (V,).
    """

    vocab_size: int
    context_length: int
    weighting: str
    keys: NDArray[np.uint64]
    weighted: NDArray[np.int64]
    unweighted: NDArray[np.int64]
    unigram: NDArray[np.int64]
    documents: int

    @property
    def tokens(self) -> int:
        return int(self.unigram.sum())

    @property
    def pairs(self) -> int:
        """Pair occurrences (each unordered occurrence once)."""
        return int(self.unweighted.sum())

    def fingerprint(self) -> str:
        """sha256 of the counts (changes with any count, V, L or weighting)."""
        h = hashlib.sha256(
            f"{self.vocab_size}:{self.context_length}:{self.weighting}".encode()
        )
        for arr in (self.keys, self.weighted, self.unweighted, self.unigram):
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()


def pair_totals(
    offsets: NDArray[np.int64], context_length: int, weighting: str
) -> tuple[int, int]:
    """Expected pair occurrences and weight sum from document lengths alone."""
    lengths = np.diff(np.asarray(offsets, dtype=np.int64))
    w = distance_weights(context_length, weighting)
    per_k = [
        int(np.maximum(lengths - k, 0).sum()) for k in range(1, context_length + 1)
    ]
    return sum(per_k), sum(int(w[k]) * n for k, n in enumerate(per_k, start=1))
