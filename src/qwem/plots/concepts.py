"""Concepts of M* (Fig. 3), overlap matrices and eigenvalue spectra (appendix)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from qwem.plots.common import new_figure, not_available


def concept_table(concepts: pd.DataFrame, directions: int, words: int) -> pd.DataFrame:
    """Word lists of the top directions: rows '+1..+n', '−1..−n', one column each.

    Args:
        concepts: ``concepts_<model>.csv`` (basis, direction, sign, rank, word, value).
        directions: how many directions (1..directions).
        words: words per sign.

    Returns:
        A (2 * words) x directions table of words ('' where missing).
    """
    rows = [f"+{r}" for r in range(1, words + 1)] + [
        f"−{r}" for r in range(1, words + 1)
    ]
    cols = {}
    for k in range(1, directions + 1):
        sub = concepts[(concepts["direction"] == k) & (concepts["rank"] <= words)]
        plus = sub[sub["sign"] == "+"].sort_values("rank")["word"].tolist()
        minus = sub[sub["sign"] == "-"].sort_values("rank")["word"].tolist()
        pad = [""] * words
        cols[f"direction {k}"] = (plus + pad)[:words] + (minus + pad)[:words]
    return pd.DataFrame(cols, index=rows)


def fig3_concepts(
    concepts: pd.DataFrame, *, directions: int, words: int, title: str = "M*"
) -> Figure:
    """Fig. 3: the most positive and most negative words of the top eigenvectors.

    Args:
        concepts: ``concepts_M_star.csv``.
        directions: eigenvectors shown.
        words: words per sign.
        title: model name in the title.

    Returns:
        A figure holding one table (red: positive end, blue: negative end).
    """
    fig = new_figure(2.0 * directions + 1, 0.3 * (2 * words) + 1.2)
    ax = fig.add_subplot()
    ax.axis("off")
    if concepts.empty:
        not_available(ax, "concepts")
        return fig
    table = concept_table(concepts, directions, words)
    colours = [["#fde0dd"] * directions] * words + [["#deebf7"] * directions] * words
    tab = ax.table(
        cellText=table.to_numpy().tolist(),
        rowLabels=list(table.index),
        colLabels=list(table.columns),
        cellColours=colours,
        cellLoc="center",
        loc="center",
    )
    tab.auto_set_font_size(False)
    tab.set_fontsize(9)
    tab.scale(1.0, 1.25)
    ax.set_title(
        f"Concepts of {title}: top {words} words at the positive (red) and "
        f"negative (blue) end of eigenvectors 1–{directions}"
    )
    return fig


def overlap_pairs(
    overlap: pd.DataFrame, wanted: Sequence[tuple[str, str]] = (), *, n: int
) -> list[tuple[str, str]]:
    """Model pairs to show: the wanted ones present (either order), then the first.

    Args:
        overlap: ``overlap_matrix.csv`` (model_a, model_b, i, j, overlap).
        wanted: preferred pairs (the workflow passes the Table 1 runs':
            trained SGNS with trained QWEM, trained SGNS with PPMI).
        n: how many pairs.

    Returns:
        Pairs as wanted (the matrix is transposed when stored the other way).
    """
    present = list(
        dict.fromkeys(zip(overlap["model_a"], overlap["model_b"], strict=True))
    )
    have = set(present)
    pairs = [p for p in wanted if p in have or p[::-1] in have]
    pairs += [p for p in present if p not in pairs and p[::-1] not in pairs]
    return pairs[:n]


def overlap_matrix(overlap: pd.DataFrame, a: str, b: str) -> np.ndarray:
    """The matrix (v_i · ṽ_j)² of models a (rows i) and b (columns j)."""
    sub = overlap[(overlap["model_a"] == a) & (overlap["model_b"] == b)]
    if sub.empty:
        sub = overlap[(overlap["model_a"] == b) & (overlap["model_b"] == a)]
        sub = sub.rename(columns={"i": "j", "j": "i"})
    return sub.pivot(index="i", columns="j", values="overlap").sort_index().to_numpy()


def _heatmap(ax: Axes, mat: np.ndarray, a: str, b: str) -> None:
    """One overlap heatmap with 1-based ticks."""
    n_i, n_j = mat.shape
    im = ax.imshow(
        mat,
        cmap="magma",
        vmin=0.0,
        vmax=1.0,
        origin="upper",
        extent=(0.5, n_j + 0.5, n_i + 0.5, 0.5),
    )
    ax.set(
        xlabel=f"{b}: singular vector j",
        ylabel=f"{a}: singular vector i",
        title=f"{a} ↔ {b}",
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.figure.colorbar(im, ax=ax, label=r"$(v_i \cdot \tilde v_j)^2$", shrink=0.8)


def appendix_overlap(overlap: pd.DataFrame, pairs: Sequence[tuple[str, str]]) -> Figure:
    """Overlap matrices of the top singular vectors of two model pairs.

    Args:
        overlap: ``overlap_matrix.csv``.
        pairs: (model_a, model_b) per panel (see :func:`overlap_pairs`).

    Returns:
        One heatmap per pair.
    """
    fig = new_figure(6 * max(len(pairs), 1), 5)
    axes = fig.subplots(1, max(len(pairs), 1), squeeze=False)[0]
    if not pairs:
        not_available(axes[0], "overlap matrices")
    for ax, (a, b) in zip(axes, pairs, strict=False):
        _heatmap(ax, overlap_matrix(overlap, a, b), a, b)
    return fig


def spectrum_slopes(spectra: pd.DataFrame) -> pd.DataFrame:
    """Power-law exponent of each target's spectrum, fitted on log-log axes.

    Ordinary least squares of log λ_k on log k over every rank k whose
    eigenvalue is positive (the top d of each target).

    Args:
        spectra: ``spectra.csv`` (target, k, eigenvalue).

    Returns:
        One row per target with a fit (at least two positive eigenvalues):
        target, k_min, k_max, points, slope (the exponent b of λ_k ∝ k^b).
    """
    rows = []
    pos = spectra[spectra["eigenvalue"] > 0]
    for target, sub in pos.groupby("target", sort=False):
        if len(sub) < 2:
            continue
        k = sub["k"].to_numpy(dtype=np.float64)
        lam = sub["eigenvalue"].to_numpy(dtype=np.float64)
        slope = float(np.polyfit(np.log(k), np.log(lam), 1)[0])
        rows.append(
            {
                "target": str(target),
                "k_min": int(k.min()),
                "k_max": int(k.max()),
                "points": len(sub),
                "slope": slope,
            }
        )
    return pd.DataFrame(rows, columns=["target", "k_min", "k_max", "points", "slope"])


def appendix_spectra(spectra: pd.DataFrame, *, slope: float) -> Figure:
    """Positive eigenvalues vs k of each target on log–log axes, fitted slopes.

    Args:
        spectra: ``spectra.csv`` (target, k, eigenvalue).
        slope: exponent of a reference guide line (the paper's k^-0.6).

    Returns:
        A single-panel figure; each target's legend entry gives its fitted
        exponent (:func:`spectrum_slopes`).
    """
    fig = new_figure(7, 5)
    ax = fig.add_subplot()
    pos = spectra[spectra["eigenvalue"] > 0]
    if pos.empty:
        not_available(ax, "eigenvalue spectra")
        return fig
    fitted = spectrum_slopes(spectra).set_index("target")["slope"]
    for target, sub in pos.groupby("target", sort=False):
        label = str(target)
        if target in fitted.index:
            label += f" (fit $\\propto k^{{{fitted[target]:.2f}}}$)"
        ax.plot(sub["k"], sub["eigenvalue"], marker=".", ms=3, lw=1.2, label=label)
    k = np.arange(1, int(pos["k"].max()) + 1)
    first = pos[pos["k"] == 1].set_index("target")["eigenvalue"]
    anchor = first.get("M_star", first.max())
    ax.plot(
        k,
        anchor * k**slope,
        color="k",
        ls="--",
        lw=1.0,
        label=f"reference $\\propto k^{{{slope:g}}}$",
    )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="rank k",
        ylabel=r"eigenvalue $\lambda_k$",
        title="Spectra of the targets (positive eigenvalues)",
    )
    ax.legend()
    return fig
