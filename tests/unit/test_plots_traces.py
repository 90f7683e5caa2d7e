"""Traces read against the theory: effective rank, snapshots, half-rise times."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qwem.errors import QwemInputError
from qwem.plots import traces
from qwem.spectral.theory import (
    expected_initial_u,
    learning_times,
    theory_curves,
    time_grid,
)

LAM = np.array([9.0, 4.0, 1.0])


def _rises(centres: list[float], t: np.ndarray) -> pd.DataFrame:
    """A trace whose mode k jumps from 1e-6 to sqrt(LAM[k]) around t = centres[k]."""
    sv = {
        f"sv_{k}": np.sqrt(lam) / (1 + np.exp(-40 * (t - c))) + 1e-6
        for k, (lam, c) in enumerate(zip(LAM, centres, strict=True), start=1)
    }
    return pd.DataFrame({"step": np.arange(len(t)) * 10, "t": t, **sv})


def test_effective_rank_counts_the_modes_past_half_their_final_value() -> None:
    trace = _rises([1.0, 2.0, 3.0], np.linspace(0, 4, 401))  # step = 1000 t
    # halfway points: s^2 = lam / 2 at 1 / (1 + e^-40(t-c)) = 1/sqrt2, t = c + 0.022
    ranks = traces.effective_rank(trace, [0, 500, 1010, 1100, 2500, 3500, 4000])
    assert ranks.tolist() == [0, 0, 0, 1, 2, 3, 3]


def test_snapshots_at_rank_1_2_3_are_the_last_of_each_rank() -> None:
    trace = _rises([1.0, 2.0, 3.0], np.linspace(0, 4, 401))
    steps = [0, 500, 1500, 1900, 2500, 2900, 3500, 4000]
    chosen = traces.choose_snapshots(trace, steps)
    assert [(s.step, s.rank, s.wanted) for s in chosen] == [
        (1900, 1, 1),
        (2900, 2, 2),
        (4000, 3, 3),
    ]


def test_a_missing_rank_takes_the_nearest_snapshot_and_says_its_rank() -> None:
    # modes 2 and 3 rise together: no snapshot ever has rank 2
    trace = _rises([1.0, 2.0, 2.0], np.linspace(0, 4, 401))
    chosen = traces.choose_snapshots(trace, [0, 1500, 1800, 3000, 4000])
    # rank 2: ranks 1 (1800, the last) and 3 tie; the lower wins, but 1800 is
    # taken by rank 1, so 1500 (rank 1 too) is next nearest the gap; in time
    # order the panels stand for ranks 1, 2, 3
    assert [(s.step, s.rank, s.wanted) for s in chosen] == [
        (1500, 1, 1),
        (1800, 1, 2),
        (4000, 3, 3),
    ]
    # fewer snapshots than wanted ranks: each is used once
    assert len(traces.choose_snapshots(trace, [0, 4000])) == 2


def test_half_rise_time_of_the_closed_form_is_tau1() -> None:
    # the closed form's own curves, traced: u_1 crosses lam_1 / 2 at
    # t = ln(lam_1/u_1(0) - 1) / (2 lam_1), i.e. tau_1 to relative u0/lam ~ 1e-24
    u0 = expected_initial_u(1e-12, 8)[:3]
    tau1 = learning_times(LAM[:1], u0[:1])[0]
    t = np.linspace(0, 3 * tau1, 3001)
    curves = theory_curves(LAM, u0, t)
    wide = curves.pivot(index="t", columns="mode", values="s").reset_index()
    trace = wide.rename(columns={k: f"sv_{k}" for k in (1, 2, 3)})
    trace.insert(0, "step", np.arange(len(trace)))
    # log-linear interpolation is exact on the exponential rise; near the
    # midpoint log u bends by <= (2 lam_1 dt)^2 / 8 ~ 4e-4 within one row
    # (dt = 3.2e-3), a time error ~ 4e-4 / lam_1 ~ 5e-5 ~ 1.5e-5 tau_1
    assert traces.half_rise_time(trace) == pytest.approx(tau1, rel=1e-4)


def test_half_rise_time_is_nan_when_the_trace_starts_past_half() -> None:
    trace = pd.DataFrame({"step": [1, 2], "t": [0.1, 0.2], "sv_1": [3.0, 3.0]})
    assert np.isnan(traces.half_rise_time(trace))


def _theory(init: float, lam: np.ndarray = LAM, dim: int = 8) -> pd.DataFrame:
    u0 = expected_initial_u(init, dim)[: lam.size]
    t = time_grid(lam, u0, 50)
    return theory_curves(lam, u0, t).assign(init=init)


def test_theory_time_table_measures_the_clock_against_tau1() -> None:
    theory = pd.concat([_theory(1e-12), _theory(0.1)], ignore_index=True)
    tau = traces.tau1(theory, 1e-12)
    # a run whose clock runs 20 % fast: its rise comes at 1.2 tau_1 of its t
    t = np.linspace(0, 3 * tau, 3001)
    trace = _rises([1.2 * tau, 2 * tau, 3 * tau], t)
    runs = {"q": traces.TimedRun(trace, "qwem", 1e-12, 0.5)}
    table = traces.theory_time_table(runs, theory)
    assert table.loc["q", "kappa"] == 0.5 and table.loc["q", "tau1"] == tau
    # the synthetic rise crosses half at 1.2 tau + 0.0220/(40/tau) ... close
    assert table.loc["q", "t_half_over_tau1"] == pytest.approx(1.2, abs=0.01)
    md = traces.theory_time_markdown(table)
    assert "| q | qwem | 1e-12 | 0.5 |" in md and "A ratio of 1" in md


def test_no_theory_at_the_run_init_names_the_key() -> None:
    with pytest.raises(QwemInputError, match=r"no curves at init 0.001.*theory.inits"):
        traces.tau1(_theory(1e-12), 1e-3)
    assert traces.match_init(_theory(0.1), 0.1 * (1 + 1e-9)) == 0.1


def test_cli_theory_time_writes_both_tables(tmp_path: Path) -> None:
    from qwem.cli import build_parser

    theory = _theory(1e-12)
    theory.to_csv(tmp_path / "theory.csv", index=False)
    tau = traces.tau1(theory, 1e-12)
    _rises([tau, 2 * tau, 3 * tau], np.linspace(0, 3 * tau, 601)).to_csv(
        tmp_path / "trace.csv", index=False
    )
    (tmp_path / "config.json").write_text(json.dumps({"kappa": 2.5e-3}))
    argv = ["plots", "theory-time", "--theory", str(tmp_path / "theory.csv")]
    argv += ["--trace", f"qwem_small={tmp_path / 'trace.csv'}"]
    argv += ["--meta", f"qwem_small={tmp_path / 'config.json'}"]
    argv += ["--init", "qwem_small=1e-12", "--loss", "qwem_small=qwem"]
    argv += ["--csv", str(tmp_path / "t.csv"), "--md", str(tmp_path / "t.md")]
    args = build_parser().parse_args(argv)
    args.func(args)
    table = pd.read_csv(tmp_path / "t.csv")
    assert table["run"].tolist() == ["qwem_small"] and table["kappa"].item() == 2.5e-3
    assert table["t_half_over_tau1"].item() == pytest.approx(1.0, abs=0.01)
    assert "qwem_small" in (tmp_path / "t.md").read_text()
    # an older trainer's config.json without kappa is refused by name
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(QwemInputError, match=r"config.json: no 'kappa'"):
        args.func(args)
