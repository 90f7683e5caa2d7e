"""Figures, Table 1 and the HTML report at the end of the whole tiny DAG."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import TINY, SnakemakeRunner

pytestmark = pytest.mark.workflow

FIGURES = [
    "fig1",
    "fig2",
    "fig3",
    "fig4",
    "appendix_ablation",
    "appendix_top1",
    "appendix_overlap",
    "appendix_spectra",
    "compute",
]


@pytest.fixture(scope="module")
def results(tiny_run: tuple[Path, SnakemakeRunner]) -> Path:
    return tiny_run[0] / "results" / "tiny"


@pytest.mark.parametrize("figure", FIGURES)
def test_every_figure_exists_as_png_and_pdf(results: Path, figure: str) -> None:
    png = (results / "figures" / f"{figure}.png").read_bytes()
    pdf = (results / "figures" / f"{figure}.pdf").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000


def test_table1_rows_and_columns(results: Path) -> None:
    table = pd.read_csv(results / "tables" / "table1.csv")
    assert len(table) == 6  # SGNS, gensim, QWEM, M*, PPMI, PMI
    # the trained rows are the runs declaring roles.table1
    sources = dict(zip(table["model"], table["source"], strict=True))
    assert sources["SGNS (trained)"] == "sgns_large"
    assert sources["QWEM (trained)"] == "qwem_large"
    for column, top in (("analogies (a)", 100), ("analogies (b)", 100), ("MEN", 1)):
        lo, hi = table[f"{column}_lo"], table[f"{column}_hi"]
        assert lo.notna().all() and (lo <= hi).all(), column
        assert pd.concat([lo, hi]).between(-top, top).all(), column  # % or rho
    markdown = (results / "tables" / "table1.md").read_text()
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + 6  # header, rule, six models
    for name in ("M*", "PPMI", "PMI", "MEN", "WS-353", "SimLex", " [", "bootstrap"):
        assert name in markdown, name
    paired = pd.read_csv(results / "tables" / "table1_vs_mstar.csv")
    assert len(paired) == 5 and "M_star" not in set(paired["source"])
    assert paired["analogies (b)_excludes_zero"].dtype == bool
    assert "excludes 0" in (results / "tables" / "table1_vs_mstar.md").read_text()
    by_category = pd.read_csv(results / "tables" / "analogies_by_category.csv")
    assert len(by_category) > 0


def test_agreement_table_has_every_trained_model(results: Path) -> None:
    table = pd.read_csv(results / "tables" / "agreement.csv")
    assert table["model"].tolist() == [*TINY["train"]["runs"], "gensim"]
    assert list(table.columns[1:]) == ["k = 1", "k = 2", f"k = {TINY['dim']}"]
    assert table.iloc[:, 1:].stack().between(0, 1 + 1e-9).all()
    assert "M_star" in (results / "tables" / "agreement.md").read_text()


def test_theory_behind_the_figures_rises_and_saturates(results: Path) -> None:
    theory = pd.read_csv(results / "closed_form" / "theory.csv")
    for (_, _), curve in theory.groupby(["init", "mode"]):
        s = curve.sort_values("t")["s"].to_numpy()
        assert np.all(np.diff(s) >= -1e-12)  # increasing
        lam = curve["lambda"].iloc[0]
        np.testing.assert_allclose(s[-1], np.sqrt(lam), rtol=0.02)  # saturates


def test_theory_time_table_times_the_small_init_runs(results: Path) -> None:
    table = pd.read_csv(results / "tables" / "theory_time.csv").set_index("run")
    assert list(table.index) == ["qwem_small", "sgns_small"]  # the fig2 '-small' slots
    theory = pd.read_csv(results / "closed_form" / "theory.csv")
    for run, row in table.iterrows():
        meta = json.loads((results / "train" / str(run) / "config.json").read_text())
        assert row["kappa"] == meta["kappa"] and row["init"] == 0.1
        tau = theory.loc[(theory["init"] == 0.1) & (theory["mode"] == 1), "tau"]
        assert row["tau1"] == pytest.approx(tau.iloc[0])
        ratio = row["t_half_over_tau1"]
        assert np.isnan(ratio) or ratio > 0  # n/a: already past half at row 1
    assert "tau1" in (results / "tables" / "theory_time.md").read_text()


def test_compute_table_and_closed_form_cost(results: Path) -> None:
    table = pd.read_csv(results / "tables" / "compute.csv").set_index("model")
    assert list(table.index) == [
        "SGNS (trained)",
        "QWEM (trained)",
        "gensim SGNS",
        "M* closed form",
    ]
    assert table["accuracy_pct"].between(0, 100).all()
    assert (table["seconds"] > 0).all() and (table["pair_updates"] > 0).all()
    stats = json.loads((results / "stats" / "stats.json").read_text())
    mstar = table.loc["M* closed form"]
    assert mstar["pair_updates"] == stats["pairs"]
    assert mstar["seconds"] > sum(stats["wall_seconds"].values())  # plus the solve
    bench = pd.read_csv(results / "eval" / "table1.csv").set_index("model")
    assert mstar["accuracy_pct"] == pytest.approx(
        100 * bench.loc["M_star", "analogy_a"]
    )
    md = (results / "tables" / "compute.md").read_text()
    assert "% of M*" in md and "count " in md and "solve " in md


def test_spectra_slopes_are_fitted_per_target(results: Path) -> None:
    slopes = pd.read_csv(results / "tables" / "spectra_slopes.csv")
    assert set(slopes["target"]) <= {"M_star", "pmi", "ppmi", "G"}
    assert len(slopes) >= 3 and np.isfinite(slopes["slope"]).all()
    assert (slopes["k_max"] <= TINY["dim"]).all()


def test_report_is_built(tiny_run: tuple[Path, SnakemakeRunner]) -> None:
    workdir, run = tiny_run
    report = workdir / "results" / "tiny" / "report.html"
    run("--configfile", str(workdir / "tiny.yaml"), "--report", str(report))
    html = report.read_text(errors="replace")
    assert len(html) > 100_000 and "fig1.png" in html
    tables = ("table1.md", "table1_vs_mstar.md", "agreement.md", "compute.md")
    for table in (*tables, "theory_time.md", "compute.png"):
        assert table in html, table
