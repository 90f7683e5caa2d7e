"""The minibatch engine's gradient: one sampled batch's loss and its gradient in W.

A batch is B positive pairs from :class:`~qwem.train.sampler.PairSampler`
and either B independent negative pairs or every word paired with s shared
contexts, each pair weighted by the run's Ψ (:mod:`qwem.train.losses`), so
that its expected gradient is the full loss's (docs/method.md#training). The
step that applies it at the schedule's learning rate is
:func:`qwem.train.loop.sgd_step`.
"""

from __future__ import annotations

import torch

from qwem.train import losses
from qwem.train.config import TrainConfig
from qwem.train.sampler import PairSampler


def batch_gradient(
    W: torch.Tensor,
    sampler: PairSampler,
    psi: losses.Reweighting,
    cfg: TrainConfig,
    gen: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradient in W of one sampled batch's loss, and that loss.

    B positive pairs, and either B independent negative pairs or, with
    ``cfg.shared_negatives = s``, every word paired with s shared contexts
    (:meth:`PairSampler.shared`). The positives' and independent negatives'
    gradient is A W, with A the symmetric sparse V x V matrix holding dℓ/dx
    of every pair at (i, j) and (j, i) (repeated pairs add up, as COO entries
    do): one sparse product instead of four scattered row additions, 1.4x
    (V = 10,000, d = 200, batch 50,000) to 1.9x (V = 5,000, d = 100, batch
    10,000) faster on a 2-core CPU (``make bench STAGES=train``). Shared
    negatives are three dense products. The loss stays a tensor on the
    device (no synchronisation per step).
    """
    B, V = cfg.batch_size, W.shape[0]
    if cfg.shared_negatives:
        i, j, weight = sampler.positives(B, gen)
        left, right = i, j
    else:
        i, j, weight, iN, jN, weight_n = sampler.sample(B, gen)
        left, right = torch.cat([i, iN]), torch.cat([j, jN])
    x = (W.index_select(0, left) * W.index_select(0, right)).sum(1)
    xp = x[:B]
    wp = weight * psi.positive(i, j) / B
    loss = (wp * losses.positive_loss(cfg.loss, xp)).sum()
    coef = wp * losses.positive_grad(cfg.loss, xp)
    if not cfg.shared_negatives:
        xn = x[B:]
        wn = cfg.negative_weight * weight_n * psi.negative(iN, jN) / B
        loss = loss + (wn * losses.negative_loss(cfg.loss, xn)).sum()
        coef = torch.cat([coef, wn * losses.negative_grad(cfg.loss, xn)])
    A = torch.sparse_coo_tensor(
        torch.stack([torch.cat([left, right]), torch.cat([right, left])]),
        torch.cat([coef, coef]),
        (V, V),
        check_invariants=False,
    )
    grad = torch.sparse.mm(A, W)
    if cfg.shared_negatives:
        S, c = sampler.shared(cfg.shared_negatives, gen)
        WS = W.index_select(0, S)  # (s, d)
        X = WS @ W.T  # (s, V): every shared context against every word
        K = (cfg.negative_weight * c)[:, None] * psi.p_i[None, :]
        K = K * psi.negative_rows(S)
        loss = loss + (K * losses.negative_loss(cfg.loss, X)).sum()
        G = K * losses.negative_grad(cfg.loss, X)
        grad += G.T @ WS
        grad.index_add_(0, S, G @ W)
    return grad, loss
