"""qwem.cooccur.jobs and qwem.targets.build_targets: counts, merge, stats.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qwem import cooccur, targets
from qwem.cooccur.jobs import count_shard, merge_shards


def test_count_merge_and_build_targets(tmp_path: Path) -> None:
    shards = [np.array([0, 1, 2, 1], np.uint16), np.array([2, 2, 0, 1, 1], np.uint16)]
    offsets = [np.array([0, 4]), np.array([0, 3, 5])]
    parts = []
    for i, (t, o) in enumerate(zip(shards, offsets, strict=True)):
        np.save(tmp_path / f"t{i}.npy", t)
        np.save(tmp_path / f"o{i}.npy", o)
        parts.append(tmp_path / f"p{i}.npz")
        counts = count_shard(
            tmp_path / f"t{i}.npy", tmp_path / f"o{i}.npy", parts[-1], vocab_size=3,
            context_length=2, weighting="linear", method="auto", max_memory_mb=10,
        )  # fmt: skip
        assert cooccur.load(parts[-1]).pairs == counts.pairs
        assert cooccur.read_meta(parts[-1])["params"]["tokens_file"].endswith(
            f"t{i}.npy"
        )
    merged = merge_shards(parts, tmp_path / "counts.npz")
    assert merged.tokens == 9 and merged.documents == 3
    seconds = cooccur.read_meta(tmp_path / "counts.npz")["wall_seconds"]
    assert set(seconds) == {"merge", "count"}

    summary = targets.build_targets(
        tmp_path / "counts.npz", tmp_path / "stats", tmp_path / "stats.json",
        negative_weight=1.0, config_fingerprint="abc",
    )  # fmt: skip
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["params"] == {"counts": str(tmp_path / "counts.npz"), "config": "abc"}
    assert (stats["V"], stats["tokens"], stats["documents"]) == (3, 9, 3)
    assert set(stats["wall_seconds"]) == {"count", "merge", "targets"}
    assert stats["sum_P_ij"] == summary["sum_P_ij"]
    assert stats["files"] == {n: f"{n}.npy" for n in targets.TARGET_FILES}
    p_i = np.load(tmp_path / "stats" / "unigram.npy")
    np.testing.assert_allclose(p_i, np.bincount(np.concatenate(shards)) / 9)
