"""The vocab stage (text -> vocabulary, token shards) inside the real DAG."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import SnakemakeRunner

pytestmark = pytest.mark.workflow


def test_vocabulary_and_token_shards_of_the_tiny_run(
    tiny_run: tuple[Path, SnakemakeRunner],
) -> None:
    out = tiny_run[0] / "results/tiny"
    vocab = (out / "corpus/vocab.tsv").read_text().splitlines()
    assert vocab[0] == "word\tcount" and len(vocab) == 301
    counts = [int(line.split("\t")[1]) for line in vocab[1:]]
    assert counts == sorted(counts, reverse=True) and vocab[1].startswith("the\t")
    summary = json.loads((out / "corpus/summary.json").read_text())
    assert set(summary["parts"]) == {"part-bundled-sample", "part-bundled-vital"}
    total = 0
    for part in ("bundled-sample", "bundled-vital"):
        tokens = np.load(out / f"corpus/tokens/part-{part}.npy", mmap_mode="r")
        offsets = np.load(out / f"corpus/tokens/part-{part}.offsets.npy")
        assert tokens.dtype == np.uint16 and int(tokens.max()) < 300
        assert offsets[0] == 0 and offsets[-1] == tokens.size
        assert np.all(np.diff(offsets) > 0)
        total += tokens.size
    assert summary["tokens"] == total > 300_000
