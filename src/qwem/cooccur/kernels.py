"""Compiled (numba) inner loops of the co-occurrence counter.

What must be written per pair, and where:

* symmetry: a pair is stored once, under the canonical key of the
  lower-triangular layout ``key = hi (hi + 1) / 2 + lo`` with ``lo <= hi``;
* dtype: both counts of a pair share one uint32 cell, the distance-weighted
  count in the high 24 bits and the plain count in the low 8 bits, so each
  pair costs exactly one read-modify-write of 4 bytes::

      acc[key] += (w_k << 8) | 1

  When a cell's plain count reaches 255 it is appended to a spill list
  (sequential writes, rare: only frequent pairs) and reset, so nothing can
  overflow (255 w_max < 2^24 for any L < 65,000);
* locality: the accumulator is 200 MB at V = 10,000, so most writes miss the
  caches; the loop computes the keys of the centre ``AHEAD`` positions
  further on and prefetches their cells, which overlaps those misses.

Together this is about 3-4x the pair rate of the straightforward loop that
writes C[i, j], C[j, i], N[i, j] and N[j, i] in float64 (``make bench``).
"""

from __future__ import annotations

import logging

import llvmlite.binding
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

logger = logging.getLogger(__name__)

# LLVM >= 15 uses opaque pointers: the intrinsic is named after "p0" then.
_PREFETCH = (
    "llvm.prefetch.p0"
    if llvmlite.binding.llvm_version_info >= (15,)
    else "llvm.prefetch.p0i8"
)


@intrinsic
def _prefetch_hint(typingctx, arr, idx):
    """Hint the CPU to load ``arr[idx]`` for writing (no effect on results)."""
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]])
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _PREFETCH)
        # rw = 1 (write), locality = 3 (keep in all levels), cache = 1 (data)
        args_ = [builder.bitcast(ptr, i8p), ir.Constant(i32, 1)]
        builder.call(fn, [*args_, ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit
def _probe(arr):
    _prefetch_hint(arr, 0)


@njit
def _no_prefetch(arr, idx):
    pass


AHEAD = 12  # prefetch distance in centre positions (8-16 measured best)

try:  # the intrinsic needs LLVM's prefetch; fall back to no hint elsewhere
    _probe(np.zeros(1, np.uint32))
    _prefetch = _prefetch_hint
    PREFETCH = True
except Exception as _exc:  # numba surfaces compile failures as many types
    logger.warning("no prefetch intrinsic (%s); counting without", _exc)
    _prefetch = _no_prefetch
    PREFETCH = False


@njit(cache=True, nogil=True, inline="always")
def _keys_of_centre(tokens, t, e, window, acc, ring, slot):
    """Canonical keys of the pairs (x_t, x_u), t < u <= t + L, u < e, into ring[slot].

    Also prefetches their cells: they are used ``ahead`` centres later.
    """
    a = np.int64(tokens[t])
    n = min(e, t + window + 1) - t - 1
    for k in range(n):
        b = np.int64(tokens[t + 1 + k])
        lo = min(a, b)
        hi = max(a, b)
        key = ((hi * (hi + 1)) >> 1) + lo
        ring[slot, k] = key
        _prefetch(acc, key)
    return n


@njit(cache=True, nogil=True)
def count_packed(tokens, offsets, t0, t1, window, packed, acc, spill, nspill, unigram):
    """Add every pair whose left token lies in ``[t0, t1)`` to ``acc``.

    Args:
        tokens: (T,) uint16/uint32 token ids of one shard.
        offsets: (D + 1,) int64 document boundaries; windows stop at them.
        t0, t1: the centre positions this call covers (a chunk).
        window: L, the context length.
        packed: (L + 1,) uint32, ``packed[k] = (w_k << 8) | 1``.
        acc: (V (V + 1) / 2,) uint32 packed accumulator (lower-triangular keys).
        spill: uint64 records ``key << 32 | cell`` of cells whose count
            reached 255 (the cell is then reset), written from ``nspill`` on.
        unigram: (V,) int64 token counts, incremented for each centre.
    Returns:
        The new number of spill records.
    """
    ahead = AHEAD
    ring = np.empty((ahead + 1, max(window, 1)), np.int64)  # keys of coming centres
    count = np.zeros(ahead + 1, np.int64)
    d = np.searchsorted(offsets, t0, side="right") - 1
    while d < offsets.size - 1 and offsets[d] < t1:
        s = max(offsets[d], t0)
        e = offsets[d + 1]
        stop = min(e, t1)
        for t in range(s, min(stop, s + ahead)):
            slot = t % (ahead + 1)
            count[slot] = _keys_of_centre(tokens, t, e, window, acc, ring, slot)
        for t in range(s, stop):
            if t + ahead < stop:
                slot = (t + ahead) % (ahead + 1)
                count[slot] = _keys_of_centre(
                    tokens, t + ahead, e, window, acc, ring, slot
                )
            slot = t % (ahead + 1)
            unigram[tokens[t]] += 1
            for k in range(count[slot]):
                key = ring[slot, k]
                v = acc[key]
                if (v & np.uint32(0xFF)) == np.uint32(0xFF):  # count would overflow
                    spill[nspill] = (np.uint64(key) << np.uint64(32)) | np.uint64(v)
                    nspill += 1
                    v = np.uint32(0)
                acc[key] = v + packed[k + 1]
        d += 1
    return nspill


@njit(cache=True, nogil=True)
def unpack_cells(acc):
    """Keys and (weighted, plain) counts of the non-zero cells of ``acc``."""
    n = 0
    for i in range(acc.size):
        if acc[i] != 0:
            n += 1
    keys = np.empty(n, np.uint64)
    weighted = np.empty(n, np.int64)
    plain = np.empty(n, np.int64)
    j = 0
    for i in range(acc.size):
        v = acc[i]
        if v != 0:
            keys[j] = i
            weighted[j] = np.int64(v >> np.uint32(8))
            plain[j] = np.int64(v & np.uint32(0xFF))
            j += 1
    return keys, weighted, plain


@njit(cache=True, nogil=True)
def add_spills(keys, weighted, plain, records):
    """Add sorted spill records ``key << 32 | cell`` into the unpacked cells.

    Every spilled cell is non-zero afterwards (a pair is added right after the
    spill), so each record's key is in ``keys``; both are sorted, one merge walk.
    """
    j = 0
    for r in records:
        key = r >> np.uint64(32)
        cell = r & np.uint64(0xFFFFFFFF)
        while keys[j] != key:
            j += 1
        weighted[j] += np.int64(cell >> np.uint64(8))
        plain[j] += np.int64(cell & np.uint64(0xFF))


@njit(cache=True, nogil=True)
def merge_sorted(k1, w1, n1, k2, w2, n2):
    """Union of two sorted key lists, summing the counts of equal keys."""
    size = k1.size + k2.size
    keys = np.empty(size, np.uint64)
    weighted = np.empty(size, np.int64)
    plain = np.empty(size, np.int64)
    i = j = m = 0
    while i < k1.size or j < k2.size:
        if j == k2.size or (i < k1.size and k1[i] < k2[j]):
            keys[m], weighted[m], plain[m] = k1[i], w1[i], n1[i]
            i += 1
        elif i == k1.size or k2[j] < k1[i]:
            keys[m], weighted[m], plain[m] = k2[j], w2[j], n2[j]
            j += 1
        else:
            keys[m], weighted[m], plain[m] = k1[i], w1[i] + w2[j], n1[i] + n2[j]
            i += 1
            j += 1
        m += 1
    return keys[:m].copy(), weighted[:m].copy(), plain[:m].copy()


@njit(cache=True, nogil=True)
def pair_keys(tokens, offsets, t0, t1, window, keys):
    """Write ``key * (L + 1) + k`` of every pair with left token in ``[t0, t1)``.

    Used by the sparse path: sorting these composite keys groups equal pairs
    and keeps their distance k. Returns the number of keys written.
    """
    n = 0
    stride = np.uint64(window + 1)
    d = np.searchsorted(offsets, t0, side="right") - 1
    while d < offsets.size - 1 and offsets[d] < t1:
        s = max(offsets[d], t0)
        e = offsets[d + 1]
        for t in range(s, min(e, t1)):
            a = np.uint64(tokens[t])
            for u in range(t + 1, min(e, t + window + 1)):
                b = np.uint64(tokens[u])
                lo = min(a, b)
                hi = max(a, b)
                key = ((hi * (hi + np.uint64(1))) >> np.uint64(1)) + lo
                keys[n] = key * stride + np.uint64(u - t)
                n += 1
        d += 1
    return n


@njit(cache=True, nogil=True)
def baseline_float64(tokens, offsets, window, c, n):
    """The straightforward loop (benchmark baseline): 4 float64 writes per pair."""
    for d in range(offsets.size - 1):
        s = offsets[d]
        e = offsets[d + 1]
        for t in range(s, e):
            i = tokens[t]
            for u in range(t + 1, min(e, t + window + 1)):
                j = tokens[u]
                w = window + 1 - (u - t)
                c[i, j] += w
                c[j, i] += w
                n[i, j] += 1.0
                n[j, i] += 1.0


def prefetch_works() -> bool:
    """Whether the counter issues prefetch hints on this machine."""
    return PREFETCH
