"""The targets stage (counts -> P_i, P_ij, M*, PMI, ...) inside the real DAG."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import SnakemakeRunner
from qwem import cooccur

pytestmark = pytest.mark.workflow


def test_statistics_of_the_tiny_run(tiny_run: tuple[Path, SnakemakeRunner]) -> None:
    workdir, _ = tiny_run
    stats_dir = workdir / "results/tiny/stats"
    stats = json.loads((stats_dir / "stats.json").read_text())
    assert (stats["V"], stats["L"], stats["weighting"]) == (300, 4, "linear")
    summary = json.loads((workdir / "results/tiny/corpus/summary.json").read_text())
    assert stats["tokens"] == summary["tokens"]
    assert stats["documents"] == summary["documents"]
    assert stats["params"]["config"]  # the config fingerprint is recorded
    counts = cooccur.load(workdir / "results/tiny/cooccur/counts.npz")
    assert stats["corpus_fingerprint"] == counts.fingerprint()
    p_i = np.load(stats_dir / "unigram.npy")
    assert p_i.shape == (300,) and abs(p_i.sum() - 1) < 1e-12
    for name in ("P_ij", "M_star", "pmi", "ppmi", "sgns", "G"):
        m = np.load(stats_dir / f"{name}.npy", mmap_mode="r")
        assert m.shape == (300, 300) and m.dtype == np.float64, name
        assert np.array_equal(m, m.T), name
    m_star = np.load(stats_dir / "M_star.npy")
    assert m_star.min() >= -2.0 and m_star.max() <= 2.0
    p_ij = np.load(stats_dir / "P_ij.npy")
    # sum P_ij is 1 up to the windows cut short by document ends
    # (docs/method.md#corpus-statistics)
    pairs, weight_sum = counts.pairs, int(counts.weighted.sum())
    assert abs(p_ij.sum() - weight_sum / (2.5 * pairs)) < 1e-9
    assert abs(stats["sum_P_ij"] - p_ij.sum()) < 1e-9
    # ... and stats.json says why: the counted pairs' mean weight over (L + 1)/2
    assert stats["nominal_pair_weight"] == 2.5
    assert stats["mean_pair_weight"] == weight_sum / pairs
    assert abs(stats["pair_weight_ratio"] - stats["sum_P_ij"]) < 1e-9
    # every job before M*'s eigensolve recorded its wall time
    assert set(stats["wall_seconds"]) == {"count", "merge", "targets"}
    assert all(v > 0 for v in stats["wall_seconds"].values())
    assert np.all(np.load(stats_dir / "ppmi.npy") >= 0)


def test_dry_run_plans_the_tiny_config_and_refuses_a_huge_v(
    tiny_config: Path, snakemake: SnakemakeRunner
) -> None:
    """The tiny config plans (its dense jobs fit); V = 10^7 is refused at
    parse time with the figure, before any job (docs/method.md#targets)."""
    snakemake("-n", "--configfile", str(tiny_config))
    proc = snakemake(
        "-n",
        "--configfile",
        str(tiny_config),
        "--config",
        "vocab_size=10000000",
        check=False,
    )
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "targets for V = 10,000,000 needs about 858," in text
    assert "lower vocab_size" in text
