"""Reading training traces against the theory: effective rank, half-rise times.

A trace (``train/<run>/trace.csv``) records the top singular values s_k of W
against theory time t (Σ lr κ, κ derived per run). Two readings of it:

* the **effective rank** at a step: how many traced modes have risen to half
  their final strength, i.e. s_k² ≥ ½ s_k(T)² with T the last traced step (the
  theory's u_k crosses half its plateau λ_k at τ_k, so this counts the modes
  learned so far); Fig. 1 picks its snapshots by it;
* the **half-rise time** of mode 1: the t at which s_1² first reaches half its
  final value. The theory's u_1 reaches λ_1/2 at τ_1 = ln(λ_1/u_1(0))/(2λ_1),
  so t_half/τ_1 checks the run's clock against the closed form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from qwem.errors import QwemInputError
from qwem.plots.common import sv_columns

#: Relative tolerance when matching a run's init to a theory curve's init.
INIT_RTOL = 1e-6


def squared_modes(trace: pd.DataFrame, steps: Sequence[int] | None = None) -> NDArray:
    """s_k² of every traced mode, at the trace rows or interpolated at ``steps``.

    Args:
        trace: ``trace.csv`` (step, sv_1, sv_2, ...).
        steps: steps to read (linear interpolation in step; clamped to the
            first and last row), or None for the trace's own rows.

    Returns:
        (rows or len(steps), modes) float64.
    """
    u = trace[sv_columns(trace)].to_numpy(dtype=np.float64) ** 2
    if steps is None:
        return u
    at = np.asarray(steps, dtype=np.float64)
    step = trace["step"].to_numpy(dtype=np.float64)
    return np.stack([np.interp(at, step, u[:, k]) for k in range(u.shape[1])], axis=1)


def effective_rank(
    trace: pd.DataFrame, steps: Sequence[int] | None = None
) -> NDArray[np.int64]:
    """Modes whose s_k² has reached half its final (last traced) value.

    Args:
        trace: ``trace.csv``.
        steps: steps to read (see :func:`squared_modes`), or None for every row.

    Returns:
        One integer per step (0 before any mode has risen; every traced mode
        counts at the last row, by definition).
    """
    final = squared_modes(trace)[-1]
    u = squared_modes(trace, steps)
    return np.asarray((u >= 0.5 * final).sum(axis=1), dtype=np.int64)


@dataclass(frozen=True)
class Snapshot:
    """A chosen embedding snapshot: its step, its effective rank, the wanted rank."""

    step: int
    rank: int
    wanted: int


def choose_snapshots(
    trace: pd.DataFrame, steps: Sequence[int], ranks: Sequence[int] = (1, 2, 3)
) -> list[Snapshot]:
    """One snapshot per wanted effective rank, distinct, in step order.

    The last snapshot of exactly the wanted rank is taken (the mode has
    risen, the next one not yet); when none has it, the snapshot of the
    closest rank (ties: the lower rank) nearest the gap: the last one of a
    lower rank, the first one of a higher rank. Snapshots already taken are
    skipped, so fewer are returned only when there are fewer snapshots. The
    panels then run in time, the i-th standing for the i-th wanted rank.

    Args:
        trace: ``trace.csv``.
        steps: steps with a saved ``W_<step>.npy``.
        ranks: the wanted effective ranks.

    Returns:
        The snapshots, sorted by step; ``rank`` says which rank each shows.
    """
    steps = sorted(int(s) for s in steps)
    snap_rank = effective_rank(trace, steps) if steps else np.zeros(0, np.int64)
    chosen: dict[int, Snapshot] = {}
    for want in ranks:
        candidates = [
            (abs(int(r) - want), int(r) > want, -s if int(r) <= want else s, s, int(r))
            for s, r in zip(steps, snap_rank, strict=True)
            if s not in chosen
        ]
        if candidates:
            *_, step, rank = min(candidates)
            chosen[step] = Snapshot(step=step, rank=rank, wanted=want)
    # panels run in time: the i-th snapshot stands for the i-th wanted rank
    wanted = sorted(ranks)
    return [
        Snapshot(step=s, rank=chosen[s].rank, wanted=w)
        for s, w in zip(sorted(chosen), wanted, strict=False)
    ]


def match_init(theory: pd.DataFrame, init: float) -> float | None:
    """The init of ``theory.csv`` equal to ``init`` (relative 1e-6), or None."""
    inits = np.unique(theory["init"].to_numpy(dtype=np.float64))
    close = inits[np.isclose(inits, init, rtol=INIT_RTOL, atol=0.0)]
    return float(close[0]) if close.size else None


def theory_at(theory: pd.DataFrame, init: float) -> pd.DataFrame:
    """The theory curves at the run's init (no match: QwemInputError naming the key)."""
    found = match_init(theory, init)
    if found is None:
        have = ", ".join(f"{i:g}" for i in sorted(set(theory["init"])))
        raise QwemInputError(
            f"closed_form/theory.csv has no curves at init {init:g} (it has {have}); "
            "add the run's init to theory.inits in the config and rerun"
        )
    return theory[theory["init"] == found]


def tau1(theory: pd.DataFrame, init: float) -> float:
    """τ_1, the theory's learning time of mode 1, at the run's init."""
    sub = theory_at(theory, init)
    return float(sub.loc[sub["mode"] == 1, "tau"].iloc[0])


def half_rise_time(trace: pd.DataFrame, mode: int = 1) -> float:
    """Theory time at which s_mode² first reaches half its final value.

    Interpolated linearly in log s² between the two trace rows around the
    crossing (the rise is exponential until the midpoint).

    Args:
        trace: ``trace.csv`` (t and sv_<mode>).
        mode: the mode, 1-based.

    Returns:
        t_half, or NaN when the first row is already at or above half (the
        crossing happened before the trace starts).
    """
    u = trace[f"sv_{mode}"].to_numpy(dtype=np.float64) ** 2
    t = trace["t"].to_numpy(dtype=np.float64)
    half = 0.5 * u[-1]
    i = int(np.argmax(u >= half))
    if i == 0:
        return float("nan")
    lo, hi = np.log(max(u[i - 1], 1e-300)), np.log(u[i])
    frac = (np.log(half) - lo) / (hi - lo) if hi > lo else 1.0
    return float(t[i - 1] + frac * (t[i] - t[i - 1]))


@dataclass(frozen=True)
class TimedRun:
    """What the theory-time table needs of one run."""

    trace: pd.DataFrame
    loss: str
    init: float
    kappa: float


def theory_time_table(
    runs: Mapping[str, TimedRun], theory: pd.DataFrame
) -> pd.DataFrame:
    """Measured half-rise time of mode 1 against the theory's τ_1, per run.

    Args:
        runs: run name -> its trace, loss, init and κ (``config.json``).
        theory: ``theory.csv`` (it must have curves at every run's init).

    Returns:
        Index 'run'; columns loss, init, kappa, tau1, t_half and
        t_half_over_tau1 (1 when the run's clock matches the closed form).
    """
    rows = []
    for name, run in runs.items():
        tau = tau1(theory, run.init)
        t_half = half_rise_time(run.trace)
        rows.append(
            {
                "run": name,
                "loss": run.loss,
                "init": run.init,
                "kappa": run.kappa,
                "tau1": tau,
                "t_half": t_half,
                "t_half_over_tau1": t_half / tau,
            }
        )
    columns = ["run", "loss", "init", "kappa", "tau1", "t_half", "t_half_over_tau1"]
    return pd.DataFrame(rows, columns=columns).set_index("run")


def theory_time_markdown(table: pd.DataFrame) -> str:
    """:func:`theory_time_table` as Markdown with a legend."""
    from qwem.plots.tables import to_markdown

    cells = pd.DataFrame(index=table.index)
    cells["loss"] = table["loss"]
    for col, fmt in (("init", "{:g}"), ("kappa", "{:.4g}"), ("tau1", "{:.4g}")):
        cells[col] = [fmt.format(v) for v in table[col]]
    cells["t_half"] = [f"{v:.4g}" if np.isfinite(v) else "n/a" for v in table["t_half"]]
    cells["t_half / tau1"] = [
        f"{v:.3f}" if np.isfinite(v) else "n/a" for v in table["t_half_over_tau1"]
    ]
    legend = (
        "\nt_half: theory time (Σ lr κ, κ from the run's config.json) at which "
        "s_1² first reaches half its last traced value, interpolated in log s_1² "
        "between trace rows (n/a: already past half at the first row). "
        "tau1 = ln(λ_1/u_1(0))/(2λ_1) from closed_form/theory.csv at the run's "
        "init, where the closed form's u_1 reaches λ_1/2. A ratio of 1 means the "
        "run's clock matches the closed form.\n"
    )
    return to_markdown(cells) + legend
