"""What the sequential engine's slots weigh, and the tables it draws from.

A **slot** of :mod:`qwem.train.sequential` is one positive pair (a centre i
kept with probability ``accept_i`` and a context at distance k <= b, b drawn
from :func:`window_distribution`) and its negative pairs. This module gives
the per-word factors (:func:`slot_weights`) that make a step of slots have the
expected update of a minibatch step (docs/method.md#training), and Walker's
alias tables the numba loop draws windows and negatives from.

Why it is unbiased. P(b >= k) = w_k / w_1, so a slot at distance k occurs in
proportion to the distance weight w_k (for the linear weights L + 1 - k, b is
uniform: word2vec's shrunk windows). Over a pass, a slot is (t, k, direction)
with probability accept(x_t) w_k / (2 T Z W), Z = sum_i P_i accept_i and
W = sum_k w_k, against w_k / (2 T W) for the minibatch sampler's uniform
centres (:mod:`qwem.train.sampler`), whose pairs have E[c f] = sum_ij P_ij f
with c = T L / pairs. Hence a positive carries

    c Z / accept_i x Ψ+_ij,

and its expectation per slot is sum_ij P_ij Ψ+_ij f(i, j). A negative pairs the
slot's centre (probability accept_i P_i / Z) with j' drawn from ``q`` (P^(3/4)
for word2vec's scheme), or draws both words uniformly (``uniform``), and
carries ν times the importance weight against P_i P_j times F_ij (Ψ- with the
centre first; :mod:`qwem.train.psi`). Every slot thus has the expectation of
one minibatch pair, and a step of B slots at rate lr / B has the expected
update of a minibatch step at rate lr: the theory time t = κ sum lr carries
over. Subsampling by ``accept`` is word2vec's: it deletes frequent centres
instead of down-weighting them, so the pairs that reach the loop are the
informative ones. Consecutive slots are correlated (one document at a time,
as in word2vec); the sampler's expectation is checked against the exact
gradient in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qwem.cooccur import distance_weights
from qwem.errors import QwemConfigError
from qwem.train.psi import PsiFactors

F64 = NDArray[np.float64]


def alias_table(p: NDArray[np.floating]) -> tuple[F64, NDArray[np.int64]]:
    """Walker's alias table of the distribution ∝ p (Vose's construction).

    Returns (prob, alias): draw k uniformly, keep it with probability
    prob[k], else take alias[k]. Exact up to float64 rounding.
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any(p < 0) or not p.sum() > 0:
        raise ValueError("alias_table needs a 1-d array of weights >= 0, not all 0")
    n = p.size
    scaled = p * (n / p.sum())
    prob = np.ones(n)
    alias = np.arange(n, dtype=np.int64)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    return prob, alias


def window_distribution(context_length: int, weighting: str) -> F64:
    """P(b = k), k = 1..L, such that P(b >= k) = w_k / w_1.

    Needs non-increasing weights (linear: b uniform; flat: b = L always).
    """
    w = distance_weights(context_length, weighting)[1:].astype(np.float64)
    if np.any(np.diff(w) > 0):
        raise QwemConfigError(
            f"cooccur.weighting {weighting!r} gives increasing distance weights; "
            "the sequential engine needs non-increasing ones"
        )
    return (w - np.append(w[1:], 0.0)) / w[0]


@dataclass(frozen=True)
class SlotWeights:
    """The per-word factors :func:`run_slots` multiplies (see the module doc)."""

    accept: F64
    pos_row: F64
    pos_col: F64
    uniform_centre: bool
    q: F64
    neg_row: F64
    neg_col: F64


def slot_weights(
    psi: PsiFactors,
    p_i: F64,
    *,
    negatives: str,
    negative_weight: float,
    positive_scale: float,
) -> SlotWeights:
    """Acceptance, proposals and weights of the slots for one run.

    Args:
        psi: the run's Ψ factors (``psi.keep`` gives word2vec's subsampling).
        p_i: (V,) unigram probabilities.
        negatives: ``smoothed`` (same centre, context ~ P^(3/4)), ``unigram``
            (same centre, context ~ P) or ``uniform`` (both words uniform).
        negative_weight: ν.
        positive_scale: c = T L / pairs of the corpus (see
            :mod:`qwem.train.sampler`).
    """
    p_i = np.asarray(p_i, dtype=np.float64)
    V = p_i.size
    accept = psi.keep / psi.keep.max()
    z = float(np.dot(p_i, accept))  # P(accept) of a random token
    pos_row = positive_scale * z / accept * psi.pos
    if negatives == "uniform":
        q = np.full(V, 1.0 / V)
        centre = V * p_i
    elif negatives in ("smoothed", "unigram"):
        q = p_i**0.75 if negatives == "smoothed" else p_i.copy()
        q = q / q.sum()
        centre = z / accept
    else:
        raise ValueError(f"unknown negatives {negatives!r}")
    neg_row = negative_weight * centre * psi.neg_centre
    neg_col = p_i / q * psi.neg_context
    return SlotWeights(
        accept, pos_row, psi.pos.copy(), negatives == "uniform", q, neg_row, neg_col
    )
