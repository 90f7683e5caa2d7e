"""The evaluation and random-matrix stages inside the whole tiny DAG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import TINY, SnakemakeRunner

pytestmark = pytest.mark.workflow

MODELS = [*TINY["train"]["runs"], "gensim", "M_star", "ppmi", "pmi"]


@pytest.fixture(scope="module")
def results(tiny_run: tuple[Path, SnakemakeRunner]) -> Path:
    return tiny_run[0] / "results" / "tiny"


def test_table1_has_every_model_and_finite_scores(results: Path) -> None:
    table = pd.read_csv(results / "eval" / "table1.csv")
    assert table["model"].tolist() == MODELS
    assert (table["words"] == TINY["vocab_size"]).all()
    for col in ("analogy_a", "analogy_b", "ws353_rho", "men_rho"):
        assert table[col].between(-1, 1).all(), col
    # the synthetic MEN file (no download at test time) was fetched and used
    assert (table["men_pairs"] > 0).all()
    assert (results / "eval" / "MEN.txt").stat().st_size > 0
    # protocol (b) counts sum n_c (n_c - 1) over categories, the same for all
    assert table["analogy_b_n"].nunique() == 1 and table["analogy_b_n"].iloc[0] > 0


def test_per_category_analogies_cover_both_protocols(results: Path) -> None:
    rows = pd.read_csv(results / "eval" / "analogies.csv")
    assert set(rows["protocol"]) == {"a", "b"}
    assert set(rows["model"]) == set(MODELS)
    overall = rows[rows["category"] == "all"]
    assert len(overall) == 2 * len(MODELS)
    assert ((rows["correct"] <= rows["n"]) & (rows["n"] >= 0)).all()


def test_concepts_and_agreement_tables(results: Path) -> None:
    concepts = pd.read_csv(results / "eval" / "concepts_M_star.csv")
    cfg = TINY["evaluate"]["concepts"]
    assert len(concepts) == cfg["directions"] * 2 * cfg["top"]
    assert set(concepts["basis"]) == {"eigenvector"}
    pca = pd.read_csv(results / "eval" / "concepts_qwem_small.csv")
    assert set(pca["basis"]) == {"pca"}
    overlap = pd.read_csv(results / "eval" / "subspace_overlap.csv")
    assert overlap["overlap"].between(0, 1 + 1e-9).all()
    assert set(overlap["d"]) <= set(TINY["evaluate"]["agreement"]["dims"])


def test_random_matrix_tables(results: Path) -> None:
    sweep = pd.read_csv(results / "rmt" / "sweep.csv")
    assert sweep["d"].max() <= TINY["rmt"]["dim"]
    assert np.isfinite(sweep["snr"]).all() and (sweep["snr"] >= 1 - 1e-9).all()
    local = pd.read_csv(results / "rmt" / "localisation.csv")
    sums = local.groupby("family")["power"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-9)
    density = pd.read_csv(results / "rmt" / "density.csv")
    assert (density["density"] >= 0).all()
    fits = pd.read_csv(results / "rmt" / "fits.csv")
    assert (fits["sigma2"] > 0).all() and set(fits["d"]) <= {16, 32, 64}
