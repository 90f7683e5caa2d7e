"""Per-pair losses, their derivatives, and Ψ on the training device.

With x = w_i . w_j, positives use ℓ+ and negatives ℓ-:

* ``qwem``: ℓ+(x) = -x + x^2/4, ℓ-(x) = x + x^2/4 (SGNS's quartic Taylor
  expansion around 0, times 2, shifted);
* ``sgns``: ℓ+(x) = log(1 + e^-x), ℓ-(x) = log(1 + e^x).

The expected minibatch loss is sum_ij P_ij Ψ+_ij ℓ+(x_ij) + ν sum_ij P_i P_j
Ψ-_ij ℓ-(x_ij); Ψ is defined in :mod:`qwem.train.psi` and carried to the
device by :class:`Reweighting`. For QWEM under Setting 3.1 the expected loss
is mean(G) x 1/4 ||M* - W W^T||_F^2 + const, so SGD with learning rate η runs
the closed-form gradient flow at t = κ η steps with κ = mean(G)
(:func:`qwem.train.psi.kappa` derives κ for every run).
"""

from __future__ import annotations

import torch
from torch import Tensor

from qwem.train.psi import PsiFactors


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


class Reweighting:
    """Ψ of one scheme on the training device (factors from :mod:`qwem.train.psi`).

    ``positive(i, j)`` is Ψ+; ``negative(i, j)`` is F_ij, Ψ- with i the
    centre, which gives the same expected gradient as the symmetrised Ψ-
    (see :mod:`qwem.train.psi`).
    """

    def __init__(
        self, factors: PsiFactors, p_i: Tensor, *, device: torch.device
    ) -> None:
        dtype = p_i.dtype

        def tensor(a: object) -> Tensor:
            return torch.as_tensor(a, device=device, dtype=dtype)

        self.scheme = factors.scheme
        self.p_i = p_i
        self.mean_g = factors.mean_g
        self.pos = tensor(factors.pos)
        self.neg_centre = tensor(factors.neg_centre)
        self.neg_context = tensor(factors.neg_context)
        self.pair = None if factors.pair is None else tensor(factors.pair)

    def positive(self, i: Tensor, j: Tensor) -> Tensor:
        """Ψ+ of pairs (i, j)."""
        psi = self.pos[i] * self.pos[j]
        return psi if self.pair is None else psi * self.pair[i, j]

    def negative(self, i: Tensor, j: Tensor) -> Tensor:
        """F of pairs (i, j), i the centre."""
        psi = self.neg_centre[i] * self.neg_context[j]
        return psi if self.pair is None else psi * self.pair[i, j]

    def negative_rows(self, j: Tensor) -> Tensor:
        """F of every pair (i, j_k), i over the vocabulary: (len(j), V).

        The pair factor is symmetric, so whole rows of it are copied (a column
        gather is ~50x slower on a CPU).
        """
        psi = self.neg_context[j][:, None] * self.neg_centre[None, :]
        return psi if self.pair is None else psi * self.pair.index_select(0, j)
