"""Pair sampling on the training device (docs/method.md#training).

The paper samples documents, centre positions on a sparse grid and a subset
of offsets, weighting each pair by (L + 1 - k) / ((L + 1) / 2). Here every
positive pair is drawn independently: a centre position t uniform over the
whole token stream, an offset k in 1..L with probability w_k / sum(w) (as
word2vec's randomly shrunk windows do; drawing k uniformly and weighting the
pair by w_k has the same expectation and, for the linear weights with L = 16,
29 % more variance) and a direction uniform in {-1, +1}; pairs that leave the
document get weight 0, the others weight T L / (pairs). Summed over
(t, k, direction) this gives exactly

    E[weight x f(x_t, x_{t +- k})] = sum_ij P_ij f(i, j),

the co-occurrence distribution of the counts (tests check it empirically).
Negatives (i', j') are weighted so that E[weight x f(i', j')] =
sum_ij P_i P_j f(i, j); the run's Ψ and ν multiply these weights:

* ``smoothed`` (word2vec): the positive's centre i' = i (so i' ~ P_i) with a
  context j' ~ Q = P^(3/4) / Z, weight P_j' / Q_j' = Z P_j'^(1/4);
* ``unigram``: the same centre with j' from a random corpus position
  (exactly P_j), weight 1;
* ``uniform``: i' and j' both uniform over the vocabulary, weight V^2 P_i' P_j'.
  Same expectation as ``unigram``, but bounded weights once Ψ is applied:
  under Setting 3.1 an unseen pair of rare words has Ψ = mean(G) / (ν P_i P_j),
  and drawing it with probability P_i P_j makes rare, huge updates; drawn
  uniformly, its weight V^2 P_i P_j Ψ stays below V^2 mean(G) / ν (and is
  exactly 1 under the ``unigram`` reweighting). On the demo corpus this cuts
  the negatives' second moment from 16 to 3.6 and lets QWEM train at a
  several times larger learning rate without its rare-word rows filling
  with noise. Used for the ``unigram`` and ``omniscient`` reweightings (a
  documented deviation from the paper's same-centre negatives, which
  word2vec's own ``sgns`` scheme keeps).

**Shared negatives** (``shared_negatives = s > 0``, :meth:`PairSampler.shared`):
instead of B independent negative pairs, each step draws s context words j
(from the same proposal: uniform, P^(3/4) for ``smoothed``, or corpus
positions) and pairs *every* vocabulary word i with all of them, weighting
(i, j) by P_i x (P_j / proposal_j) / s. Its expectation is again
sum_ij P_i P_j f(i, j), but each row's negative gradient averages s contexts
instead of about 2 B / V, and the V x s pairs cost three dense products
(GEMMs, fast on CPU and GPU). Measured at QWEM's optimum W* on the demo corpus
(V = 5,000, d = 100, float64; ``make bench STAGES=noise``): 10,000 positives
with s = 64 have 0.10x the gradient variance of 10,000 positives with 10,000
independent negatives (0.10x too in the directions of M*'s eigenvectors
d+1 .. d+30) in 0.42x the time per step. Shared negatives are common in GPU
word2vec implementations; the paper pairs each positive's centre with its
own negatives.

Everything is tensor ops on a token tensor held on the device: no Python loop
per pair and no host thread.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor

from qwem.cooccur import distance_weights, pair_totals


class PairSampler:
    """Positive and negative pairs from token shards.

    Args:
        tokens: (T,) token ids (all shards concatenated).
        offsets: (D + 1,) document boundaries.
        context_length: L; weighting: ``linear`` or ``flat`` (as counted).
        negatives: ``unigram``, ``uniform`` or ``smoothed`` (P^(3/4)).
        p_i: (V,) unigram probabilities (for ``smoothed`` negatives).
    """

    def __init__(
        self,
        tokens: NDArray[np.integer],
        offsets: NDArray[np.int64],
        *,
        context_length: int,
        weighting: str,
        negatives: str,
        p_i: NDArray[np.float64],
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        T = int(tokens.size)
        lengths = np.diff(offsets)
        self.tokens = torch.as_tensor(tokens.astype(np.int64), device=device)
        self.doc = torch.as_tensor(
            np.repeat(np.arange(lengths.size, dtype=np.int32), lengths), device=device
        )
        w = distance_weights(context_length, weighting).astype(np.float64)
        pairs, _ = pair_totals(offsets, context_length, weighting)
        # E[weight f] = sum_ij P_ij f_ij exactly: see the module docstring
        self.scale = float(T * context_length / pairs)
        self.offset_p = torch.as_tensor(w[1:] / w[1:].sum(), device=device)
        self.L, self.T, self.dtype = context_length, T, dtype
        self.negatives = negatives
        q = p_i**0.75
        self.q = torch.as_tensor(q / q.sum(), device=device, dtype=torch.float64)
        # P_j / Q_j: importance weight of a context drawn from Q
        self.q_weight = torch.as_tensor(q.sum() * p_i**0.25, device=device, dtype=dtype)
        self.uniform_weight = torch.as_tensor(
            p_i.size * p_i, device=device, dtype=dtype
        )
        self.V = int(p_i.size)

    def positives(self, batch: int, gen: torch.Generator) -> tuple[Tensor, ...]:
        """``batch`` positive pairs: (i, j, weight), each (batch,)."""
        dev = self.tokens.device
        t = torch.randint(0, self.T, (batch,), generator=gen, device=dev)
        k = 1 + torch.multinomial(self.offset_p, batch, replacement=True, generator=gen)
        sign = torch.randint(0, 2, (batch,), generator=gen, device=dev) * 2 - 1
        u = t + sign * k
        inside = (u >= 0) & (u < self.T)
        u = u.clamp(0, self.T - 1)
        valid = inside & (self.doc[u] == self.doc[t])
        weight = valid.to(self.dtype) * self.scale
        return self.tokens[t], self.tokens[u], weight

    def sample(self, batch: int, gen: torch.Generator) -> tuple[Tensor, ...]:
        """One batch of positive and (as many independent) negative pairs.

        Returns (i, j, weight, i_neg, j_neg, weight_neg), each (batch,).
        """
        dev = self.tokens.device
        i, j, weight = self.positives(batch, gen)
        ones = torch.ones_like(weight)
        if self.negatives == "unigram":
            pos = torch.randint(0, self.T, (batch,), generator=gen, device=dev)
            return i, j, weight, i, self.tokens[pos], ones
        if self.negatives == "uniform":
            ij = torch.randint(0, self.V, (2, batch), generator=gen, device=dev)
            w = self.uniform_weight[ij[0]] * self.uniform_weight[ij[1]]
            return i, j, weight, ij[0], ij[1], w
        j_neg = torch.multinomial(self.q, batch, replacement=True, generator=gen)
        return i, j, weight, i, j_neg, self.q_weight[j_neg]

    def shared(self, s: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        """s shared negative contexts and their column weights.

        Returns (j, c), each (s,): every word i is paired with every j, with
        weight P_i c_j; c_j = P_j / (s proposal_j), so that
        E[sum_i sum_j P_i c_j f(i, j)] = sum_ij P_i P_j f(i, j).
        """
        dev = self.tokens.device
        if self.negatives == "uniform":
            j = torch.randint(0, self.V, (s,), generator=gen, device=dev)
            return j, self.uniform_weight[j] / s
        if self.negatives == "unigram":
            pos = torch.randint(0, self.T, (s,), generator=gen, device=dev)
            j = self.tokens[pos]
            return j, torch.full((s,), 1.0 / s, device=dev, dtype=self.dtype)
        j = torch.multinomial(self.q, s, replacement=True, generator=gen)
        return j, self.q_weight[j] / s
