"""Figures, Table 1 and the HTML report at the end of the whole tiny DAG."""

from __future__ import annotations

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


def test_report_is_built(tiny_run: tuple[Path, SnakemakeRunner]) -> None:
    workdir, run = tiny_run
    report = workdir / "results" / "tiny" / "report.html"
    run("--configfile", str(workdir / "tiny.yaml"), "--report", str(report))
    html = report.read_text(errors="replace")
    assert len(html) > 100_000 and "fig1.png" in html
    for table in ("table1.md", "table1_vs_mstar.md", "agreement.md"):
        assert table in html, table
