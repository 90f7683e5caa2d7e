"""The gensim baseline inside the tiny DAG."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import TINY, SnakemakeRunner

pytestmark = pytest.mark.workflow


def test_gensim_trace_of_the_tiny_run(tiny_run: tuple[Path, SnakemakeRunner]) -> None:
    workdir, _ = tiny_run
    results = workdir / "results/tiny"
    trace = pd.read_csv(results / "train/gensim/checkpoints.csv")
    assert list(trace.columns) == [
        "epoch",
        "seconds",
        "pair_updates",
        "effective_words",
        "analogy_accuracy",
    ]
    assert trace["epoch"].tolist() == list(range(TINY["baseline"]["epochs"] + 1))
    for column in ("seconds", "pair_updates", "effective_words"):
        assert trace[column].iloc[0] == 0 and (np.diff(trace[column]) > 0).all()
    # subsampling (the schema's default) keeps a fraction of the tokens
    tokens = json.loads((results / "corpus/summary.json").read_text())["tokens"]
    assert 0 < trace["effective_words"].iloc[1] < tokens
    # the rule hands every knob over: defaults from the schema, L from the config
    meta = json.loads((results / "train/gensim.npy.meta.json").read_text())
    params = meta["params"]
    assert params["window"] == TINY["context_length"] and params["epochs"] == 2
    assert (params["negative"], params["sample"]) == (5, 1e-4)
    assert (params["alpha"], params["min_alpha"]) == (0.025, 1e-4)
    # the last row scores the vectors Table 1 scores (same questions, protocol a)
    table = pd.read_csv(results / "eval/table1.csv").set_index("model")
    final = trace["analogy_accuracy"].iloc[-1]
    assert final == table.loc["gensim", "analogy_a"] or (
        np.isnan(final) and np.isnan(table.loc["gensim", "analogy_a"])
    )
