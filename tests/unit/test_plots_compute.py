"""Accuracy against compute: interpolation, M*'s cost, the table and the figure."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qwem.errors import QwemInputError
from qwem.plots import compute

# accuracy 0, 0.1, 0.3, 0.5 at 0, 10, 20, 40 s (and 0, 1e6, 2e6, 4e6 pairs)
CURVE = pd.DataFrame(
    {
        "step": [0, 10, 20, 40],
        "t": [0.0, 0.1, 0.2, 0.4],
        "seconds": [0.0, 10.0, 20.0, 40.0],
        "pair_updates": [0.0, 1e6, 2e6, 4e6],
        "analogy_accuracy": [0.0, 0.1, 0.3, 0.5],
    }
)
STATS = {
    "pairs": 12345,
    "wall_seconds": {"count": 3.0, "merge": 0.5, "targets": 1.5},
}


def test_time_to_reach_interpolates_between_checkpoints() -> None:
    # 0.2 lies halfway between 0.1 (10 s) and 0.3 (20 s)
    assert compute.time_to_reach(CURVE, 0.2, "seconds") == pytest.approx(15.0)
    assert compute.time_to_reach(CURVE, 0.45, "pair_updates") == pytest.approx(3.5e6)
    assert compute.time_to_reach(CURVE, 0.3, "seconds") == 20.0  # exactly at a record
    assert np.isnan(compute.time_to_reach(CURVE, 0.6, "seconds"))  # never reached
    assert compute.time_to_reach(CURVE.iloc[1:], 0.05, "seconds") == 10.0  # first


def test_closed_form_cost_sums_its_jobs() -> None:
    cost = compute.closed_form_cost(STATS, {"wall_seconds": 2.0}, accuracy=0.5)
    assert cost.seconds == 7.0 and cost.pair_updates == 12345
    assert cost.stages == {"count": 3.0, "merge": 0.5, "targets": 1.5, "solve": 2.0}
    older = compute.closed_form_cost({"pairs": 1}, {"seconds": 2.0}, accuracy=0.5)
    assert np.isnan(older.seconds) and older.stages == {}


def test_compute_table_and_markdown() -> None:
    mstar = compute.closed_form_cost(STATS, {"wall_seconds": 2.0}, accuracy=0.5)
    slow = CURVE.assign(analogy_accuracy=CURVE["analogy_accuracy"] * 0.5)
    curves = {"QWEM (trained)": ("qwem_large", CURVE), "gensim SGNS": ("gensim", slow)}
    table = compute.compute_table(curves, mstar, fraction=0.9)
    assert list(table.index) == ["QWEM (trained)", "gensim SGNS", "M* closed form"]
    row = table.loc["QWEM (trained)"]
    assert (row["accuracy_pct"], row["seconds"], row["pair_updates"]) == (
        50.0,
        40.0,
        4e6,
    )
    # 90 % of 0.5 = 0.45: three quarters of the way from 0.3 (20 s) to 0.5 (40 s)
    assert row["seconds_to_target"] == pytest.approx(35.0)
    assert np.isnan(table.loc["gensim SGNS", "seconds_to_target"])  # max 0.25
    assert table.loc["M* closed form", "seconds"] == 7.0
    md = compute.compute_markdown(table, mstar, 0.9)
    assert "| gensim SGNS | 25.0 % | 40.0 s | 4e+06 | not reached | not reached |" in md
    assert "| QWEM (trained) | 50.0 % | 40.0 s | 4e+06 | 35.0 s | 3.5e+06 |" in md
    assert "90 % of M*'s 50.0 %" in md and "solve 2.0 s" in md
    fig = compute.compute_figure(curves, mstar, fraction=0.9)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    star = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert star and star[0].get_xdata()[0] == 7.0


def test_curve_without_timings_is_refused_by_name() -> None:
    old = CURVE.drop(columns=["seconds"])
    with pytest.raises(QwemInputError, match=r"ck.csv: no column\(s\) \['seconds'\]"):
        compute.require_columns(old, "ck.csv")


def test_cli_compute_writes_figure_and_tables(tmp_path: Path) -> None:
    from qwem.cli import build_parser

    CURVE.to_csv(tmp_path / "qwem.csv", index=False)
    gensim = CURVE.assign(
        epoch=[0, 1, 2, 3],
        effective_words=1e5,
        analogy_accuracy=CURVE["analogy_accuracy"] / 2,  # tops out at 0.25
    )
    gensim.to_csv(tmp_path / "gensim.csv", index=False)
    pd.DataFrame({"model": ["M_star", "gensim"], "analogy_a": [0.4, 0.1]}).to_csv(
        tmp_path / "table1.csv", index=False
    )
    (tmp_path / "stats.json").write_text(json.dumps(STATS))
    meta = np.array(json.dumps({"wall_seconds": 2.0}))
    np.savez(tmp_path / "M_star.eig.npz", values=np.ones(2), meta=meta)
    out = {k: tmp_path / f"c.{k}" for k in ("png", "pdf", "csv", "md")}
    args = build_parser().parse_args(
        ["plots", "compute", "--checkpoints", f"qwem={tmp_path / 'qwem.csv'}"]
        + ["--run", "qwem=qwem_large", "--gensim", str(tmp_path / "gensim.csv")]
        + ["--table", str(tmp_path / "table1.csv")]
        + ["--stats", str(tmp_path / "stats.json")]
        + ["--eig", str(tmp_path / "M_star.eig.npz"), "--fraction", "0.9"]
        + ["--dpi", "50"]
        + [x for k, path in out.items() for x in (f"--{k}", str(path))]
    )
    args.func(args)
    table = pd.read_csv(out["csv"]).set_index("model")
    assert table.loc["QWEM (trained)", "source"] == "qwem_large"
    # 90 % of 0.4 = 0.36: 30 % of the way from 0.3 (20 s) to 0.5 (40 s)
    assert table.loc["QWEM (trained)", "seconds_to_target"] == pytest.approx(26.0)
    assert table.loc["M* closed form", "accuracy_pct"] == pytest.approx(40.0)
    assert out["png"].read_bytes().startswith(b"\x89PNG")
    assert "| gensim SGNS | 25.0 % |" in out["md"].read_text()
    assert "not reached" in out["md"].read_text()
