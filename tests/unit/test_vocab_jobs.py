"""qwem.vocab's stage functions: count, build, tokenize, summarize (file to file)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

from qwem import vocab


def test_count_build_tokenize_summarize(tmp_path: Path) -> None:
    text = tmp_path / "part.txt.gz"
    with gzip.open(text, "wt") as fh:
        fh.write("the cat sat on the mat\nthe dog\n")
    counts = vocab.count_part(text, tmp_path / "wc.tsv.gz", digits="spell")
    assert counts["the"] == 3 and counts.total() == 8
    table = vocab.build_vocabulary([tmp_path / "wc.tsv.gz"], tmp_path / "v.tsv", size=2)
    assert table["word"].tolist() == ["the", "cat"]  # ties alphabetically
    meta = json.loads((tmp_path / "v.tsv.meta.json").read_text())
    assert (meta["tokens"], meta["in_vocab_tokens"], meta["distinct_words"]) == (
        8,
        4,
        6,
    )
    out = {k: tmp_path / f"t.{k}" for k in ("tokens", "offsets", "info")}
    shard = vocab.tokenize_to_files(text, tmp_path / "v.tsv", digits="spell", **out)
    np.testing.assert_array_equal(np.load(out["tokens"]), [0, 1, 0, 0])
    np.testing.assert_array_equal(np.load(out["offsets"]), [0, 3, 4])
    info = json.loads(out["info"].read_text())
    assert (info["tokens"], info["documents"], info["words_seen"]) == (4, 2, 8)
    assert shard.n_docs == 2
    second = tmp_path / "u.json"
    second.write_text(out["info"].read_text())
    record = vocab.summarize_shards([out["info"], second], tmp_path / "s.json")
    assert record["tokens"] == 8 and list(record["parts"]) == ["t.info", "u"]
    assert json.loads((tmp_path / "s.json").read_text()) == record
