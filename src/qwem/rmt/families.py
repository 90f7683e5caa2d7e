"""Analogy families in the eigenbasis: task vectors, their spectra, SNR vs d.

docs/method.md#random-matrix-analyses and Fig. 4. For each family, R_d (N x d)
stacks the task vectors r_n = w_{b_n} - w_{a_n} on the first d coordinates of
W = U_D Λ_D^{1/2};
its spectrum is fitted with :mod:`qwem.rmt.spiked`, its signal-to-noise ratio
and the family's analogy accuracy are traced against d, and the mean task
vector's power is resolved over the eigendirections (localisation).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from qwem.errors import QwemConfigError, QwemInputError
from qwem.evaluate import analogy_scores, category_pairs, paper_analogies, word_ids
from qwem.rmt.spiked import MPFit, fit_marchenko_pastur, mp_density, snr

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]

# the paper's five families (Fig. 4) and their Google categories
FAMILIES = {
    "nationality-adjective": "gram6-nationality-adjective",
    "family": "family",
    "past-tense": "gram7-past-tense",
    "adjective-to-adverb": "gram1-adjective-to-adverb",
    "opposite": "gram2-opposite",
}


def eigen_embedding(values: F64, vectors: F64) -> F64:
    """W = U Λ^{1/2} over the positive eigenvalues, largest first.

    The eigenpairs are put in descending order, then embedded by
    :func:`qwem.spectral.closed_form.embed` (docs/method.md#models).

    Args:
        values: (D,) eigenvalues; vectors: (V, D) eigenvectors as columns.
    Returns:
        (V, D') float64, D' = number of positive eigenvalues.
    """
    from qwem.spectral import Eigenpairs
    from qwem.spectral.closed_form import embed

    if vectors.ndim != 2 or vectors.shape[1] != values.size:
        raise QwemInputError(
            f"{values.size} eigenvalues for eigenvectors of shape {vectors.shape}"
        )
    order = np.argsort(-values, kind="stable")
    if np.any(order != np.arange(values.size)):
        values, vectors = values[order], vectors[:, order]
    pairs = Eigenpairs(values, vectors, np.full(values.shape, np.nan), "given", 0.0)
    return np.asarray(embed(pairs, name="eigenpairs").W, dtype=np.float64)


def family_pairs(
    questions: pd.DataFrame, words: list[str], family: str
) -> pd.DataFrame:
    """In-vocabulary (a, b) pairs of a family (short name or Google category)."""
    category = FAMILIES.get(family, family)
    pairs = category_pairs(questions, words)
    pairs = pairs[pairs["category"] == category].reset_index(drop=True)
    if len(pairs) < 2:
        raise QwemInputError(
            f"analogy family {family!r} has {len(pairs)} in-vocabulary pairs; "
            f"need at least 2 (families: {', '.join(FAMILIES)})"
        )
    return pairs


def task_vectors(
    W: F64, words: list[str], pairs: pd.DataFrame, d: int | None = None
) -> F64:
    """R_d: (N, d) rows r_n = w_{b_n} - w_{a_n} on the first d coordinates.

    Args:
        W: (V, D) embeddings in the eigenbasis; words: its V words.
        pairs: columns a, b (as from :func:`family_pairs`).
        d: coordinates kept; None keeps all D.
    """
    index = pd.Index(words)
    a = index.get_indexer(pd.Index(pairs["a"]))
    b = index.get_indexer(pd.Index(pairs["b"]))
    if (a < 0).any() or (b < 0).any():
        raise QwemInputError("a task-vector pair has a word outside the vocabulary")
    cols = slice(None) if d is None else slice(0, d)
    return np.asarray(W[b, cols] - W[a, cols], dtype=np.float64)


def log_grid(lo: int, hi: int, points: int) -> NDArray[np.int64]:
    """``points`` log-spaced integers from lo to hi (both kept), duplicates dropped."""
    if not 1 <= lo <= hi or points < 1:
        raise QwemConfigError(
            f"need 1 <= d_min <= d_max and points >= 1, got {lo}, {hi}, {points}"
        )
    return np.unique(np.round(np.geomspace(lo, hi, points)).astype(np.int64))


@dataclass(frozen=True)
class SpectrumTables:
    """Tables of the Marchenko-Pastur panels (one block per family and d).

    Attributes:
        eigenvalues: family, d, k (1-based), eigenvalue, outlier (bool).
        fits: family, d, n, sigma2, gamma, d_eff, lower, upper, n_outliers,
            top_eigenvalue, signal, predicted (the :class:`MPFit` numbers).
        density: family, d, eigenvalue, density (fitted continuous MP part).
    """

    eigenvalues: pd.DataFrame
    fits: pd.DataFrame
    density: pd.DataFrame


def spectrum_tables(
    W: F64,
    words: list[str],
    questions: pd.DataFrame,
    *,
    families: list[str],
    dims: list[int],
    margin: float,
    max_outliers: int,
    edge_shift: float,
    points: int,
) -> SpectrumTables:
    """MP fits of R_d R_d^T / d for each family and each d (histogram panels).

    Args:
        W: (V, D) embeddings in the eigenbasis (:func:`eigen_embedding`).
        words: the V words; questions: the analogy file.
        families: keys of :data:`FAMILIES` (or Google categories).
        dims: the d of the panels (those above D are skipped).
        margin, max_outliers, edge_shift: see :func:`fit_marchenko_pastur`.
        points: grid points of the fitted density across [λ-, λ+].
    """
    eig, fits, dens = [], [], []
    usable = _usable(dims, W.shape[1])
    for family in families:
        R = task_vectors(W, words, family_pairs(questions, words, family))
        for d in usable:
            fit = fit_marchenko_pastur(
                R[:, :d],
                margin=margin,
                max_outliers=max_outliers,
                edge_shift=edge_shift,
            )
            labels = {"family": family, "d": d}
            lam = fit.eigenvalues
            k = np.arange(lam.size)
            outlier = k < fit.outliers.size
            eig.append(
                pd.DataFrame(
                    {**labels, "k": k + 1, "eigenvalue": lam, "outlier": outlier}
                )
            )
            fits.append({**labels, **_fit_row(fit)})
            grid = np.linspace(fit.lower, fit.upper, points)
            density = mp_density(grid, sigma2=fit.sigma2, gamma=fit.gamma)
            dens.append(
                pd.DataFrame({**labels, "eigenvalue": grid, "density": density})
            )
    return SpectrumTables(
        pd.concat(eig, ignore_index=True),
        pd.DataFrame(fits),
        pd.concat(dens, ignore_index=True),
    )


def _fit_row(fit: MPFit) -> dict[str, float]:
    """The numbers of one fit, as a row of the fits table."""
    return {
        "n": fit.n,
        "sigma2": fit.sigma2,
        "gamma": fit.gamma,
        "d_eff": fit.d_eff,
        "lower": fit.lower,
        "upper": fit.upper,
        "n_outliers": fit.outliers.size,
        "top_eigenvalue": float(fit.eigenvalues[0]),
        "signal": fit.signal,
        "predicted": fit.predicted,
    }


def family_sweep(
    W: F64,
    words: list[str],
    questions: pd.DataFrame,
    *,
    families: list[str],
    dims: list[int],
) -> pd.DataFrame:
    """SNR(d), analogy accuracy and top-1 scores vs d for each family (Fig. 4, appx).

    Analogies are the family's protocol-(b) questions, searched over all V words
    with the first d columns of W.

    Returns:
        Columns family, d, pairs (N), questions, snr, accuracy, top1_cos (mean
        cos(x̂, w_target)), top1_competitor (mean best cos over the other
        words), top1_ratio (mean of the per-question ratio of the two).
    """
    from qwem.runtime import progress

    paper = paper_analogies(questions, words)
    usable = _usable(dims, W.shape[1])
    jobs = [(f, d) for f in families for d in usable]
    cache: dict[str, tuple[F64, NDArray[np.int64]]] = {}
    rows = []
    for family, d in progress(jobs, desc="rmt sweep", unit="d"):
        if family not in cache:
            R = task_vectors(W, words, family_pairs(questions, words, family))
            qs = paper[paper["category"] == FAMILIES.get(family, family)]
            cache[family] = (R, word_ids(qs, words))
        R, abcd = cache[family]
        s = analogy_scores(W[:, :d], abcd)
        rows.append(
            {
                "family": family,
                "d": d,
                "pairs": R.shape[0],
                "questions": abcd.shape[0],
                "snr": snr(R[:, :d]),
                "accuracy": float(np.mean(s.predicted == abcd[:, 3])),
                "top1_cos": float(np.mean(s.target_cos)),
                "top1_competitor": float(np.mean(s.competitor_cos)),
                "top1_ratio": float(np.mean(s.target_cos / s.competitor_cos)),
            }
        )
    return pd.DataFrame(rows)


def localisation_table(
    W: F64,
    words: list[str],
    questions: pd.DataFrame,
    *,
    families: list[str],
    modes: int,
) -> pd.DataFrame:
    """Power of the mean task vector ⟨r⟩ on each of the first ``modes`` eigendirections.

    In the eigenbasis (W = U Λ^{1/2}) the k-th eigendirection is the k-th
    coordinate, so the power (⟨r⟩^T u_k)² is ⟨r⟩_k², normalised to sum 1 over
    the first ``modes`` coordinates.

    Returns:
        Columns family, k (1-based), power.
    """
    modes = min(modes, W.shape[1])
    frames = []
    for family in families:
        R = task_vectors(W, words, family_pairs(questions, words, family), modes)
        power = R.mean(axis=0) ** 2
        frames.append(
            pd.DataFrame(
                {
                    "family": family,
                    "k": np.arange(1, modes + 1),
                    "power": power / power.sum(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _usable(dims: list[int], D: int) -> list[int]:
    """The requested d that fit in D columns (a note in the log for the others)."""
    kept = [int(d) for d in dims if 1 <= d <= D]
    if len(kept) < len(dims):
        logger.info("d above D = %d skipped: %s", D, sorted(set(dims) - set(kept)))
    return kept
