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
a resumed run continues the same sequence.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from qwem.cooccur import pair_totals
from qwem.train.slots import SlotWeights, alias_table, window_distribution

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


@njit(inline="always", fastmath=True)
def _dot(W, i, j):
    x = W[i, 0] * W[j, 0]
    for c in range(1, W.shape[1]):
        x += W[i, c] * W[j, c]
    return np.float64(x)


@njit(inline="always")
def _slope_and_loss(x, qwem, positive):
    """dℓ/dx and ℓ at x, for QWEM (quadratic) or SGNS (softplus) losses."""
    if qwem:
        if positive:
            return -1.0 + 0.5 * x, -x + 0.25 * x * x
        return 1.0 + 0.5 * x, x + 0.25 * x * x
    z = -x if positive else x  # ℓ = softplus(z), dℓ/dx = ±sigmoid(z)
    e = np.exp(-abs(z))
    sig = 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)
    loss = np.log1p(e) + max(z, 0.0)
    return (-sig if positive else sig), loss


@njit(inline="always", fastmath=True)
def _move(W, D, i, j, coef):
    """D_i += coef w_j and D_j += coef w_i, both from W before the update."""
    for c in range(W.shape[1]):
        wi = W[i, c]
        wj = W[j, c]
        D[i, c] += coef * wj
        D[j, c] += coef * wi


@njit(inline="always")
def _update(W, D, i, j, w, rate, qwem, positive):
    """One pair's SGD update of weight w; returns its weighted loss."""
    slope, loss = _slope_and_loss(_dot(W, i, j), qwem, positive)
    _move(W, D, i, j, -rate * w * slope)
    return w * loss


@njit(cache=True, nogil=True)
def run_slots(
    W,
    D,
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

    Each pair moves D by -rate x weight x dℓ/dx (D is W when training; a
    zero array to accumulate the gradient instead, with rate = -1). The
    cursor (see :data:`CURSOR`) and the pass's document ``order`` are
    updated in place, so consecutive calls continue the stream.
    """
    V = W.shape[0]
    t, b, k, side = cursor[0], cursor[1], cursor[2], cursor[3]
    rank, passes = cursor[4], cursor[5]
    doc = order[rank]
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
        if offsets[doc] <= u < offsets[doc + 1]:
            j = tokens[u]
            w = pos_row[i] * pos_col[j] * (pair[i, j] if use_pair else 1.0)
            total += _update(W, D, i, j, w, rate, qwem, True)
            updates += 1
        for _ in range(negatives):  # each with 1 / negatives of the weight
            a = _below(rng, V) if uniform_centre else i
            c = _alias(rng, q_prob, q_alias)
            w = neg_row[a] * neg_col[c] * (pair[a, c] if use_pair else 1.0)
            total += _update(W, D, a, c, w / negatives, rate, qwem, False)
            updates += 1
    cursor[0], cursor[1], cursor[2], cursor[3] = t, b, k, side
    cursor[4], cursor[5] = rank, passes
    return total, updates


class SlotStream:
    """The sequential engine's state: corpus, weights, generator and cursor.

    Args:
        tokens: (T,) token ids; offsets: (D + 1,) document boundaries.
        weights: :func:`~qwem.train.slots.slot_weights`; pair: (V, V) Ψ pair
            factor or None.
        loss: ``qwem`` or ``sgns``.
        negatives: negative pairs per slot, each with 1 / negatives of the
            weight (the same expectation, less noise).
        context_length, weighting: as counted.
        seed: seeds the generator and the stream's random start.
    """

    def __init__(
        self,
        tokens: NDArray[np.integer],
        offsets: NDArray[np.int64],
        weights: SlotWeights,
        pair: NDArray[np.floating] | None,
        *,
        loss: str,
        negatives: int,
        context_length: int,
        weighting: str,
        seed: int,
        dtype: type = np.float64,
    ) -> None:
        self.tokens = np.ascontiguousarray(tokens)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        self.weights = weights
        self.qwem = loss == "qwem"
        self.negatives = negatives
        self.use_pair = pair is not None
        self.pair: NDArray[np.floating] = np.ascontiguousarray(
            np.zeros((1, 1)) if pair is None else pair, dtype
        )
        self.win = alias_table(window_distribution(context_length, weighting))
        self.q = alias_table(weights.q)
        self.seed = seed % 2**64
        self.order = np.empty(self.offsets.size - 1, dtype=np.int64)
        shuffle_documents(self.order, self.seed, 0)
        rank = int(np.random.default_rng(seed).integers(self.order.size))
        # k > b: the first call moves to the first token of document order[rank]
        start = self.offsets[self.order[rank]] - 1
        self.cursor = np.array([start, 0, 1, 0, rank, 0], dtype=np.int64)
        mixed = (seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**64
        self.rng = np.array([mixed or 1], dtype=np.uint64)
        self._compile(dtype)

    def _compile(self, dtype: type) -> None:
        """Compile (or load from numba's cache) before any step is timed."""
        W: NDArray[np.floating] = np.zeros((self.weights.accept.size, 1), dtype)
        state = (self.rng.copy(), self.cursor.copy(), self.order.copy())
        self.run(W, W, 0.0, 0)
        self.rng[:], self.cursor[:], self.order[:] = state

    @staticmethod
    def positive_scale(
        offsets: NDArray[np.int64], context_length: int, weighting: str
    ) -> float:
        """c = T L / pairs, the positives' weight for E = sum_ij P_ij f."""
        pairs, _ = pair_totals(offsets, context_length, weighting)
        return float(offsets[-1] * context_length / pairs)

    def run(
        self, W: NDArray[np.floating], D: NDArray[np.floating], rate: float, slots: int
    ) -> tuple[float, int]:
        """``slots`` slots moving D (W itself to train); (loss sum, pair updates)."""
        w = self.weights
        total, updates = run_slots(
            W,
            D,
            self.tokens,
            self.offsets,
            *self.win,
            w.accept,
            w.pos_row,
            w.pos_col,
            self.pair,
            self.use_pair,
            w.uniform_centre,
            *self.q,
            w.neg_row,
            w.neg_col,
            self.qwem,
            self.negatives,
            rate,
            slots,
            self.rng,
            self.cursor,
            self.order,
            self.seed,
        )
        return float(total), int(updates)

    def state(self) -> dict[str, list[int]]:
        """Generator and cursor, for a resumable checkpoint."""
        return {"rng": [int(self.rng[0])], "cursor": self.cursor.tolist()}

    def restore(self, state: dict[str, list[int]]) -> None:
        """Continue from :meth:`state`."""
        self.rng[0] = np.uint64(state["rng"][0])
        self.cursor[:] = state["cursor"]
        shuffle_documents(self.order, self.seed, int(self.cursor[5]))
