"""Linear representations as a spiked random matrix.

See docs/method.md#random-matrix-analyses.

Embeddings in the eigenbasis, ``W = U_D Λ_D^{1/2}``; an analogy family's task
vectors ``r_n = w_{b_n} - w_{a_n}`` on the first d coordinates are the rows of
``R_d`` (N x d). All spectra are of the N x N matrix ``R_d R_d^T / d``.

**Marchenko-Pastur convention.** For an N x d matrix X of i.i.d. entries of
variance σ², the eigenvalues of X X^T / d follow, as N, d -> ∞ with
γ = N / d, the law with density

    ρ(λ) = sqrt((λ+ - λ)(λ - λ-)) / (2π γ σ² λ)   on λ± = σ² (1 ± √γ)²,

which integrates to min(1, 1/γ); for γ > 1 the remaining 1 - 1/γ of the N
eigenvalues sit at 0 (X X^T has rank d < N). :func:`mp_density` is that
continuous part, :func:`mp_atom` the mass at 0. The mean eigenvalue is σ².

**Fit.** σ² is the mean squared entry of the column-centred R_d (centring
removes the shared relation vector, the spike); the bulk's top edge λ_edge is
the largest eigenvalue that is not an outlier and gives γ = (sqrt(λ_edge/σ²) -
1)², d_eff = N / γ. As that eigenvalue falls short of λ+ by about one
Tracy-Widom unit, ``edge_shift`` units may be added to λ_edge first.
Outliers are found from the top down: λ_k is an outlier when it exceeds the
next eigenvalue by more than ``margin`` Tracy-Widom units, the edge's
fluctuation scale σ² (1 + √γ)(1 + 1/√γ)^{1/3} d_eff^{-2/3} (pure noise has
top gaps below ~5 units in 99 % of draws); the search stops at the first gap
that is not wide enough.

**Spiked model (BBP).** R = 1 m^T + X, every task vector sharing the relation
vector m ∈ R^d, adds to R R^T / d a rank-one signal of eigenvalue ℓ = N ||m||² / d
along 1/√N. With θ = ℓ / σ² (the signal in units of the noise variance), an
outlier separates from the bulk iff θ > √γ (ℓ > σ² √γ), at

    λ_out = σ² (1 + θ)(1 + γ / θ) = ℓ + σ² (1 + γ) + γ σ⁴ / ℓ,

equal to λ+ at the threshold (the singular-value result of Benaych-Georges
and Nadakuditi 2012 for X/(σ√d), squared). ℓ is estimated from the data as
N ||⟨r⟩||² / d - σ² (the mean task vector carries noise of variance σ²/N per
coordinate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qwem.errors import QwemConfigError, QwemInputError

F64 = NDArray[np.float64]

# -E[TW1]: the largest eigenvalue of a white Wishart matrix sits this many
# Tracy-Widom units below λ+ on average (Tracy & Widom 1996, β = 1)
TW1_MEAN_SHIFT = 1.2065


def noise_variance(R: F64) -> float:
    """σ²: mean squared entry of the column-centred R (N x d)."""
    return float(np.mean((R - R.mean(axis=0)) ** 2))


def mp_edges(sigma2: float, gamma: float) -> tuple[float, float]:
    """Bulk edges λ± = σ² (1 ± √γ)²."""
    return sigma2 * (1 - np.sqrt(gamma)) ** 2, sigma2 * (1 + np.sqrt(gamma)) ** 2


def mp_density(lam: NDArray[np.floating], *, sigma2: float, gamma: float) -> F64:
    """Continuous part of the Marchenko-Pastur density (module docstring).

    Args:
        lam: eigenvalues at which to evaluate it (any shape).
        sigma2, gamma: the law's σ² and γ = N / d.
    Returns:
        ρ(λ), 0 outside (λ-, λ+); integrates to min(1, 1/γ).
    """
    lam = np.asarray(lam, dtype=np.float64)
    lo, hi = mp_edges(sigma2, gamma)
    inside = (lam > lo) & (lam < hi)
    out = np.zeros_like(lam)
    x = lam[inside]
    out[inside] = np.sqrt((hi - x) * (x - lo)) / (2 * np.pi * gamma * sigma2 * x)
    return out


def mp_atom(gamma: float) -> float:
    """Mass of the Marchenko-Pastur law at λ = 0: max(0, 1 - 1/γ)."""
    return 1.0 - 1.0 / gamma if gamma > 1 else 0.0


def gamma_from_edge(edge: float, sigma2: float) -> float:
    """γ = (sqrt(λ_edge / σ²) - 1)², 0 when the edge is not above σ²."""
    return float(max(np.sqrt(edge / sigma2) - 1.0, 0.0) ** 2)


def tracy_widom_scale(sigma2: float, gamma: float, n: int) -> float:
    """Fluctuation scale of the top bulk eigenvalue for N = n rows, d = n / γ."""
    g = max(gamma, 1e-12)
    return float(
        sigma2
        * (1 + np.sqrt(g))
        * (1 + 1 / np.sqrt(g)) ** (1 / 3)
        * (n / g) ** (-2 / 3)
    )


def bbp_threshold(sigma2: float, gamma: float) -> float:
    """Smallest signal eigenvalue ℓ that makes an outlier: σ² √γ."""
    return float(sigma2 * np.sqrt(gamma))


def spike_outlier(strength: float, *, sigma2: float, gamma: float) -> float:
    """Predicted outlier of a rank-one signal ℓ (module docstring); NaN below BBP."""
    if strength <= bbp_threshold(sigma2, gamma):
        return float("nan")
    theta = strength / sigma2
    return float(sigma2 * (1 + theta) * (1 + gamma / theta))


def spike_strength(outlier: float, *, sigma2: float, gamma: float) -> float:
    """Signal ℓ whose outlier is ``outlier`` (inverse of :func:`spike_outlier`)."""
    if outlier <= mp_edges(sigma2, gamma)[1]:
        return float("nan")
    c = outlier - sigma2 * (1 + gamma)  # ℓ² - c ℓ + γ σ⁴ = 0, larger root
    return float((c + np.sqrt(max(c * c - 4 * gamma * sigma2**2, 0.0))) / 2)


@dataclass(frozen=True)
class MPFit:
    """Marchenko-Pastur fit of the spectrum of R R^T / d.

    Attributes:
        n, d: rows (pairs) and columns (coordinates) of R.
        sigma2, gamma, d_eff: fitted bulk (d_eff = n / γ).
        lower, upper: bulk edges λ±.
        eigenvalues: the min(n, d) eigenvalues, descending.
        outliers: the leading eigenvalues taken as spikes (maybe none).
        signal: ℓ̂ = n ||⟨r⟩||² / d - σ², the mean-spike strength.
        predicted: :func:`spike_outlier` of ``signal`` (NaN below BBP).
    """

    n: int
    d: int
    sigma2: float
    gamma: float
    d_eff: float
    lower: float
    upper: float
    eigenvalues: F64
    outliers: F64
    signal: float
    predicted: float


def fit_marchenko_pastur(
    R: F64, *, margin: float, max_outliers: int, edge_shift: float
) -> MPFit:
    """Fit σ², γ and the outliers of R R^T / d as in the module docstring.

    Args:
        R: (N, d) task vectors.
        margin: gap, in Tracy-Widom units, that makes an eigenvalue an outlier.
        max_outliers: at most this many outliers are looked for.
        edge_shift: Tracy-Widom units added to the largest bulk eigenvalue to
            estimate λ+: 0 is the paper's estimator (λ+ = that eigenvalue), which
            puts λ+ too low by |E TW1| = 1.21 units on average (γ ~2-3 % low at
            N = 500, more for small N); :data:`TW1_MEAN_SHIFT` removes that bias.
    """
    n, d = R.shape
    if min(n, d) < 2:
        raise QwemInputError(f"R of shape {R.shape}: need at least 2 rows and columns")
    if margin <= 0 or max_outliers < 0:
        raise QwemConfigError(
            f"rmt.margin must be > 0 and rmt.max_outliers >= 0, got {margin} and "
            f"{max_outliers}"
        )
    sigma2 = noise_variance(R)
    if not sigma2 > 0:
        raise QwemInputError(
            f"R of shape {R.shape}: all task vectors are equal (no noise to fit); "
            "check the embedding and the family's word pairs"
        )
    lam = gram_eigenvalues(R) / d
    k = 0
    while k < min(max_outliers, lam.size - 2):
        g = gamma_from_edge(lam[k + 1], sigma2)
        if lam[k] - lam[k + 1] <= margin * tracy_widom_scale(sigma2, g, n):
            break
        k += 1
    gamma = gamma_from_edge(lam[k], sigma2)
    for _ in range(4):  # fixed point: the shift's scale depends on γ only weakly
        shift = edge_shift * tracy_widom_scale(sigma2, gamma, n)
        gamma = gamma_from_edge(lam[k] + shift, sigma2)
    lower, upper = mp_edges(sigma2, gamma)
    signal = max(n * float(np.sum(R.mean(axis=0) ** 2)) / d - sigma2, 0.0)
    return MPFit(
        n=n,
        d=d,
        sigma2=sigma2,
        gamma=gamma,
        d_eff=n / gamma if gamma > 0 else float("inf"),
        lower=lower,
        upper=upper,
        eigenvalues=lam,
        outliers=lam[:k],
        signal=signal,
        predicted=spike_outlier(signal, sigma2=sigma2, gamma=gamma),
    )


def snr(R: F64) -> float:
    """SNR(d) = λ_max(R R^T) / (tr(R R^T) / rank), the top over the mean nonzero one.

    The rank is numerical (eigenvalues above λ_max max(N, d) ε); scale-free, so
    R R^T and R R^T / d give the same value.
    """
    lam = gram_eigenvalues(R)
    if lam.size == 0 or lam[0] == 0:
        return float("nan")
    rank = int(np.sum(lam > lam[0] * max(R.shape) * np.finfo(np.float64).eps))
    return float(lam[0] / (lam.sum() / rank))


def gram_eigenvalues(R: F64) -> F64:
    """The min(N, d) eigenvalues of R R^T (N x d R), descending, clipped at 0.

    From the smaller Gram matrix (R R^T or R^T R, same nonzero spectrum) with
    ``eigvalsh``: N = 35 pairs by d = 4096 is a 35 x 35 problem.
    """
    G = R @ R.T if R.shape[0] <= R.shape[1] else R.T @ R
    return np.maximum(np.linalg.eigvalsh(G)[::-1], 0.0)
