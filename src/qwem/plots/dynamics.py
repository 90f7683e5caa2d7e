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

#: Panels of the ablation grid: title -> run name (paper's order).
ABLATION_PANELS = {
    "regular SGNS": "sgns_large",
    "quartic loss only": "ablation_quartic",
    "Setting 3.1 only": "ablation_setting31",
    "both = QWEM": "qwem_large",
}


@dataclass
class RunData:
    """What Fig. 1 needs of one training run.

    Attributes:
        label: row title (e.g. "QWEM").
        trace: the run's ``trace.csv`` (step, t, loss, sv_1...).
        final: final embeddings W (V x d), or None when missing.
        snapshots: step -> W at that step (the chosen snapshots only).
        init: the run's init scale, to pick the theory curves (None: no theory).
    """

    label: str
    trace: pd.DataFrame
    final: NDArray[np.floating] | None = None
    snapshots: dict[int, NDArray[np.floating]] = field(default_factory=dict)
    init: float | None = None


def theory_at_init(theory: pd.DataFrame, init: float) -> pd.DataFrame:
    """Theory curves of the init closest (in log scale) to ``init``.

    Args:
        theory: ``theory.csv`` (t, t_over_tau1, mode, lambda, u, s, tau, init).
        init: the wanted init scale.

    Returns:
        The rows of that init.
    """
    inits = np.unique(theory["init"].to_numpy(dtype=float))
    best = inits[np.argmin(np.abs(np.log(inits) - np.log(init)))]
    return theory[theory["init"] == best]


def tau1(theory: pd.DataFrame, init: float) -> float:
    """Learning time τ₁ of mode 1 at the init closest to ``init``."""
    sub = theory_at_init(theory, init)
    return float(sub.loc[sub["mode"] == 1, "tau"].iloc[0])


def trace_ranks(trace: pd.DataFrame, frac: float = 0.1) -> NDArray[np.int64]:
    """Rank per trace row: singular values above ``frac`` × the largest ever.

    Args:
        trace: ``trace.csv``.
        frac: threshold as a fraction of the largest traced singular value.

    Returns:
        One integer per row.
    """
    sv = trace[sv_columns(trace)].to_numpy(dtype=float)
    top = float(np.nanmax(sv)) if sv.size else 0.0
    return np.asarray((sv > frac * top).sum(axis=1), dtype=np.int64)


def choose_snapshots(
    trace: pd.DataFrame,
    steps: Sequence[int],
    ranks: Sequence[int] = (1, 2, 3),
    frac: float = 0.1,
) -> list[int]:
    """Snapshot steps at which the embedding rank is ~1, 2, 3.

    The rank at a snapshot is read off the last trace row at or before it.
    For each wanted rank the last snapshot of exactly that rank is chosen;
    the rest are filled with the latest snapshots of rank >= 1, then the latest.

    Args:
        trace: ``trace.csv``.
        steps: steps with a saved ``W_<step>.npy``.
        ranks: the wanted ranks.
        frac: threshold of :func:`trace_ranks`.

    Returns:
        One step per wanted rank, in increasing order.
    """
    steps = sorted(int(s) for s in steps)
    row_rank = trace_ranks(trace, frac)
    idx = np.searchsorted(trace["step"].to_numpy(), steps, side="right") - 1
    snap_rank = row_rank[np.clip(idx, 0, len(row_rank) - 1)]
    chosen: list[int] = []
    for r in ranks:
        exact = [s for s, k in zip(steps, snap_rank, strict=True) if k == r]
        if exact and exact[-1] not in chosen:
            chosen.append(exact[-1])
    # too few distinct ranks saved: fill with the latest snapshots of rank >= 1
    grown = [s for s, k in zip(steps, snap_rank, strict=True) if k >= 1]
    for s in [*reversed(grown), *reversed(steps)]:
        if len(chosen) >= len(ranks):
            break
        if s not in chosen:
            chosen.append(s)
    return sorted(chosen)


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
    step: int,
    basis: NDArray,
    labels: list[int],
    words: Sequence[str],
    lim: float,
) -> None:
    """Embeddings of one snapshot projected on the two basis directions."""
    proj = run.snapshots[step] @ basis
    ax.scatter(proj[:, 0], proj[:, 1], s=2, alpha=0.3, color="tab:blue", lw=0)
    for i in labels:
        ax.annotate(words[i], proj[i], fontsize=7, color="tab:red")
    ax.scatter(proj[labels, 0], proj[labels, 1], s=8, color="tab:red")
    ranks = trace_ranks(run.trace)
    row = max(0, int(np.searchsorted(run.trace["step"], step, side="right")) - 1)
    t = float(np.interp(step, run.trace["step"], run.trace["t"]))
    ax.set(
        xlim=(-lim, lim),
        ylim=(-lim, lim),
        xlabel="PCA direction 1",
        ylabel="PCA direction 3",
    )
    ax.set_title(f"step {step}, t = {t:.3g} (rank {ranks[row]})", fontsize=9)
    ax.ticklabel_format(style="sci", scilimits=(-2, 3))


def _embedding_panels(
    axes: Sequence[Axes], run: RunData, words: Sequence[str], n_labels: int, among: int
) -> None:
    """Three snapshot panels of one run, on common axis limits."""
    steps = sorted(run.snapshots)
    if run.final is None or not steps:
        for ax in axes:
            not_available(ax, f"{run.label} embedding snapshots")
        return
    basis = projection_basis(run.final)
    labels = label_words(run.final @ basis, among, n_labels)
    lim = max(float(np.abs(run.snapshots[s] @ basis).max()) for s in steps) * 1.1
    for ax, step in zip(axes, steps, strict=False):
        _scatter_panel(ax, run, step, basis, labels, words, lim or 1.0)
    for ax in axes[len(steps) :]:
        not_available(ax, "snapshot")


def fig1_dynamics(
    qwem: RunData | None,
    sgns: RunData | None,
    theory: pd.DataFrame,
    words: Sequence[str],
    *,
    modes: int = 10,
    n_labels: int = 8,
    among: int = 1000,
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
        th = theory_at_init(theory, run.init) if row == 0 and run.init else None
        _sv_panel(
            axes[1], run.trace, th, modes, f"{run.label}: top {modes} singular values"
        )
        _embedding_panels(axes[2:], run, words, n_labels, among)
    return fig


def _rescaled_panel(
    ax: Axes,
    theory: pd.DataFrame,
    init: float,
    traces: Mapping[str, pd.DataFrame | None],
    modes: int,
) -> None:
    """Singular values vs t/τ₁ of the traces and the theory at one init."""
    if theory.empty:
        not_available(ax, "theory curves")
        return
    th, tau = theory_at_init(theory, init), tau1(theory, init)
    colors = mode_colors(modes)
    styles = {"QWEM": "-", "word2vec": "--"}
    for k in range(1, modes + 1):
        m = th[(th["mode"] == k) & (th["t_over_tau1"] > 0)]
        ax.plot(m["t_over_tau1"], m["s"], color="k", ls=":", lw=1.0)
    handles = [Line2D([], [], color="k", ls=":", label="theory")]
    for label, trace in traces.items():
        if trace is None:
            continue
        x = trace["t"] / tau
        for col, c in zip(sv_columns(trace)[:modes], colors, strict=False):
            ax.plot(x, trace[col], color=c, ls=styles.get(label, "-"), lw=1.3)
        handles.append(
            Line2D([], [], color="tab:blue", ls=styles.get(label, "-"), label=label)
        )
    ax.set_xscale("log")
    ax.legend(handles=handles, loc="upper left", fontsize=9)
    ax.set(
        xlabel=r"rescaled time $t/\tau_1$",
        ylabel="singular value $s_k$",
        title=f"init {init:g}  ($\\tau_1$ = {tau:.3g})",
    )


def fig2_rescaled(
    theory: pd.DataFrame,
    panels: Sequence[tuple[float, Mapping[str, pd.DataFrame | None]]],
    *,
    modes: int = 10,
) -> Figure:
    """Fig. 2: singular values vs t/τ₁ for word2vec, QWEM and theory.

    Args:
        theory: ``theory.csv``.
        panels: (init, {"QWEM": trace or None, "word2vec": trace or None}) per panel.
        modes: singular values shown.

    Returns:
        One panel per init.
    """
    fig = new_figure(6.5 * max(len(panels), 1), 5)
    axes = fig.subplots(1, max(len(panels), 1), squeeze=False)[0]
    for ax, (init, traces) in zip(axes, panels, strict=False):
        _rescaled_panel(ax, theory, init, traces, modes)
    fig.suptitle("Singular values vs rescaled time (colour: mode k, dark = k = 1)")
    return fig


def appendix_ablation(
    traces: Mapping[str, pd.DataFrame | None], *, modes: int = 10
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
