"""Per-pair losses, their derivatives, and the reweighting Ψ (THEORY.md section 3).

With x = w_i . w_j, positives use ℓ+ and negatives ℓ-:

* ``qwem``: ℓ+(x) = -x + x^2/4, ℓ-(x) = x + x^2/4 (SGNS's quartic Taylor
  expansion around 0, times 2, shifted);
* ``sgns``: ℓ+(x) = log(1 + e^-x), ℓ-(x) = log(1 + e^x).

The expected minibatch loss is sum_ij P_ij Ψ+_ij ℓ+(x_ij) + ν sum_ij P_i Q_j Ψ-_ij
ℓ-(x_ij), Q the negative distribution (unigram, or P^(3/4) for ``sgns``). For
QWEM with Ψ = mean(G) / G_ij on both (Setting 3.1) and ν = 1 this equals

    mean(G) x 1/4 ||M* - W W^T||_F^2 - const,

so SGD with learning rate η runs the gradient flow of THEORY.md section 4 at
speed κ = mean(G) (:func:`kappa`): t = η κ steps. SGNS is half of QWEM to
second order around W = 0, so its nominal κ is mean(G) / 2; for the other
reweightings κ is the same nominal conversion (no exact one exists).
"""

from __future__ import annotations

import torch
from torch import Tensor


def positive_loss(kind: str, x: Tensor) -> Tensor:
    """ℓ+(x) per pair."""
    return -x + 0.25 * x * x if kind == "qwem" else torch.nn.functional.softplus(-x)


def negative_loss(kind: str, x: Tensor) -> Tensor:
    """ℓ-(x) per pair."""
    return x + 0.25 * x * x if kind == "qwem" else torch.nn.functional.softplus(x)


def positive_grad(kind: str, x: Tensor) -> Tensor:
    """dℓ+/dx per pair."""
    return -1.0 + 0.5 * x if kind == "qwem" else -torch.sigmoid(-x)


def negative_grad(kind: str, x: Tensor) -> Tensor:
    """dℓ-/dx per pair."""
    return 1.0 + 0.5 * x if kind == "qwem" else torch.sigmoid(x)


def kappa(loss: str, mean_g: float) -> float:
    """Theory time per unit of learning rate and step (see the module doc)."""
    return mean_g if loss == "qwem" else 0.5 * mean_g


class Reweighting:
    """Ψ of positive and negative pairs for one scheme, on the training device.

    Args:
        scheme: ``unigram``, ``omniscient`` or ``sgns``.
        p_i: (V,) unigram probabilities.
        p_ij: (V, V) pair probabilities (needed by ``omniscient`` only).
        subsample: word2vec's t for the keep probabilities a_i (``sgns``).
    """

    def __init__(
        self, scheme: str, p_i: Tensor, p_ij: Tensor | None, *, subsample: float
    ) -> None:
        self.scheme = scheme
        self.p_i = p_i
        self.p_ij = p_ij
        V = p_i.numel()
        self.mean_g = float(((p_ij.sum() if p_ij is not None else 1.0) + 1.0) / V**2)
        ratio = subsample / p_i
        self.keep = torch.clamp(torch.sqrt(ratio) + ratio, max=1.0)
        if scheme == "omniscient" and p_ij is None:
            raise ValueError("the omniscient reweighting needs P_ij")

    def positive(self, i: Tensor, j: Tensor) -> Tensor:
        """Ψ+ of pairs (i, j)."""
        return self._psi(i, j, positive=True)

    def negative(self, i: Tensor, j: Tensor) -> Tensor:
        """Ψ- of pairs (i, j)."""
        return self._psi(i, j, positive=False)

    def negative_rows(self, j: Tensor) -> Tensor:
        """Ψ- of every pair (j_k, i), i over the vocabulary: (len(j), V).

        Ψ is symmetric, so this is also Ψ-(i, j_k); whole rows of P_ij are
        copied (a column gather is ~50x slower on a CPU).
        """
        omniscient = self.scheme == "omniscient"
        p_ij = self._pairs().index_select(0, j) if omniscient else None
        return self._from_probs(self.p_i[j][:, None], self.p_i[None, :], p_ij)

    def _psi(self, i: Tensor, j: Tensor, *, positive: bool) -> Tensor:
        if positive and self.scheme == "sgns":  # subsample both words of a pair
            return self.keep[i] * self.keep[j]
        p_ij = self._pairs()[i, j] if self.scheme == "omniscient" else None
        return self._from_probs(self.p_i[i], self.p_i[j], p_ij)

    def _pairs(self) -> Tensor:
        assert self.p_ij is not None  # __init__ refuses omniscient without P_ij
        return self.p_ij

    def _from_probs(self, p_a: Tensor, p_b: Tensor, p_ab: Tensor | None) -> Tensor:
        """Ψ from the gathered P_a, P_b, P_ab (every Ψ but ``sgns`` positives)."""
        if self.scheme == "unigram":
            V = self.p_i.numel()
            return 1.0 / (V * V * p_a * p_b)
        if self.scheme == "omniscient":
            assert p_ab is not None
            return self.mean_g / (p_ab + p_a * p_b)
        shape = torch.broadcast_shapes(p_a.shape, p_b.shape)
        return torch.ones(shape, dtype=self.p_i.dtype, device=self.p_i.device)
