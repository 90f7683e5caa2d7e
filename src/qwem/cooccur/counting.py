"""Counting the pairs of a token shard, and merging the counts of shards.

Counts are exact integers (:mod:`qwem.cooccur.pairs`), so any sharding of the
corpus by documents merges to bit-identical totals. Two accumulation paths,
chosen from a memory estimate: ``dense`` (a packed uint32 lower triangle, one
4-byte write per pair, see :mod:`qwem.cooccur.kernels`) and ``sparse``
(sort-and-reduce of pair keys, memory proportional to the pairs of a chunk
and the distinct pairs seen) for vocabularies whose triangle does not fit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qwem.cooccur import kernels
from qwem.cooccur.pairs import (
    PairCounts,
    Triple,
    distance_weights,
    pair_totals,
    tri_size,
)
from qwem.errors import QwemConfigError, QwemInputError
from qwem.runtime import progress

logger = logging.getLogger(__name__)

METHODS = ("auto", "dense", "sparse")


def memory_needed_mb(
    vocab_size: int, context_length: int, tokens: int, method: str
) -> float:
    """Peak accumulator memory of :func:`count`, MiB (arrays only)."""
    if method == "dense":  # uint32 triangle + spill list (<= pairs / 255 records)
        return (4 * tri_size(vocab_size) + 8 * tokens * context_length / 255) / 2**20
    chunk = min(tokens, 4_000_000)
    distinct = min(tri_size(vocab_size), tokens * context_length)
    # keys of a chunk (+ sort copy) and the reduced pairs (key, weighted, count) x2
    return (16 * chunk * context_length + 48 * distinct) / 2**20


def choose_method(
    vocab_size: int, context_length: int, tokens: int, *, max_memory_mb: float
) -> str:
    """``dense`` if its triangle fits ``max_memory_mb``, else ``sparse``, else stop."""
    for method in ("dense", "sparse"):
        if (
            memory_needed_mb(vocab_size, context_length, tokens, method)
            <= max_memory_mb
        ):
            return method
    need = memory_needed_mb(vocab_size, context_length, tokens, "sparse")
    raise QwemConfigError(
        f"counting V = {vocab_size:,} words with L = {context_length} over "
        f"{tokens:,} tokens needs about {need:,.0f} MiB (sparse) or "
        f"{memory_needed_mb(vocab_size, context_length, tokens, 'dense'):,.0f} MiB "
        f"(dense), over cooccur.max_memory_mb = {max_memory_mb:,.0f}; raise "
        "cooccur.max_memory_mb, lower vocab_size or context_length, or use more "
        "and smaller corpus shards"
    )


def _check_shard(
    tokens: NDArray[Any], offsets: NDArray[np.int64], vocab_size: int
) -> None:
    if offsets.ndim != 1 or offsets.size < 1 or offsets[0] != 0:
        raise QwemInputError("document offsets must start at 0; regenerate the shard")
    if offsets[-1] != tokens.size or np.any(np.diff(offsets) < 0):
        raise QwemInputError(
            f"document offsets end at {int(offsets[-1])} but the shard has "
            f"{tokens.size} tokens (or decrease); regenerate the shard"
        )
    if tokens.size and int(tokens.max()) >= vocab_size:
        raise QwemInputError(
            f"token id {int(tokens.max())} >= vocab_size {vocab_size}: the shard "
            f"holds ids a vocabulary of {vocab_size:,} words does not have (made "
            "with another vocabulary, or damaged); rerun qwem vocab tokenize"
        )


def count(
    tokens: NDArray[Any],
    offsets: NDArray[np.int64],
    *,
    vocab_size: int,
    context_length: int,
    weighting: str,
    max_memory_mb: float,
    method: str,
    chunk_tokens: int | None = None,
) -> PairCounts:
    """Count the pairs of one token shard exactly.

    Args:
        tokens: (T,) uint16/uint32 ids < vocab_size.
        offsets: (D + 1,) int64 document boundaries.
        method: ``auto`` (from the memory estimate), ``dense`` or ``sparse``.
        chunk_tokens: centre positions per chunk (default: the overflow bound
            for dense, 4 M for sparse); results do not depend on it.
    """
    w = distance_weights(context_length, weighting)
    offsets = np.asarray(offsets, dtype=np.int64)
    _check_shard(tokens, offsets, vocab_size)
    if method not in METHODS:
        raise QwemConfigError(
            f"cooccur.method must be one of {METHODS}, got {method!r}"
        )
    if method == "auto":
        method = choose_method(
            vocab_size, context_length, tokens.size, max_memory_mb=max_memory_mb
        )
    logger.info(
        "counting %d tokens, %d documents: V=%d L=%d %s, %s path",
        tokens.size,
        offsets.size - 1,
        vocab_size,
        context_length,
        weighting,
        method,
    )
    run = _count_dense if method == "dense" else _count_sparse
    keys, weighted, unweighted, unigram = run(
        tokens, offsets, vocab_size, w, chunk_tokens
    )
    result = PairCounts(
        vocab_size,
        context_length,
        weighting,
        keys,
        weighted,
        unweighted,
        unigram,
        int(offsets.size - 1),
    )
    pairs, weight_sum = pair_totals(offsets, context_length, weighting)
    if (result.pairs, int(weighted.sum())) != (pairs, weight_sum):
        raise AssertionError(  # an overflow or a kernel bug, never user input
            f"pair totals {result.pairs}, {int(weighted.sum())} "
            f"!= {pairs}, {weight_sum}"
        )
    return result


def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(n, a + size)) for a in range(0, max(n, 1), size)]


def _count_dense(tokens, offsets, vocab_size, w, chunk_tokens):
    """Packed uint32 triangle plus a spill list (see :mod:`qwem.cooccur.kernels`)."""
    L = w.size - 1
    packed = ((w.astype(np.uint32) << np.uint32(8)) | np.uint32(1)).astype(np.uint32)
    packed[0] = 0
    acc = np.zeros(tri_size(vocab_size), dtype=np.uint32)
    # a cell spills once per 255 of its pairs: at most pairs / 255 records
    spill = np.empty(tokens.size * L // 255 + 1, dtype=np.uint64)
    nspill = 0
    unigram = np.zeros(vocab_size, np.int64)
    size = chunk_tokens or max(tokens.size, 1)
    chunks = _chunks(tokens.size, size)
    for t0, t1 in progress(chunks, desc="count pairs", unit="chunk"):
        nspill = kernels.count_packed(
            tokens, offsets, t0, t1, L, packed, acc, spill, nspill, unigram
        )
    keys, weighted, unweighted = kernels.unpack_cells(acc)
    del acc
    kernels.add_spills(keys, weighted, unweighted, np.sort(spill[:nspill]))
    return keys, weighted, unweighted, unigram


def _count_sparse(tokens, offsets, vocab_size, w, chunk_tokens):
    """Sort-and-reduce of composite keys ``key (L + 1) + k`` chunk by chunk."""
    L = w.size - 1
    stride = np.uint64(L + 1)
    found: list[tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int64]]] = []
    for t0, t1 in progress(
        _chunks(tokens.size, chunk_tokens or 4_000_000),
        desc="count pairs",
        unit="chunk",
    ):
        buf = np.empty((t1 - t0) * L, dtype=np.uint64)
        n = kernels.pair_keys(tokens, offsets, t0, t1, L, buf)
        comp = np.sort(buf[:n])
        starts = _run_starts(comp)
        occurrences = np.diff(np.append(starts, comp.size)).astype(np.int64)
        comp = comp[starts]
        keys = comp // stride
        weights = w[(comp % stride).astype(np.int64)] * occurrences
        found.append(_reduce_sorted(keys, weights, occurrences))
    unigram = np.bincount(tokens, minlength=vocab_size).astype(np.int64)
    if not found:
        return (
            np.zeros(0, np.uint64),
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            unigram,
        )
    merged = reduce_pairs(*(np.concatenate(p) for p in zip(*found, strict=True)))
    return (*merged, unigram)


def _run_starts(sorted_keys: NDArray[Any]) -> NDArray[np.int64]:
    """Indices where a new value starts in a sorted array."""
    if sorted_keys.size == 0:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))


def _reduce_sorted(
    keys: NDArray[np.uint64], weighted: NDArray[np.int64], unweighted: NDArray[np.int64]
) -> Triple:
    starts = _run_starts(keys)
    if starts.size == 0:
        return keys, weighted, unweighted
    return (
        keys[starts],
        np.add.reduceat(weighted, starts),
        np.add.reduceat(unweighted, starts),
    )


def reduce_pairs(
    keys: NDArray[np.uint64], weighted: NDArray[np.int64], unweighted: NDArray[np.int64]
) -> tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int64]]:
    """Sum entries with equal keys; return them sorted by key."""
    order = np.argsort(keys, kind="stable")
    return _reduce_sorted(keys[order], weighted[order], unweighted[order])


def merge(parts: Sequence[PairCounts]) -> PairCounts:
    """Sum the counts of several shards (a reduction: order does not matter).

    Shards' keys are sorted, so pairs of shards are merged in one linear walk,
    in rounds (a tree), using memory proportional to the distinct pairs only.
    """
    if not parts:
        raise QwemInputError("no co-occurrence shards to merge")
    first = parts[0]
    for p in parts[1:]:
        if (p.vocab_size, p.context_length, p.weighting) != (
            first.vocab_size,
            first.context_length,
            first.weighting,
        ):
            raise QwemInputError(
                "shards were counted with different vocab_size, context_length or "
                "weighting; rerun the counting of every shard"
            )
    level: list[Triple] = [(p.keys, p.weighted, p.unweighted) for p in parts]
    while len(level) > 1:
        pairs = zip(level[0::2], level[1::2], strict=False)
        merged = [kernels.merge_sorted(*a, *b) for a, b in pairs]
        level = merged + ([level[-1]] if len(level) % 2 else [])
    return PairCounts(
        first.vocab_size,
        first.context_length,
        first.weighting,
        *level[0],
        unigram=np.sum([p.unigram for p in parts], axis=0).astype(np.int64),
        documents=sum(p.documents for p in parts),
    )
