"""The training stage inside the real DAG (a few steps per run)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import TINY, SnakemakeRunner
from qwem.train.loop import checkpoint_steps

pytestmark = pytest.mark.workflow


def test_training_outputs_of_the_tiny_run(
    tiny_run: tuple[Path, SnakemakeRunner],
) -> None:
    from gensim.models import KeyedVectors

    workdir, _ = tiny_run
    out = workdir / "results/tiny/train"
    # every trace_every = 10 steps, and at about trace_log_points log-spaced ones
    log_spaced = checkpoint_steps(40, TINY["train"]["trace_log_points"])[1:]
    traced = sorted({10, 20, 30, 40, *log_spaced})
    for run, settings in TINY["train"]["runs"].items():
        trace = pd.read_csv(out / run / "trace.csv")
        assert trace["step"].tolist() == traced, run
        assert {"lr", "t", "loss", "sv_1", "sv_4"} <= set(trace.columns)
        assert np.isfinite(trace[["loss", "sv_1"]].to_numpy()).all()
        config = json.loads((out / run / "config.json").read_text())
        assert config["params"]["loss"] == settings["loss"]
        # run tables merge key by key: the default config's minibatch runs
        # with Setting 3.1 share 64 negative contexts, so the tiny ones do too
        # (the others are independent)
        shared = 64 if run.startswith("qwem_") or run == "ablation_setting31" else 0
        assert config["params"]["shared_negatives"] == shared, run
        # theory time is cumulative lr x kappa
        np.testing.assert_allclose(
            trace["t"], trace["step"] * config["kappa"], rtol=1e-9
        )
        checkpoints = pd.read_csv(out / run / "checkpoints.csv")
        assert checkpoints["step"].iloc[0] == 0 and checkpoints["step"].iloc[-1] == 40
        assert checkpoints["analogy_accuracy"].between(0, 1).all()
        W = np.load(out / run / "W.npy")
        assert W.shape == (300, 8)
        kv = KeyedVectors.load_word2vec_format(str(out / f"{run}.w2v.txt"))
        np.testing.assert_allclose(kv.vectors, W, rtol=1e-5, atol=1e-7)
    gensim = KeyedVectors.load_word2vec_format(str(out / "gensim.w2v.txt"))
    assert gensim.vectors.shape == (300, 8)
