"""Analogy accuracy against compute: trained runs, gensim and the closed form M*.

Trained runs and gensim are curves: their checkpoint tables record the
analogy accuracy (Google analogies, protocol (a)) against cumulative training
wall time (``seconds``, evaluation excluded) and pair updates (positive plus
negative pairs). M* is one point: its accuracy from Table 1's evaluation, at
the wall time of the jobs that produce it (counting every shard, merging,
building the targets, the top-d eigensolve) and, on the pair axis, the pair
occurrences counted (each added once to C).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from qwem.errors import QwemInputError
from qwem.plots.common import new_figure

#: Columns every curve (checkpoints.csv of a run or of gensim) must have.
CURVE_COLUMNS = ("seconds", "pair_updates", "analogy_accuracy")
#: Jobs whose wall time makes M*'s cost, in pipeline order.
CLOSED_FORM_STAGES = ("count", "merge", "targets", "solve")
#: Axes of the figure and table: column -> words.
AXES = {"seconds": "training wall time (s)", "pair_updates": "pair updates"}


def require_columns(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """``frame`` if it has :data:`CURVE_COLUMNS`, else a QwemInputError naming it."""
    if missing := [c for c in CURVE_COLUMNS if c not in frame.columns]:
        raise QwemInputError(
            f"{source}: no column(s) {missing} (has {list(frame.columns)}); it was "
            "written by an older trainer: delete it and rerun snakemake"
        )
    return frame


@dataclass(frozen=True)
class ClosedFormCost:
    """M*'s point: accuracy (fraction), wall seconds, pairs counted, per-job times.

    ``seconds`` is NaN when a job did not record its wall time (results of an
    older qwem); ``stages`` has the times that were recorded.
    """

    accuracy: float
    seconds: float
    pair_updates: float
    stages: dict[str, float] = field(default_factory=dict)


def closed_form_cost(
    stats: Mapping[str, Any], eig_meta: Mapping[str, Any], *, accuracy: float
) -> ClosedFormCost:
    """M*'s cost from ``stats.json`` and the eigenpairs' ``meta`` record.

    Args:
        stats: ``stats/stats.json``: ``wall_seconds`` {count (all shards),
            merge, targets} and ``pairs`` (pair occurrences counted).
        eig_meta: ``closed_form/M_star.eig.npz``'s meta (``wall_seconds``).
        accuracy: M*'s analogy accuracy (fraction, protocol (a)).

    Returns:
        The point; seconds = count + merge + targets + solve.
    """
    recorded = dict(stats.get("wall_seconds") or {})
    if "wall_seconds" in eig_meta:
        recorded["solve"] = eig_meta["wall_seconds"]
    stages = {s: float(recorded[s]) for s in CLOSED_FORM_STAGES if s in recorded}
    complete = len(stages) == len(CLOSED_FORM_STAGES)
    seconds = float(sum(stages.values())) if complete else float("nan")
    return ClosedFormCost(accuracy, seconds, float(stats["pairs"]), stages)


def time_to_reach(curve: pd.DataFrame, threshold: float, x: str) -> float:
    """``x`` at which the accuracy first reaches ``threshold``, interpolated.

    Linear interpolation between the record before the crossing and the first
    record at or above ``threshold``; a first record already there gives its
    own ``x``.

    Args:
        curve: records in training order (``x`` and ``analogy_accuracy``).
        threshold: accuracy (fraction).
        x: 'seconds' or 'pair_updates'.

    Returns:
        The interpolated ``x``, or NaN when the accuracy never reaches it.
    """
    acc = curve["analogy_accuracy"].to_numpy(dtype=np.float64)
    xs = curve[x].to_numpy(dtype=np.float64)
    above = np.flatnonzero(acc >= threshold)
    if above.size == 0:
        return float("nan")
    i = int(above[0])
    if i == 0:
        return float(xs[0])
    frac = (threshold - acc[i - 1]) / (acc[i] - acc[i - 1])
    return float(xs[i - 1] + frac * (xs[i] - xs[i - 1]))


def compute_table(
    curves: Mapping[str, tuple[str, pd.DataFrame]],
    mstar: ClosedFormCost,
    *,
    fraction: float,
) -> pd.DataFrame:
    """Final accuracy, cost, and cost to reach ``fraction`` of M*'s accuracy.

    Args:
        curves: row label -> (model name, its records in training order).
        mstar: M*'s point (:func:`closed_form_cost`).
        fraction: of M*'s accuracy (``plots.compute_fraction``).

    Returns:
        Index 'model' (the labels, then 'M* closed form'); columns source,
        accuracy_pct, seconds, pair_updates, seconds_to_target,
        pair_updates_to_target (NaN: not reached).
    """
    threshold = fraction * mstar.accuracy
    rows = []
    for label, (source, curve) in curves.items():
        last = curve.iloc[-1]
        rows.append(
            {
                "model": label,
                "source": source,
                "accuracy_pct": 100.0 * float(last["analogy_accuracy"]),
                "seconds": float(last["seconds"]),
                "pair_updates": float(last["pair_updates"]),
                "seconds_to_target": time_to_reach(curve, threshold, "seconds"),
                "pair_updates_to_target": time_to_reach(
                    curve, threshold, "pair_updates"
                ),
            }
        )
    rows.append(
        {
            "model": "M* closed form",
            "source": "M_star",
            "accuracy_pct": 100.0 * mstar.accuracy,
            "seconds": mstar.seconds,
            "pair_updates": mstar.pair_updates,
            "seconds_to_target": mstar.seconds,
            "pair_updates_to_target": mstar.pair_updates,
        }
    )
    return pd.DataFrame(rows).set_index("model")


def compute_markdown(
    table: pd.DataFrame, mstar: ClosedFormCost, fraction: float
) -> str:
    """:func:`compute_table` as Markdown, with the threshold and M*'s job times."""
    from qwem.plots.tables import to_markdown

    def num(value: float, fmt: str, missing: str = "n/a") -> str:
        return fmt.format(value) if np.isfinite(value) else missing

    # NaN to the target: never reached (a curve) or a cost not recorded (M*)
    unreached = ["n/a" if m == "M_star" else "not reached" for m in table["source"]]
    cells = pd.DataFrame(index=table.index)
    cells["accuracy (a)"] = [num(v, "{:.1f} %") for v in table["accuracy_pct"]]
    cells["wall time"] = [num(v, "{:,.1f} s") for v in table["seconds"]]
    cells["pair updates"] = [num(v, "{:.3g}") for v in table["pair_updates"]]
    head = f"to {100 * fraction:g} % of M*"
    cells[f"time {head}"] = [
        num(v, "{:,.1f} s", u)
        for v, u in zip(table["seconds_to_target"], unreached, strict=True)
    ]
    cells[f"pairs {head}"] = [
        num(v, "{:.3g}", u)
        for v, u in zip(table["pair_updates_to_target"], unreached, strict=True)
    ]
    jobs = ", ".join(f"{s} {v:,.1f} s" for s, v in mstar.stages.items()) or "none"
    note = (
        f"\nAccuracy: Google analogies, protocol (a). Target: {100 * fraction:g} % "
        f"of M*'s {100 * mstar.accuracy:.1f} %, interpolated linearly between "
        "checkpoints. Trained runs and gensim: cumulative training wall time "
        "(evaluation excluded) and pair updates (positive + negative pairs). "
        f"M*: the wall times of its jobs ({jobs}; n/a when one is missing) and "
        "the pair occurrences counted.\n"
    )
    return to_markdown(cells) + note


def compute_figure(
    curves: Mapping[str, tuple[str, pd.DataFrame]],
    mstar: ClosedFormCost,
    *,
    fraction: float,
    axes_order: Sequence[str] = ("seconds", "pair_updates"),
) -> Figure:
    """Accuracy against wall time and against pair updates (log x), M* as a point.

    Args:
        curves: row label -> (model name, records in training order).
        mstar: M*'s point; its accuracy is also a horizontal line, and
            ``fraction`` of it a dotted one.
        fraction: the target fraction of M*'s accuracy.
        axes_order: the x columns, one panel each.

    Returns:
        One panel per x column.
    """
    fig = new_figure(12, 4.8)
    axes = fig.subplots(1, len(axes_order), squeeze=False)[0]
    for ax, x in zip(axes, axes_order, strict=True):
        for label, (_, curve) in curves.items():
            keep = curve[curve[x] > 0]
            ax.plot(
                keep[x], 100 * keep["analogy_accuracy"], marker="o", ms=3, label=label
            )
        acc = 100 * mstar.accuracy
        ax.axhline(acc, color="k", lw=1.0, label=f"M* closed form ({acc:.1f} %)")
        ax.axhline(
            fraction * acc,
            color="k",
            lw=0.8,
            ls=":",
            label=f"{100 * fraction:g} % of M*",
        )
        point = mstar.seconds if x == "seconds" else mstar.pair_updates
        if np.isfinite(point) and point > 0:
            ax.plot([point], [acc], marker="*", ms=14, color="k", ls="none")
        ax.set(xscale="log", xlabel=AXES[x], ylabel="analogy accuracy (a), %")
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("Analogy accuracy against compute (M*: star at its measured cost)")
    return fig
