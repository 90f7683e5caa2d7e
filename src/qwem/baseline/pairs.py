"""Expected pair updates of one epoch of gensim's skip-gram (negative sampling).

gensim reports the words it trained on, not the pairs. Its skip-gram loop
(``word2vec_inner.train_batch_sg``, gensim 4) does, per chunk (see
:func:`qwem.baseline.documents.chunk_bounds`):

1. keeps each token independently with its word's probability k_v
   (subsampling; 1 when ``sample`` is 0) and closes the gaps, so windows are
   measured in kept tokens and never cross the chunk's ends;
2. draws for each kept token i a window b_i uniformly from 1..L
   (``shrink_windows``); with A_i kept tokens before i and B_i after it in the
   chunk, i has min(b_i, A_i) + min(b_i, B_i) context tokens;
3. for each (i, context) pair computes one positive dot product and update,
   then draws ``negative`` noise words from unigram^0.75 (probabilities q_v)
   and skips a draw equal to i's word, so i's word v has on average
   1 + negative (1 - q_v) dot-product-and-update operations per context.

A *pair update* is one such dot product with its gradient step. gensim also
skips the step (not the dot product) when the dot product is beyond its
sigmoid table (|x| >= 6); that is rare, cannot be seen from outside, and is
counted as an update. Keep decisions, windows and negative draws are
independent, so the expectation over them is

    E = sum_i k_i (1 + negative (1 - q_i)) (E h(A_i) + E h(B_i)),
    h(a) = E_b min(b, a) = (a (a + 1) / 2 + a (L - a)) / L   (a < L),
    h(a) = (L + 1) / 2                                        (a >= L).

:func:`expected_pair_updates` computes it exactly: the sum with every h at
(L + 1) / 2 from the word counts alone, minus the deficit of the tokens that
have fewer than L kept tokens on one side, whose distribution (a
Poisson-binomial truncated at L) is propagated along each chunk, all chunks
at once, until it has left 0..L-1 (mass < 1e-13: the relative error of the
result is below 1e-12). The count of one epoch fluctuates around E, with a
relative spread that shrinks like one over the square root of the kept tokens.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from qwem.baseline.documents import Shard, chunk_bounds, token_counts

#: mass below L kept tokens under which a chunk's remaining tokens count in full
NEGLIGIBLE_MASS = 1e-13
#: chunks propagated together (bounds the (chunks, L) float64 state)
CHUNK_GROUP = 1 << 16


def window_deficit(window: int) -> NDArray[np.float64]:
    """(L,) float64 (L + 1) / 2 - E_b min(b, a) for a = 0..L-1, b ~ U{1..L}."""
    a = np.arange(window, dtype=np.float64)
    return (window + 1) / 2 - (a * (a + 1) / 2 + a * (window - a)) / window


def _one_side_deficit(
    tokens: NDArray[np.unsignedinteger],
    starts: NDArray[np.int64],
    lengths: NDArray[np.int64],
    weight: NDArray[np.float64],
    keep: NDArray[np.float64],
    deficit: NDArray[np.float64],
    *,
    reverse: bool,
) -> float:
    """sum_i weight_i k_i E[deficit(A_i)], A_i = kept tokens before (after) i."""
    window = deficit.size
    total = 0.0
    for lo in range(0, starts.size, CHUNK_GROUP):
        s, n = starts[lo : lo + CHUNK_GROUP], lengths[lo : lo + CHUNK_GROUP]
        live = np.flatnonzero(n > 0)
        state = np.zeros((live.size, window))  # P(A = a), a < L, per live chunk
        state[:, 0] = 1.0
        t = 0
        while live.size:
            pos = s[live] + (n[live] - 1 - t if reverse else t)
            ids = np.asarray(tokens[pos], dtype=np.intp)
            k = keep[ids]
            total += float(np.dot(weight[ids], state @ deficit))  # weight has k
            # token t kept with probability k: A of the next token shifts by one
            state[:, 1:] = state[:, 1:] * (1 - k)[:, None] + state[:, :-1] * k[:, None]
            state[:, 0] *= 1 - k
            t += 1
            more = (n[live] > t) & (state.sum(axis=1) > NEGLIGIBLE_MASS)
            live, state = live[more], state[more]
    return total


def expected_pair_updates(
    shards: Sequence[Shard],
    *,
    keep: NDArray[np.float64],
    noise: NDArray[np.float64],
    window: int,
    negative: int,
) -> float:
    """Expected (positive + negative) pair updates of one skip-gram epoch.

    Args:
        shards: (tokens, offsets) per part, as gensim is fed them.
        keep: (V,) float64 probability that an occurrence of word v survives
            subsampling (gensim's ``sample_int`` / 2^32).
        noise: (V,) float64 probability that a negative draw is word v.
        window: L, the largest (reduced) window.
        negative: negative draws per positive pair.
    Returns:
        E (module docstring). The propagation touches about L states per
        token only until a chunk's first ~2L kept tokens: under a second
        on the demo corpus (1.1 M tokens, L = 16).
    """
    weight = keep * (1.0 + negative * (1.0 - noise))  # (V,) per kept occurrence
    counts = token_counts(shards, keep.size).astype(np.float64)
    total = (window + 1) * float(counts @ weight)
    deficit = window_deficit(window)
    for tokens, offsets in shards:
        starts, lengths = chunk_bounds(offsets)
        for reverse in (False, True):
            total -= _one_side_deficit(
                tokens, starts, lengths, weight, keep, deficit, reverse=reverse
            )
    return total


def expected_effective_words(
    shards: Sequence[Shard], *, keep: NDArray[np.float64]
) -> float:
    """Expected kept tokens of one epoch: sum_v count_v k_v."""
    return float(token_counts(shards, keep.size) @ keep)
