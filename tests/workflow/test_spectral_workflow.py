"""The closed-form stage inside the real DAG: eigenpairs, W*, spectra, theory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SnakemakeRunner

pytestmark = pytest.mark.workflow


def test_closed_form_outputs_of_the_tiny_run(
    tiny_run: tuple[Path, SnakemakeRunner],
) -> None:
    from gensim.models import KeyedVectors

    workdir, _ = tiny_run
    out = workdir / "results/tiny"
    M = np.load(out / "stats/M_star.npy")
    ref = np.linalg.eigvalsh(M)[::-1][:8]
    scale = np.abs(np.linalg.eigvalsh(M)).max()
    with np.load(out / "closed_form/M_star.eig.npz") as z:
        values, vectors, residuals = z["values"], z["vectors"], z["residuals"]
        meta = json.loads(str(z["meta"]))
    # the configured accuracy bar (spectral.tol = 1e-8 of max|λ|)
    np.testing.assert_allclose(values, ref, rtol=0, atol=1e-8 * scale)
    assert residuals.max() <= 1e-8 * scale
    assert meta["params"]["dim"] == 8 and meta["frobenius_sq"] > 0
    W = np.load(out / "closed_form/M_star.npy")
    positive = values > 0
    np.testing.assert_allclose(W, vectors[:, positive] * np.sqrt(values[positive]))
    vocab = pd.read_csv(out / "corpus/vocab.tsv", sep="\t", keep_default_na=False)
    for target in ("M_star", "pmi", "ppmi", "G"):
        kv = KeyedVectors.load_word2vec_format(
            str(out / f"closed_form/{target}.w2v.txt")
        )
        assert kv.index_to_key == list(vocab["word"]), target
        assert 1 <= kv.vector_size <= 8
    spectra = pd.read_csv(out / "closed_form/spectra.csv")
    assert set(spectra["target"]) == {"M_star", "pmi", "ppmi", "G"}
    assert (
        spectra.groupby("target")["eigenvalue"].apply(
            lambda v: bool(np.all(np.diff(v.to_numpy()) <= 0))
        )
    ).all()  # descending per target


def test_theory_curves_of_the_tiny_run(tiny_run: tuple[Path, SnakemakeRunner]) -> None:
    workdir, _ = tiny_run
    out = workdir / "results/tiny/closed_form"
    curves = pd.read_csv(out / "theory.csv")
    assert set(curves.columns) >= {
        "init",
        "t",
        "t_over_tau1",
        "mode",
        "lambda",
        "u",
        "s",
        "tau",
    }
    assert sorted(curves["init"].unique()) == [1e-12, 0.1]
    for (_, _), mode in curves.groupby(["init", "mode"]):
        u = mode.sort_values("t")["u"].to_numpy()
        lam = mode["lambda"].iloc[0]
        assert np.all(np.diff(u) >= 0) and u[-1] <= lam  # increasing, saturating
        assert u[-1] > 0.9 * lam  # the grid reaches past every τ_k
        np.testing.assert_allclose(mode["s"], np.sqrt(mode["u"]))
    small = curves[curves["init"] == 1e-12]
    taus = small.groupby("mode")["tau"].first()
    assert taus.is_monotonic_increasing  # modes are learned in order
    loss = pd.read_csv(out / "theory_loss.csv")
    for _, part in loss.groupby("init"):
        assert np.all(np.diff(part.sort_values("t")["loss"].to_numpy()) <= 1e-12)
