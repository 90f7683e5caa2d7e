"""Random-matrix figures: Fig. 4 (MP, localisation, SNR, accuracy), top-1 scores."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from qwem.plots.common import new_figure, not_available, note_panel


@dataclass(frozen=True)
class MPChoice:
    """The family and dimensions of the Marchenko-Pastur panels, and why.

    Attributes:
        family: the family drawn, or None when no family has enough pairs.
        pairs: N, its in-vocabulary pairs (or the largest N when none qualifies).
        dims: the d with a fitted spectrum, increasing.
        note: why another family than the preferred one (or none) is shown.
    """

    family: str | None
    pairs: int
    dims: list[int]
    note: str = ""


def pick_mp_family(fits: pd.DataFrame, *, preferred: str, min_pairs: int) -> MPChoice:
    """The family of the MP panels: ``preferred`` if it has N >= ``min_pairs``.

    The spectrum of R_d R_d^T / d has N eigenvalues (N pairs), so a bulk fit
    on a handful of eigenvalues means little. Otherwise the family with the
    most pairs among those with N >= ``min_pairs`` (first listed on ties), or
    none.

    Args:
        fits: ``rmt/fits.csv`` (family, d, n, sigma2, gamma, ...).
        preferred: ``plots.mp_family``.
        min_pairs: ``plots.mp_min_pairs``.

    Returns:
        The choice; its dims are those of the family whose fit is finite.
    """
    sizes = fits.groupby("family", sort=False)["n"].max().astype(int)
    if sizes.empty:
        return MPChoice(None, 0, [], "no Marchenko-Pastur fits (rmt/fits.csv is empty)")
    ok = sizes[sizes >= min_pairs]
    if preferred in ok.index:
        family, note = preferred, ""
    elif not ok.empty:
        family = str(ok.idxmax())
        had = f"N = {sizes[preferred]}" if preferred in sizes.index else "no fit"
        note = f"{preferred} has {had} < {min_pairs} pairs; showing {family}"
    else:
        largest = str(sizes.idxmax())
        return MPChoice(
            None,
            int(sizes.max()),
            [],
            f"Marchenko-Pastur panels omitted: no analogy family has at least "
            f"{min_pairs} in-vocabulary pairs (plots.mp_min_pairs); the largest "
            f"is {largest} with N = {int(sizes.max())}",
        )
    rows = fits[(fits["family"] == family)]
    rows = rows[np.isfinite(rows[["sigma2", "gamma"]].to_numpy(dtype=float)).all(1)]
    return MPChoice(family, int(sizes[family]), sorted(map(int, rows["d"])), note)


def _mp_panel(
    ax: Axes,
    eig: pd.DataFrame,
    density: pd.DataFrame,
    d: int,
    pick: MPChoice,
    bins: int,
) -> None:
    """Histogram of one spectrum with its MP density and outliers marked."""
    values = eig["eigenvalue"].to_numpy(dtype=float)
    outlier = eig["outlier"].astype(str).str.lower().eq("true").to_numpy()
    bulk = values[~outlier]
    if bulk.size:
        # weight so that the bulk histogram integrates to 1, like the MP density
        ax.hist(bulk, bins=bins, density=True, color="0.7", label="eigenvalues (bulk)")
    if not density.empty:
        ax.plot(
            density["eigenvalue"],
            density["density"],
            color="tab:blue",
            lw=1.5,
            label="Marchenko–Pastur fit",
        )
    for i, v in enumerate(values[outlier]):
        ax.axvline(
            v, color="tab:red", ls="--", lw=1.2, label="outlier" if i == 0 else None
        )
    ax.set(
        title=f"{pick.family}, d = {d}, N = {pick.pairs} pairs",
        xlabel="eigenvalue",
        ylabel="density",
    )
    ax.legend(fontsize=7)


def _localisation_panel(ax: Axes, loc: pd.DataFrame, family: str, modes: int) -> None:
    """Bars of the task-vector power per eigen-mode k."""
    sub = loc[(loc["family"] == family) & (loc["k"] <= modes)]
    ax.bar(sub["k"], sub["power"], color="tab:purple", width=0.8)
    ax.set(title=f"localisation: {family}", xlabel="eigen-mode k", ylabel="power")


def _sweep_panel(ax: Axes, sweep: pd.DataFrame, column: str, ylabel: str) -> None:
    """One sweep column vs d (log x), a line per family."""
    for family, sub in sweep.groupby("family", sort=False):
        sub = sub.sort_values("d")
        ax.plot(sub["d"], sub[column], marker="o", ms=3, lw=1.3, label=str(family))
    ax.set(
        xscale="log",
        xlabel="embedding dimension d",
        ylabel=ylabel,
        title=f"{ylabel} vs d",
    )
    ax.legend(fontsize=7)


def fig4_rmt(
    spectra: pd.DataFrame,
    density: pd.DataFrame,
    fits: pd.DataFrame,
    localisation: pd.DataFrame,
    sweep: pd.DataFrame,
    *,
    family: str,
    min_pairs: int,
    modes: int,
    bins: int,
) -> Figure:
    """Fig. 4: MP fits, localisation bars, SNR vs d and accuracy vs d.

    Args:
        spectra: ``rmt/spectra.csv`` (family, d, k, eigenvalue, outlier).
        density: ``rmt/density.csv`` (family, d, eigenvalue, density).
        fits: ``rmt/fits.csv`` (family, d, n, sigma2, gamma, ...).
        localisation: ``rmt/localisation.csv`` (family, k, power).
        sweep: ``rmt/sweep.csv`` (family, d, snr, accuracy, ...).
        family: preferred family of the MP panels (see :func:`pick_mp_family`).
        min_pairs: fewest pairs N a family needs for MP panels.
        modes: bars shown per family.
        bins: histogram bins.

    Returns:
        Three rows: MP panels per d (or a note why there are none),
        localisation per family, SNR and accuracy.
    """
    pick = pick_mp_family(fits, preferred=family, min_pairs=min_pairs)
    families = list(dict.fromkeys(localisation["family"]))
    ncols = max(len(pick.dims), len(families), 2)
    fig = new_figure(3.6 * ncols, 10)
    grid = fig.add_gridspec(3, ncols)
    if not pick.dims:
        note_panel(fig.add_subplot(grid[0, :]), pick.note or "no fitted spectra")
    for c, d in enumerate(pick.dims):
        eig = spectra[(spectra["family"] == pick.family) & (spectra["d"] == d)]
        dens = density[(density["family"] == pick.family) & (density["d"] == d)]
        _mp_panel(fig.add_subplot(grid[0, c]), eig, dens, d, pick, bins)
    if pick.dims and pick.note:
        fig.suptitle(pick.note, fontsize=10)
    if not families:
        not_available(fig.add_subplot(grid[1, :]), "localisation")
    for c, f in enumerate(families):
        _localisation_panel(fig.add_subplot(grid[1, c]), localisation, str(f), modes)
    half = ncols // 2
    for c0, c1, col, label in (
        (0, half, "snr", "SNR"),
        (half, ncols, "accuracy", "analogy accuracy"),
    ):
        ax = fig.add_subplot(grid[2, c0:c1])
        if sweep.empty:
            not_available(ax, label)
        else:
            _sweep_panel(ax, sweep, col, label)
    return fig


def appendix_top1(sweep: pd.DataFrame) -> Figure:
    """Top-1 cosine score and its ratio to the best competitor vs d, per family.

    Args:
        sweep: ``rmt/sweep.csv`` (family, d, top1_cos, top1_ratio, ...).

    Returns:
        Two panels.
    """
    fig = new_figure(11, 4.5)
    axes = fig.subplots(1, 2)
    for ax, (col, label) in zip(
        axes,
        (
            ("top1_cos", "top-1 cosine score"),
            ("top1_ratio", "top-1 score / best competitor"),
        ),
        strict=True,
    ):
        if sweep.empty or col not in sweep:
            not_available(ax, label)
            continue
        _sweep_panel(ax, sweep, col, label)
        if col == "top1_ratio":
            ax.axhline(1.0, color="k", lw=0.8, ls=":")
    return fig
