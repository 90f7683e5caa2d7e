"""Single cells past 2^24 and 2^32 pair occurrences stay exact, in a part's
counts file and after the merge.

A document of n copies of one word puts every pair into one cell: with L = 16
and linear weights its count is sum_k (n - k)+ and its weight sum_k (L + 1 - k)
(n - k)+ (k = 1..L), Python integers. 2^24 is where float32 stops holding
every integer, 2^32 where a uint32 accumulator wraps: a counter that kept
either would be off by at least one here. The packed 4-byte cells of the
dense path spill to int64 every 255 pairs, so these runs also exercise the
spill list at its heaviest (one cell spilling 16.8 M times).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qwem import cooccur
from qwem.cooccur.jobs import count_shard, merge_shards

L = 16


def one_word_part(tmp: Path, name: str, n: int) -> tuple[Path, Path]:
    """Token and offsets files of one document of n copies of word 0."""
    tokens, offsets = tmp / f"{name}.npy", tmp / f"{name}.offsets.npy"
    np.save(tokens, np.zeros(n, np.uint16))
    np.save(offsets, np.array([0, n], np.int64))
    return tokens, offsets


def closed_form(n: int) -> tuple[int, int]:
    """(count, weighted count) of the one cell of an n-token one-word document."""
    count = sum(max(n - k, 0) for k in range(1, L + 1))
    weighted = sum((L + 1 - k) * max(n - k, 0) for k in range(1, L + 1))
    return count, weighted


def count_file(tmp: Path, name: str, n: int, method: str) -> Path:
    out = tmp / f"{name}.npz"
    count_shard(
        *one_word_part(tmp, name, n),
        out,
        vocab_size=2,
        context_length=L,
        weighting="linear",
        method=method,
        max_memory_mb=1e9,
    )
    return out


def cell(path: Path) -> tuple[int, int]:
    counts = cooccur.load(path)
    assert counts.keys.tolist() == [0]  # the (0, 0) cell only
    return int(counts.unweighted[0]), int(counts.weighted[0])


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_a_cell_past_2_24_is_exact_in_the_part_and_the_merge(
    tmp_path: Path, method: str
) -> None:
    n1, n2 = 2**24 // L + 1_001, 3  # n2: 3 pairs, so the sum is odd
    a = count_file(tmp_path, "a", n1, method)
    b = count_file(tmp_path, "b", n2, method)
    assert closed_form(n1)[0] > 2**24
    assert cell(a) == closed_form(n1)
    merged = tmp_path / "counts.npz"
    merge_shards([a, b, a], merged)
    want = [2 * x + y for x, y in zip(closed_form(n1), closed_form(n2), strict=True)]
    assert list(cell(merged)) == want
    assert float(np.float32(want[0])) != want[0]  # float32 could not hold it


def test_a_cell_past_2_32_is_exact_in_the_part_and_the_merge(tmp_path: Path) -> None:
    # 2^32 / 16 + 4,096 tokens (537 MB of uint16): 4.3 x 10^9 increments of one
    # cell, about 15 s; the dense path is the one the paper's V = 10,000 takes
    n1, n2 = 2**32 // L + 4_096, 2**24 // L + 7
    big = count_file(tmp_path, "big", n1, "dense")
    small = count_file(tmp_path, "small", n2, "dense")
    assert closed_form(n1)[0] > 2**32
    assert cell(big) == closed_form(n1)
    merged = tmp_path / "counts.npz"
    merge_shards([small, big], merged)
    want = [x + y for x, y in zip(closed_form(n1), closed_form(n2), strict=True)]
    assert list(cell(merged)) == want
    assert want[0] % 2**32 != want[0]  # a uint32 would have wrapped
