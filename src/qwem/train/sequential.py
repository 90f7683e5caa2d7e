"""word2vec's own SGD on the CPU: one pair at a time, streaming through windows.

The ``sequential`` engine does what word2vec's C loop does, compiled with
numba: it walks the token stream document by document (the documents in a
new random order at every pass, so that a corpus made of parts with
different statistics is not learned part after part), keeps a centre token i
with probability ``accept_i``, draws a
window b from 1..L and, for every context at distance k <= b on either side
inside the document, makes one **slot**: a positive pair (i, j) and a negative
pair, each updated at once (w_i and w_j move by -lr_pair x weight x dℓ/dx
times the other vector, both computed from the vectors before the update).

The slots' weights and the alias tables the loop draws from are set up in
:mod:`qwem.train.slots`, which also shows why a step of B slots at rate
lr / B has the expected update of a minibatch step at rate lr.

Reproducibility: the random numbers come from a xorshift64* generator whose
state, with the stream's cursor, is part of the saved training state, and
each pass's document order is a function of the seed and the pass number, so
a resumed run continues the same sequence. The state itself lives in
:class:`qwem.train.stream.SlotStream`.

Precision and speed. Every function here is plain Python too (what runs
under ``NUMBA_DISABLE_JIT=1``: the reference the tests compare against);
:func:`dot` and :func:`like` pick their compiled form by the embedding's dtype:

* float64 keeps one summation order everywhere: :func:`dot` adds the products
  in eight interleaved partial sums combined in a fixed tree, written out, so
  the compiled loop (vectorised by LLVM without reassociation, no fused
  multiply-add) and the interpreted one give the same bits on any machine;
* float32 is gensim's precision and is for speed: its dot product is compiled
  with fastmath (LLVM picks the order), and each update's coefficient is
  rounded to float32 once, so the row update stays in float32 lanes.

:func:`prefetch_row` asks the CPU to start loading a row the loop will touch a
few pairs later (a slot's negative contexts, drawn before its positive pair
is updated); it changes no value, only the time. All the compiled code is in
this one file because numba's on-disk cache of :func:`run_slots` is keyed by
this file's source only: a change to a function it inlines from another
module would not recompile it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload
from numpy.typing import NDArray

F64 = NDArray[np.float64]

#: cursor fields: position, window, distance, direction, rank of the document
#: in the pass's order, pass
CURSOR = 6


@njit(inline="always")
def _next(rng):
    """xorshift64* (Vigna 2016): the next 64 random bits; state in rng[0]."""
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return x * np.uint64(2685821657736338717)


@njit(inline="always")
def _uniform(rng):
    """A float64 uniform on [0, 1) from the top 53 bits."""
    return np.float64(_next(rng) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(inline="always")
def _below(rng, n):
    """A uniform integer in [0, n)."""
    return min(np.int64(_uniform(rng) * n), n - 1)


@njit(inline="always")
def _alias(rng, prob, alias):
    """A draw from Walker's alias table (prob, alias)."""
    k = _below(rng, prob.size)
    return k if _uniform(rng) < prob[k] else alias[k]


@njit(cache=True, nogil=True)
def shuffle_documents(order, seed, passes):
    """Fill ``order`` with a permutation of its indices, a function of (seed, pass).

    Fisher-Yates with a generator seeded by splitmix64 of the two numbers.
    """
    z = np.uint64(seed) ^ (np.uint64(passes) * np.uint64(0x9E3779B97F4A7C15))
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    rng = np.empty(1, np.uint64)
    rng[0] = (z ^ (z >> np.uint64(31))) | np.uint64(1)
    for n in range(order.size):
        order[n] = n
    for n in range(order.size - 1, 0, -1):
        m = _below(rng, n + 1)
        order[n], order[m] = order[m], order[n]


#: independent partial sums of :func:`dot` (two AVX2 float64 vectors)
LANES = 8


def dot(W: Any, i: int, j: int) -> float:
    """w_i . w_j as float64, summed in :data:`LANES` partial sums (reference)."""
    return _dot_lanes(W, i, j)


def like(W: Any, x: float) -> Any:
    """x in W's dtype."""
    return W.dtype.type(x)


def prefetch_row(W: Any, row: int) -> None:
    """Hint the CPU to load row ``row`` of W (a no-op outside numba)."""


@njit(inline="always")
def _dot_lanes(W, i, j):
    n = W.shape[1]
    m = n - n % 8
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    for c in range(0, m, 8):
        s0 += W[i, c] * W[j, c]
        s1 += W[i, c + 1] * W[j, c + 1]
        s2 += W[i, c + 2] * W[j, c + 2]
        s3 += W[i, c + 3] * W[j, c + 3]
        s4 += W[i, c + 4] * W[j, c + 4]
        s5 += W[i, c + 5] * W[j, c + 5]
        s6 += W[i, c + 6] * W[j, c + 6]
        s7 += W[i, c + 7] * W[j, c + 7]
    for c in range(m, n):
        s0 += W[i, c] * W[j, c]
    return ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7))


@njit(fastmath=True)
def _dot_fast(W, i, j):
    x = W[i, 0] * W[j, 0]
    for c in range(1, W.shape[1]):
        x += W[i, c] * W[j, c]
    return np.float64(x)


@overload(dot, inline="always")
def _dot_impl(W, i, j):
    if W.dtype == types.float32:
        return lambda W, i, j: _dot_fast(W, i, j)
    return lambda W, i, j: _dot_lanes(W, i, j)


@overload(like, inline="always")
def _like_impl(W, x):
    if W.dtype == types.float32:
        return lambda W, x: np.float32(x)
    return lambda W, x: np.float64(x)


@intrinsic
def _prefetch(typingctx, W, row):
    """llvm.prefetch (read, keep in all cache levels) of each 64-byte line."""
    sig = types.void(W, row)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        first = cgutils.get_item_pointer(
            context, builder, aryty, ary, [args[1], zero], wraparound=False
        )
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        raw = builder.bitcast(first, i8p)
        width = cgutils.unpack_tuple(builder, ary.shape, 2)[1]
        nbytes = builder.mul(
            width, context.get_constant(types.intp, aryty.dtype.bitwidth // 8)
        )
        line = context.get_constant(types.intp, 64)
        with cgutils.for_range_slice(builder, zero, nbytes, line) as (off, _):
            args_ = [builder.gep(raw, [off]), i32(0), i32(3), i32(1)]
            builder.call(fn, args_)
        return context.get_dummy_value()

    return sig, codegen


@overload(prefetch_row, inline="always")
def _prefetch_impl(W, row):
    if not (isinstance(W, types.Array) and W.ndim == 2 and W.layout == "C"):
        return lambda W, row: None
    return lambda W, row: _prefetch(W, row)  # type: ignore[call-arg]


@njit(inline="always")
def _slope_and_loss(x, qwem, positive):
    """dℓ/dx and ℓ at x, for QWEM (quadratic) or SGNS (softplus) losses."""
    if qwem:
        if positive:
            return -1.0 + 0.5 * x, -x + 0.25 * x * x
        return 1.0 + 0.5 * x, x + 0.25 * x * x
    z = -x if positive else x  # ℓ = softplus(z), dℓ/dx = ±sigmoid(z)
    e = math.exp(-abs(z))  # libm's, as in the interpreted reference
    sig = 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)
    loss = math.log1p(e) + max(z, 0.0)
    return (-sig if positive else sig), loss


@njit(inline="always")
def _move(W, D, i, j, coef):
    """D_i += coef w_j and D_j += coef w_i, both from W before the update."""
    for c in range(W.shape[1]):
        wi = W[i, c]
        wj = W[j, c]
        D[i, c] += coef * wj
        D[j, c] += coef * wi


@njit(inline="always")
def _update(W, D, in_place, i, j, w, rate, qwem, positive):
    """One pair's SGD update of weight w; returns its weighted loss.

    ``in_place`` (D is W) passes W twice, so that the compiled loop knows the
    two are one array and vectorises the row update.
    """
    slope, loss = _slope_and_loss(dot(W, i, j), qwem, positive)
    coef = like(W, -rate * w * slope)
    if in_place:
        _move(W, W, i, j, coef)
    else:
        _move(W, D, i, j, coef)
    return w * loss


@njit(cache=True, nogil=True)
def run_slots(
    W,
    D,
    in_place,
    tokens,
    offsets,
    win_prob,
    win_alias,
    accept,
    pos_row,
    pos_col,
    pair,
    use_pair,
    uniform_centre,
    q_prob,
    q_alias,
    neg_row,
    neg_col,
    qwem,
    negatives,
    rate,
    slots,
    rng,
    cursor,
    order,
    seed,
):
    """Process ``slots`` slots; returns (weighted loss sum, pair updates).

    Each pair moves D by -rate x weight x dℓ/dx (D is W when training, and
    ``in_place`` says so; a zero array to accumulate the gradient instead,
    with rate = -1). A slot draws its negatives first and prefetches their
    context rows, which arrive while its positive pair is updated. The
    cursor (see :data:`CURSOR`) and the pass's document ``order`` are
    updated in place, so consecutive calls continue the stream.
    """
    V = W.shape[0]
    t, b, k, side = cursor[0], cursor[1], cursor[2], cursor[3]
    rank, passes = cursor[4], cursor[5]
    doc = order[rank]
    neg_a = np.empty(negatives, np.int64)
    neg_c = np.empty(negatives, np.int64)
    total = 0.0
    updates = 0
    done = 0
    while done < slots:
        if k > b:  # the window is used up: next centre
            t += 1
            while t >= offsets[doc + 1]:  # the document is done: the next one
                rank += 1
                if rank == order.size:  # a new pass, in a new order
                    rank = 0
                    passes += 1
                    shuffle_documents(order, seed, passes)
                doc = order[rank]
                t = offsets[doc]
            if _uniform(rng) >= accept[tokens[t]]:
                continue
            b = 1 + _alias(rng, win_prob, win_alias)
            k = 1
            side = 0
        i = tokens[t]
        u = t + k if side == 0 else t - k
        if side == 0:
            side = 1
        else:
            side = 0
            k += 1
        done += 1
        for n in range(negatives):
            neg_a[n] = _below(rng, V) if uniform_centre else i
            neg_c[n] = _alias(rng, q_prob, q_alias)
            prefetch_row(W, neg_c[n])
        if offsets[doc] <= u < offsets[doc + 1]:
            j = tokens[u]
            w = pos_row[i] * pos_col[j] * (pair[i, j] if use_pair else 1.0)
            total += _update(W, D, in_place, i, j, w, rate, qwem, True)
            updates += 1
        for n in range(negatives):  # each with 1 / negatives of the weight
            a, c = neg_a[n], neg_c[n]
            w = neg_row[a] * neg_col[c] * (pair[a, c] if use_pair else 1.0)
            total += _update(W, D, in_place, a, c, w / negatives, rate, qwem, False)
            updates += 1
    cursor[0], cursor[1], cursor[2], cursor[3] = t, b, k, side
    cursor[4], cursor[5] = rank, passes
    return total, updates
