"""The reweighting Ψ of each scheme, and the expected gradient it defines.

Training minimises, over ordered pairs (i, j) and with x_ij = w_i . w_j,

    L(W) = sum_ij P_ij Ψ+_ij ℓ+(x_ij) + ν sum_ij P_i P_j Ψ-_ij ℓ-(x_ij)

(docs/method.md, "Models"). Ψ is written once here, as per-word factors and
at most one pair factor, so that every sampler (the minibatch one on the
training device, the sequential one on the CPU) and every test reads the same
numbers:

    Ψ+_ij = pos_i pos_j pair_ij,
    F_ij  = neg_centre_i neg_context_j pair_ij,   Ψ-_ij = (F_ij + F_ji) / 2.

A sampler may use F itself for a negative whose first word is the centre:
the update of a pair is symmetric in (i, j), so F and its symmetrisation give
the same expected gradient.

* ``unigram``: Ψ_ij = (P_i / mean P)^-1 (P_j / mean P)^-1 = 1 / (V P_i V P_j);
* ``omniscient`` (Setting 3.1): Ψ_ij = mean(G) / G_ij, G = P_ij + ν P_i P_j,
  so that QWEM's expected loss is mean(G) x 1/4 ||M* - W W^T||^2 + const;
* ``sgns`` (word2vec's own reweighting): subsampling deletes a token with
  probability 1 - a_i, a_i = min(1, sqrt(t / P_i) + t / P_i), before windows
  are formed, so it thins the centre of every pair and the context of
  positives; negatives are drawn from P^(3/4), i.e. weighted n_j = P_j^(-1/4)
  against P_j. Both are normalised by their mean over the vocabulary,
  ā = a / mean(a), n̄ = n / mean(n), so that positives and negatives carry
  comparable total weight: Ψ+ = ā_i ā_j, Ψ- = (ā_i n̄_j + ā_j n̄_i) / 2.

Everything here is float64 numpy: it is the reference the samplers are
tested against, and it gives the theory-time factor κ (:func:`kappa`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qwem import targets
from qwem.errors import QwemConfigError

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]
SCHEMES = ("unigram", "omniscient", "sgns")
#: dℓ-/dx at x = 0 (= -dℓ+/dx at 0): 1 for QWEM, 1/2 for SGNS
SLOPE_AT_ZERO = {"qwem": 1.0, "sgns": 0.5}


def keep_probabilities(p_i: F64, subsample: float) -> F64:
    """word2vec's keep probabilities a_i = min(1, sqrt(t / P_i) + t / P_i)."""
    ratio = subsample / np.asarray(p_i, dtype=np.float64)
    return np.minimum(1.0, np.sqrt(ratio) + ratio)


@dataclass(frozen=True)
class PsiFactors:
    """Ψ of one scheme as factors (see the module docstring); ν is not included.

    Attributes:
        scheme: ``unigram``, ``omniscient`` or ``sgns``.
        pos: (V,) per-word factor of Ψ+.
        neg_centre, neg_context: (V,) factors of F (Ψ- with word i the centre).
        pair: (V, V) pair factor (mean(G) / G_ij for ``omniscient``), else None.
        keep: (V,) word2vec's keep probabilities a_i (``sgns``), else ones.
        mean_g: mean(G) over the V^2 pairs (``omniscient``), else NaN.
    """

    scheme: str
    pos: F64
    neg_centre: F64
    neg_context: F64
    pair: F64 | None
    keep: F64
    mean_g: float

    def positive(self) -> F64:
        """Dense (V, V) Ψ+."""
        psi = np.outer(self.pos, self.pos)
        return psi * self.pair if self.pair is not None else psi

    def negative(self) -> F64:
        """Dense (V, V) Ψ- (symmetrised)."""
        f = np.outer(self.neg_centre, self.neg_context)
        if self.pair is not None:
            f = f * self.pair
        return 0.5 * (f + f.T)


def psi_factors(
    scheme: str,
    p_i: F64,
    p_ij: F64 | None,
    *,
    negative_weight: float,
    subsample: float,
) -> PsiFactors:
    """The Ψ factors of ``scheme`` for unigram P_i (and P_ij for ``omniscient``).

    Args:
        scheme: ``unigram``, ``omniscient`` or ``sgns``.
        p_i: (V,) unigram probabilities, all > 0.
        p_ij: (V, V) pair probabilities; needed by ``omniscient`` only.
        negative_weight: ν (enters G, hence Ψ of ``omniscient``).
        subsample: word2vec's t (``sgns``).
    """
    p_i = np.asarray(p_i, dtype=np.float64)
    V = p_i.size
    ones = np.ones(V)
    if scheme == "unigram":
        f = 1.0 / (V * p_i)
        return PsiFactors(scheme, f, f, f, None, ones, float("nan"))
    if scheme == "omniscient":
        if p_ij is None:
            raise QwemConfigError("the omniscient reweighting needs P_ij")
        G = targets.g_matrix(np.asarray(p_ij, np.float64), p_i, p_i, negative_weight)
        mean_g = float(G.mean())
        return PsiFactors(scheme, ones, ones, ones, mean_g / G, ones, mean_g)
    if scheme == "sgns":
        keep = keep_probabilities(p_i, subsample)
        a_bar = keep / keep.mean()
        n = p_i**-0.25
        return PsiFactors(scheme, a_bar, a_bar, n / n.mean(), None, keep, float("nan"))
    raise QwemConfigError(f"reweighting must be one of {', '.join(SCHEMES)}")


def loss_slopes(loss: str, x: F64) -> tuple[F64, F64]:
    """dℓ+/dx and dℓ-/dx at x (numpy; the same formulas as the trainers')."""
    if loss == "qwem":
        return -1.0 + 0.5 * x, 1.0 + 0.5 * x
    sig = 1.0 / (1.0 + np.exp(-x))
    return sig - 1.0, sig


def expected_gradient(
    W: F64,
    *,
    loss: str,
    p_ij: F64,
    p_i: F64,
    psi: PsiFactors,
    negative_weight: float,
) -> F64:
    """dL/dW of the expected loss (module docstring), dense, (V, d) float64.

    dL/dw_i = 2 sum_j c_ij w_j with c_ij = P_ij Ψ+_ij ℓ+'(x_ij) +
    ν P_i P_j Ψ-_ij ℓ-'(x_ij) (c is symmetric; the 2 counts (i, j) and (j, i)).
    """
    X = W @ W.T  # (V, V)
    d_pos, d_neg = loss_slopes(loss, X)
    c = p_ij * psi.positive() * d_pos
    c += negative_weight * np.outer(p_i, p_i) * psi.negative() * d_neg
    return 2.0 * c @ W


def linear_matrix(
    *, loss: str, p_ij: F64, p_i: F64, psi: PsiFactors, negative_weight: float
) -> F64:
    """B with E[W_(s+1) - W_s] = lr B W_s near W = 0, (V, V) float64.

    At x = 0, ℓ+' = -α and ℓ-' = α (α = 1 for QWEM, 1/2 for SGNS), so the
    expected gradient is -2α (P Ψ+ - ν P_i P_j Ψ-) W: B = 2α (P Ψ+ - ν P P Ψ-).
    """
    alpha = SLOPE_AT_ZERO[loss]
    neg = negative_weight * np.outer(p_i, p_i) * psi.negative()
    return 2.0 * alpha * (p_ij * psi.positive() - neg)


def top_eigenvalue(M: F64) -> float:
    """Largest (algebraic) eigenvalue of a symmetric matrix, float64."""
    from scipy.sparse.linalg import eigsh

    M = np.asarray(M, dtype=np.float64)
    if M.shape[0] <= 64:
        return float(np.linalg.eigvalsh(M)[-1])
    # a seeded start vector: ARPACK's own is drawn from a generator that
    # advances with every call in the process, which moved κ's last digits
    v0 = np.random.default_rng(0).standard_normal(M.shape[0])
    value = eigsh(M, k=1, which="LA", tol=1e-10, v0=v0, return_eigenvectors=False)
    return float(value[0])


def kappa(
    *, loss: str, p_ij: F64, p_i: F64, psi: PsiFactors, negative_weight: float
) -> float:
    """Theory time per unit of learning rate and step: t = κ sum_s lr_s.

    The closed-form dynamics run dW/dt = (M* - W W^T) W, whose top mode grows
    as exp(λ_1(M*) t) from small W; SGD grows it as exp(lr μ_1 s), μ_1 the top
    eigenvalue of :func:`linear_matrix`. κ = μ_1 / λ_1(M*) puts both on one
    time axis. For QWEM under Setting 3.1, B = mean(G) M* exactly, so
    κ = mean(G) (returned without an eigensolve); for other runs the top
    mode's growth rate is matched (the later modes need not be M*'s).
    """
    if loss == "qwem" and psi.scheme == "omniscient":
        return psi.mean_g
    B = linear_matrix(
        loss=loss, p_ij=p_ij, p_i=p_i, psi=psi, negative_weight=negative_weight
    )
    mu = top_eigenvalue(B)
    lam = top_eigenvalue(targets.m_star(p_ij, p_i, p_i, negative_weight))
    logger.info("κ = μ_1(B) / λ_1(M*) = %.6g / %.6g = %.6g", mu, lam, mu / lam)
    return mu / lam
