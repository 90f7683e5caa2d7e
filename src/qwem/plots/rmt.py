"""Random-matrix figures: Fig. 4 (MP, localisation, SNR, accuracy), top-1 scores."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from qwem.plots.common import new_figure, not_available


def pick_family(spectra: pd.DataFrame, preferred: str = "past-tense") -> str | None:
    """``preferred`` when ``spectra`` has it, else its first family (None if empty)."""
    families = list(dict.fromkeys(spectra["family"]))
    if preferred in families:
        return preferred
    return families[0] if families else None


def _mp_panel(
    ax: Axes, eig: pd.DataFrame, density: pd.DataFrame, d: int, family: str, bins: int
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
    ax.set(title=f"{family}, d = {d}", xlabel="eigenvalue", ylabel="density")
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
    localisation: pd.DataFrame,
    sweep: pd.DataFrame,
    *,
    family: str = "past-tense",
    modes: int = 30,
    bins: int = 15,
) -> Figure:
    """Fig. 4: MP fits, localisation bars, SNR vs d and accuracy vs d.

    Args:
        spectra: ``rmt/spectra.csv`` (family, d, k, eigenvalue, outlier).
        density: ``rmt/density.csv`` (family, d, eigenvalue, density).
        localisation: ``rmt/localisation.csv`` (family, k, power).
        sweep: ``rmt/sweep.csv`` (family, d, snr, accuracy, ...).
        family: family of the MP panels (else the first one present).
        modes: bars shown per family.
        bins: histogram bins.

    Returns:
        Three rows: MP panels per d, localisation per family, SNR and accuracy.
    """
    fam = pick_family(spectra, family)
    dims = sorted(spectra.loc[spectra["family"] == fam, "d"].unique()) if fam else []
    families = list(dict.fromkeys(localisation["family"]))
    ncols = max(len(dims), len(families), 2)
    fig = new_figure(3.6 * ncols, 10)
    grid = fig.add_gridspec(3, ncols)
    if not dims:
        not_available(fig.add_subplot(grid[0, :]), "eigenvalue spectra")
    for c, d in enumerate(dims):
        eig = spectra[(spectra["family"] == fam) & (spectra["d"] == d)]
        dens = density[(density["family"] == fam) & (density["d"] == d)]
        _mp_panel(fig.add_subplot(grid[0, c]), eig, dens, int(d), str(fam), bins)
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
