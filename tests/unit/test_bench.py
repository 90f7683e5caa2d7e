"""The benchmarks run end to end at toy sizes and write what they promise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from qwem.bench import convergence, cooccur, gensim, noise, scale, spectral, train


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # results/bench/ is relative to the working dir
    return tmp_path


def test_spectral_bench_compares_methods_against_eigh(in_tmp: Path) -> None:
    out = spectral.run(vocab_size=600, dim=10)
    data = json.loads(out.read_text())
    assert data["rows"][0]["method"] == "numpy.linalg.eigh (full)"
    assert data["rows"][2]["method"].startswith("default (auto -> ")
    for row in data["rows"]:
        assert row["seconds"] > 0
        assert row["max_residual_rel_lambda1"] <= 1e-8
        assert row["max_eigenvalue_error_rel_lambda1"] <= 1e-8
    assert data["speedup_vs_eigh"] > 0 and data["top_eigenvalue"] > 0


def test_convergence_bench_traces_overlaps_and_rise_order(in_tmp: Path) -> None:
    out = convergence.run(
        vocab_size=500, dim=5, batch=2000, steps=400, schedule=((0, 10.0),)
    )
    data = json.loads(out.read_text())
    rows = data["rows"]
    assert rows and rows[-1]["step"] == 400
    for row in rows:
        for k in (1, 5):
            assert 0.0 <= row[f"overlap_{k}"] <= 1.0 + 1e-12
    assert data["final_overlap"] == rows[-1]["overlap_5"]
    assert sorted(data["rise_order"]) == list(range(1, len(data["rise_order"]) + 1))
    run_dir = in_tmp / "results/bench/convergence"
    assert (run_dir / "W.npy").exists() and (run_dir / "trace.csv").exists()
    assert not (run_dir / "snapshots").exists()  # snapshots removed


def test_train_bench_times_every_case_side_by_side(in_tmp: Path) -> None:
    out = train.run(
        vocab_size=600,
        batch=500,
        steps=2,
        rounds=1,
        gensim_steps=2,
        gensim_dims=(8, 16),
    )
    data = json.loads(out.read_text())
    rows = data["rows"]
    # one round against gensim per dimension, its ratio the round's
    side = data["versus_gensim"]
    assert [r["dim"] for r in side] == [8, 16]
    for r in side:
        assert r["gensim_float32_pairs_per_cpu_s"] > 0
        want = r["ours_float32_pairs_per_cpu_s"] / r["gensim_float32_pairs_per_cpu_s"]
        assert data["gensim_ratio"][str(r["dim"])] == pytest.approx(want)
    if not torch.cuda.is_available():  # bandwidth: CUDA only
        assert data["copy_bandwidth_bytes_per_s"] is None
    cases = {(r["loss"], r["negatives"], r["update"], r["dtype"]) for r in rows}
    assert len(cases) == len(rows) == 9
    assert ("qwem", "shared 64", "sparse", "float64") in cases
    assert ("qwem", "independent", "rowwise (previous)", "float32") in cases
    assert ("sgns", "independent", "sequential", "float32") in cases
    for row in rows:
        assert row["steps_per_s"] > 0
        if row["update"] == "sequential":  # counted pairs: <= 2 per slot, > 1
            per_step = row["pairs_per_s"] / row["steps_per_s"]
            assert 500 < per_step <= 1000
            continue
        negatives = 64 * 600 if row["negatives"] == "shared 64" else 500
        ratio = row["pairs_per_s"] / row["positive_pairs_per_s"]
        assert ratio == pytest.approx((500 + negatives) / 500)


def test_noise_bench_compares_the_negative_schemes_at_w_star(in_tmp: Path) -> None:
    out = noise.run(vocab_size=600, dim=10, draws=20)
    rows = json.loads(out.read_text())["rows"]
    assert [(r["positives"], r["negatives"]) for r in rows] == [
        (10_000, "10000 independent"),
        (20_000, "20000 independent"),
        (10_000, "shared 64"),
        (20_000, "shared 64"),
    ]
    assert rows[0]["variance_ratio_vs_first"] == 1.0
    for row in rows:
        assert 0 < row["variance_past_d_30"] < row["variance"]
        assert row["seconds_per_step"] > 0
    # twice the pairs, about half the variance (at V = 600 the 64 x 600 shared
    # pairs are no better than 20,000 independent ones: their gain grows with V)
    assert 0.3 < rows[1]["variance_ratio_vs_first"] < 0.7
    assert rows[3]["variance"] < rows[2]["variance"]


def test_gensim_bench_trains_one_run_per_point(in_tmp: Path) -> None:
    out = gensim.run(vocab_size=300, dim=8, window=2, grid={1e-3: (1, 2)})
    data = json.loads(out.read_text())
    rows = data["rows"]
    assert [(r["sample"], r["epochs"]) for r in rows] == [(1e-3, 1), (1e-3, 2)]
    for row in rows:
        assert 0.0 <= row["analogy_accuracy"] <= 1.0
        assert 0 < row["seconds"] < row["total_seconds"]
    # separate runs: the 2-epoch run trains on about twice the words
    assert 1.8 < rows[1]["effective_words"] / rows[0]["effective_words"] < 2.2
    assert rows[1]["pair_updates"] == pytest.approx(2 * rows[0]["pair_updates"])
    assert data["tokens"] > 100_000 and set(data["converged_epochs"]) == {"0.001"}


def test_converged_epochs_is_the_first_of_two_close_neighbours() -> None:
    rows = [
        {"sample": 1e-3, "epochs": e, "analogy_accuracy": a}
        for e, a in (
            (1, 0.02),
            (2, 0.10),
            (5, 0.30),
            (6, 0.32),
            (10, 0.35),
            (11, 0.355),
        )
    ]
    assert gensim.converged_epochs(rows, 1e-3, 0.01) == 10
    assert gensim.converged_epochs(rows, 1e-3, 0.05) == 5
    assert gensim.converged_epochs(rows, 1e-4, 0.01) is None


def test_counting_scale_bench_checks_exactness_across_parts(in_tmp: Path) -> None:
    out = scale.run(tokens=300_001, parts=3, vocab_size=600)
    data = json.loads(out.read_text())
    checked = data["exactness"]
    assert checked["exact"] and checked["tokens"] == 300_001
    assert [r["step"] for r in data["rows"]][1:] == [
        "count 3 parts, 2 jobs at a time",
        "merge 3 parts",
        "targets (P, M*, PMI, PPMI, SGNS, G)",
    ]
    assert data["rows"][1]["peak_mb_per_job"] > 0


def test_counting_stage_bench_runs_the_pipeline_commands(in_tmp: Path) -> None:
    # the commands of `make bench STAGES=cooccur` as the pipeline's CLI takes them
    rng = np.random.default_rng(0)
    tok = rng.integers(0, 50, 20_000).astype(np.uint16)
    off = np.array([0, 7_000, 20_000], np.int64)
    rows = cooccur._stage(in_tmp, tok, off, 50, 4)
    assert [r["step"].split(",")[0] for r in rows] == [
        "count",
        "count",
        "merge 2 shards",
        "targets (P",
    ]
    assert all(r["seconds"] > 0 for r in rows)
