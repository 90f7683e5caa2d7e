"""Training dynamics: Fig. 1 (loss, singular values, embeddings), Fig. 2, ablations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import NDArray

from qwem.plots.common import mode_colors, new_figure, not_available, sv_columns
from qwem.plots.traces import Snapshot, tau1, theory_at

#: Cells of the ablation grid: ``roles.ablation`` slot -> panel title (paper's order).
ABLATION_TITLES = {
    "sgns": "regular SGNS",
    "quartic": "quartic loss only",
    "setting31": "Setting 3.1 only",
    "qwem": "both = QWEM",
}
#: Fig. 2 panels: init size -> title word; slots are '<loss>-<size>'.
FIG2_PANELS = ("large", "small")
#: Fig. 2 line style per loss.
FIG2_STYLES = {"qwem": ("QWEM", "-"), "sgns": ("word2vec", "--")}


@dataclass
class RunData:
    """What Fig. 1 needs of one training run.

    Attributes:
        label: row title (e.g. "QWEM").
        trace: the run's ``trace.csv`` (step, t, loss, sv_1...).
        final: W at the last checkpoint (V x d), whose PCA directions span
            the embedding panels; None when missing.
        snapshots: the chosen snapshots and their W.
        init: the run's init scale, to pick the theory curves (None: no theory).
    """

    label: str
    trace: pd.DataFrame
    final: NDArray[np.floating] | None = None
    snapshots: list[tuple[Snapshot, NDArray[np.floating]]] = field(default_factory=list)
    init: float | None = None


def projection_basis(W: NDArray[np.floating], dirs: Sequence[int] = (1, 3)) -> NDArray:
    """Right singular vectors (PCA directions, uncentred) number ``dirs`` of W.

    Args:
        W: embeddings, V x d.
        dirs: 1-based direction numbers.

    Returns:
        d x len(dirs) matrix.
    """
    _, _, vt = np.linalg.svd(np.asarray(W, dtype=float), full_matrices=False)
    return np.asarray(vt[[k - 1 for k in dirs]].T)


def label_words(proj: NDArray[np.floating], among: int, n: int) -> list[int]:
    """Indices of the words at the extremes of each projected axis.

    Args:
        proj: V x 2 projections of the final embeddings (rows by frequency).
        among: only the first ``among`` (most frequent) words are candidates.
        n: how many words in total (split over the two axes' ends).

    Returns:
        Distinct word indices.
    """
    cand = proj[: min(among, len(proj))]
    per_end = max(1, n // 4)
    picked: list[int] = []
    for col in range(proj.shape[1]):
        order = np.argsort(cand[:, col])
        for i in [*order[-per_end:][::-1], *order[:per_end]]:
            if int(i) not in picked:
                picked.append(int(i))
    return picked[:n]


def _sv_panel(
    ax: Axes, trace: pd.DataFrame, theory: pd.DataFrame | None, modes: int, title: str
) -> None:
    """Singular values vs t (solid) with theory curves (dotted)."""
    cols = sv_columns(trace)[:modes]
    colors = mode_colors(len(cols))
    for k, (col, c) in enumerate(zip(cols, colors, strict=True), start=1):
        ax.plot(trace["t"], trace[col], color=c, lw=1.4)
        if theory is not None:
            th = theory[(theory["mode"] == k) & (theory["t"] <= trace["t"].max())]
            ax.plot(th["t"], th["s"], color=c, lw=1.2, ls=":")
    handles = [Line2D([], [], color="k", lw=1.4, label="SGD")]
    if theory is not None:
        handles.append(Line2D([], [], color="k", ls=":", label="theory"))
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    ax.set(title=title, xlabel="t (theory time)", ylabel="singular value $s_k$")


def _scatter_panel(
    ax: Axes,
    run: RunData,
    snap: Snapshot,
    W: NDArray,
    basis: NDArray,
    labels: list[int],
    words: Sequence[str],
    lim: float,
) -> None:
    """Embeddings of one snapshot projected on the two basis directions."""
    proj = W @ basis
    ax.scatter(proj[:, 0], proj[:, 1], s=2, alpha=0.3, color="tab:blue", lw=0)
    for i in labels:
        ax.annotate(words[i], proj[i], fontsize=7, color="tab:red")
    ax.scatter(proj[labels, 0], proj[labels, 1], s=8, color="tab:red")
    t = float(np.interp(snap.step, run.trace["step"], run.trace["t"]))
    ax.set(
        xlim=(-lim, lim),
        ylim=(-lim, lim),
        xlabel="PCA direction 1",
        ylabel="PCA direction 3",
    )
    title = f"effective rank {snap.rank}: step {snap.step}, t = {t:.3g}"
    if snap.rank != snap.wanted:
        title += f"\n(no snapshot at rank {snap.wanted})"
    ax.set_title(title, fontsize=9)
    ax.ticklabel_format(style="sci", scilimits=(-2, 3))


def _embedding_panels(
    axes: Sequence[Axes], run: RunData, words: Sequence[str], n_labels: int, among: int
) -> None:
    """Three snapshot panels of one run, on common axis limits."""
    if run.final is None or not run.snapshots:
        for ax in axes:
            not_available(ax, f"{run.label} embedding snapshots")
        return
    basis = projection_basis(run.final)
    labels = label_words(run.final @ basis, among, n_labels)
    lim = max(float(np.abs(W @ basis).max()) for _, W in run.snapshots) * 1.1
    for ax, (snap, W) in zip(axes, run.snapshots, strict=False):
        _scatter_panel(ax, run, snap, W, basis, labels, words, lim or 1.0)
    for ax in axes[len(run.snapshots) :]:
        not_available(ax, "snapshot")


def fig1_dynamics(
    qwem: RunData | None,
    sgns: RunData | None,
    theory: pd.DataFrame,
    words: Sequence[str],
    *,
    modes: int,
    n_labels: int,
    among: int,
) -> Figure:
    """Fig. 1: QWEM (top) vs word2vec (bottom): loss, singular values, embeddings.

    Args:
        qwem: the QWEM run (theory curves drawn at its init), or None.
        sgns: the word2vec (SGNS) run, or None.
        theory: ``theory.csv``.
        words: vocabulary in frequency order (rows of W).
        modes: singular values shown.
        n_labels: labelled words per embedding panel.
        among: labelled words come from this many most frequent words.

    Returns:
        A 2 x 5 figure.
    """
    fig = new_figure(21, 8)
    grid = fig.add_gridspec(2, 5, width_ratios=[1.2, 1.2, 1, 1, 1])
    for row, run in enumerate((qwem, sgns)):
        axes = [fig.add_subplot(grid[row, c]) for c in range(5)]
        name = ("QWEM", "word2vec")[row]
        if run is None:
            for ax in axes:
                not_available(ax, f"{name} run")
            continue
        axes[0].plot(run.trace["t"], run.trace["loss"], color="k", lw=1.2)
        axes[0].set(
            title=f"{run.label}: training loss",
            xlabel="t (theory time)",
            ylabel="loss (per pair, up to a constant)",
        )
        th = theory_at(theory, run.init) if row == 0 and run.init else None
        _sv_panel(
            axes[1], run.trace, th, modes, f"{run.label}: top {modes} singular values"
        )
        _embedding_panels(axes[2:], run, words, n_labels, among)
    return fig


def _rescaled_panel(
    ax: Axes,
    theory: pd.DataFrame,
    runs: Mapping[str, tuple[pd.DataFrame, float]],
    modes: int,
    size: str,
) -> None:
    """Singular values vs t/τ₁ of one panel's runs (each by its own τ₁) and theory."""
    if not runs:
        not_available(ax, f"{size}-init runs")
        return
    colors = mode_colors(modes)
    init = next(iter(runs.values()))[1]
    th, tau = theory_at(theory, init), tau1(theory, init)
    for k in range(1, modes + 1):
        m = th[(th["mode"] == k) & (th["t_over_tau1"] > 0)]
        ax.plot(m["t_over_tau1"], m["s"], color="k", ls=":", lw=1.0)
    handles = [Line2D([], [], color="k", ls=":", label="theory")]
    for slot, (trace, run_init) in runs.items():
        label, style = FIG2_STYLES[slot.split("-")[0]]
        x = trace["t"] / tau1(theory, run_init)
        for col, c in zip(sv_columns(trace)[:modes], colors, strict=False):
            ax.plot(x[x > 0], trace[col][x > 0], color=c, ls=style, lw=1.3)
        handles.append(Line2D([], [], color="tab:blue", ls=style, label=label))
    ax.set_xscale("log")
    ax.legend(handles=handles, loc="upper left", fontsize=9)
    ax.set(
        xlabel=r"rescaled time $t/\tau_1$ (t from each run's trace)",
        ylabel="singular value $s_k$",
        title=f"{size} init {init:g}  ($\\tau_1$ = {tau:.3g})",
    )


def fig2_rescaled(
    theory: pd.DataFrame,
    runs: Mapping[str, tuple[pd.DataFrame, float]],
    *,
    modes: int,
) -> Figure:
    """Fig. 2: singular values vs t/τ₁ for word2vec, QWEM and theory.

    Every run is drawn against its own trace's theory time t divided by the
    theory's τ₁ at the run's init; the theory curves of a panel are those at
    the init of its first run.

    Args:
        theory: ``theory.csv`` (curves at every run's init).
        runs: ``roles.fig2`` slot ('qwem-small', 'sgns-large', ...) ->
            (trace, init); a panel per init size, large then small.
        modes: singular values shown.

    Returns:
        Two panels (an empty one says which runs are missing).
    """
    fig = new_figure(13, 5)
    axes = fig.subplots(1, len(FIG2_PANELS), squeeze=False)[0]
    for ax, size in zip(axes, FIG2_PANELS, strict=True):
        panel = {s: r for s, r in runs.items() if s.endswith(f"-{size}")}
        _rescaled_panel(ax, theory, panel, modes, size)
    fig.suptitle("Singular values vs rescaled time (colour: mode k, dark = k = 1)")
    return fig


def appendix_ablation(
    traces: Mapping[str, pd.DataFrame | None], *, modes: int
) -> Figure:
    """Ablation grid: singular values vs t for the four loss/reweighting settings.

    Args:
        traces: panel title -> trace (None: not run), in display order (up to 4).
        modes: singular values shown.

    Returns:
        A 2 x 2 figure.
    """
    fig = new_figure(11, 8.5)
    axes = fig.subplots(2, 2).ravel()
    for ax, (title, trace) in zip(axes, traces.items(), strict=False):
        if trace is None or trace.empty:
            not_available(ax, f"{title} run")
            continue
        for col, c in zip(sv_columns(trace)[:modes], mode_colors(modes), strict=False):
            x = trace["t"].to_numpy()
            ax.plot(x[x > 0], trace[col].to_numpy()[x > 0], color=c, lw=1.3)
        ax.set_xscale("log")
        ax.set(title=title, xlabel="t (theory time)", ylabel="singular value $s_k$")
    for ax in axes[len(traces) :]:
        not_available(ax, "panel")
    fig.suptitle(f"Ablation: top {modes} singular values (dark = mode 1)")
    return fig
