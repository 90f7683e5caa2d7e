"""The cooccur stage (token shards -> pair counts) inside the real DAG."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TINY, SnakemakeRunner
from qwem import cooccur

pytestmark = pytest.mark.workflow


def test_counts_of_the_tiny_run(tiny_run: tuple[Path, SnakemakeRunner]) -> None:
    workdir, _ = tiny_run
    results = workdir / "results/tiny"
    # per-shard counts are temporary; the merged counts stay
    assert not list((results / "cooccur").glob("part-*.npz"))
    counts = cooccur.load(results / "cooccur/counts.npz")
    summary = json.loads((results / "corpus/summary.json").read_text())
    # every token is the centre of a pair unless its window is empty
    assert 0 < counts.pairs <= summary["tokens"] * TINY["context_length"]
    assert int(counts.weighted.sum()) > counts.pairs  # linear weights exceed 1
    assert list((results / "logs/cooccur_count").glob("*.log"))
