"""The evaluation stage inside the whole tiny DAG."""

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
    agreement = TINY["evaluate"]["agreement"]
    ks = {TINY["dim"] if k == "d" else k for k in agreement["k"]}
    assert set(overlap["d"]) == set(agreement["dims"]) | ks
    # overlap matrices of every pair of models, the gensim baseline included
    matrix = pd.read_csv(results / "eval" / "overlap_matrix.csv")
    pairs = {
        frozenset(p) for p in zip(matrix["model_a"], matrix["model_b"], strict=True)
    }
    agreeing = ["M_star", "ppmi", *TINY["train"]["runs"], "gensim"]
    assert len(pairs) == len(agreeing) * (len(agreeing) - 1) // 2
    for pair in (("sgns_large", "qwem_large"), ("sgns_large", "M_star")):
        assert frozenset(pair) in pairs


METRICS = {"analogy_a", "analogy_b", "ws353_rho", "simlex999_rho", "men_rho"}


def test_per_item_outcomes_cover_every_model_and_item(results: Path) -> None:
    table = pd.read_csv(results / "eval" / "table1.csv").set_index("model")
    questions = pd.read_csv(
        results / "eval" / "analogy_questions.csv.gz", keep_default_na=False
    )
    assert questions["model"].unique().tolist() == MODELS
    assert questions["correct"].dtype == bool
    counts = questions.groupby(["model", "protocol"])["correct"].agg(["size", "mean"])
    for protocol in ("a", "b"):
        per_model = counts.xs(protocol, level="protocol").reindex(MODELS)
        assert (per_model["size"] == table[f"analogy_{protocol}_n"]).all()
        np.testing.assert_allclose(per_model["mean"], table[f"analogy_{protocol}"])
    pairs = pd.read_csv(
        results / "eval" / "similarity_pairs.csv", keep_default_na=False
    )
    assert set(pairs["benchmark"]) == {"ws353", "simlex999", "men"}
    assert pairs["cos"].between(-1 - 1e-9, 1 + 1e-9).all()
    per_model = pairs.groupby(["benchmark", "model"]).size().unstack()
    assert (per_model.nunique(axis=1) == 1).all()  # every model the same pairs
    for name in ("analogy_questions.csv.gz", "similarity_pairs.csv", "table1_ci.csv"):
        assert (results / "eval" / f"{name}.meta.json").is_file(), name


def test_bootstrap_intervals_and_paired_differences(results: Path) -> None:
    ci = pd.read_csv(results / "eval" / "table1_ci.csv")
    assert set(ci["metric"]) == METRICS and len(ci) == len(METRICS) * len(MODELS)
    assert (ci["resamples"] == TINY["evaluate"]["bootstrap"]["resamples"]).all()
    finite = ci.dropna(subset=["lo", "hi"])
    assert len(finite) > len(ci) // 2
    assert (finite["lo"] <= finite["hi"]).all()
    analogies = finite[finite["metric"].str.startswith("analogy")]
    assert analogies[["lo", "hi"]].stack().between(0, 1).all()
    assert finite[["lo", "hi"]].stack().between(-1, 1).all()
    paired = pd.read_csv(results / "eval" / "table1_paired.csv")
    assert set(paired["reference"]) == {"M_star"}
    assert set(paired["model"]) == set(MODELS) - {"M_star"}
    assert len(paired) == len(METRICS) * (len(MODELS) - 1)
    outside = (paired["lo"] > 0) | (paired["hi"] < 0)
    assert (paired["excludes_zero"] == outside).all()
    assert paired[["lo", "hi"]].stack().between(-2, 2).all()  # rho differences
