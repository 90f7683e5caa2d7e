"""What ``qwem cooccur`` does, file to file: count one shard, merge all shards.

Each counts file records its job's wall time (``wall_seconds``), which the
targets and the compute table add up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from qwem.cooccur import PairCounts
from qwem.errors import QwemInputError

logger = logging.getLogger(__name__)


def count_shard(
    tokens: Path,
    offsets: Path,
    out: Path,
    *,
    vocab_size: int,
    context_length: int,
    weighting: str,
    method: str,
    max_memory_mb: float,
) -> PairCounts:
    """Count the weighted pairs of one token shard into ``out`` (.npz)."""
    from qwem import cooccur
    from qwem.digests import load_shard

    start = time.perf_counter()
    shard, starts = load_shard(tokens, offsets)  # checked against its digests
    try:
        counts = cooccur.count(
            shard,
            starts,
            vocab_size=vocab_size,
            context_length=context_length,
            weighting=weighting,
            max_memory_mb=max_memory_mb,
            method=method,
        )
    except QwemInputError as exc:  # a bad shard: name its file
        raise QwemInputError(f"{tokens}: {exc}") from exc
    params = {
        "vocab_size": vocab_size,
        "context_length": context_length,
        "weighting": weighting,
        "tokens_file": str(tokens),
    }
    seconds = {"count": time.perf_counter() - start}
    cooccur.save(out, counts, params, wall_seconds=seconds)
    logger.info("%s: %d pairs, %d distinct", out, counts.pairs, counts.keys.size)
    return counts


def merge_shards(parts: Sequence[Path], out: Path) -> PairCounts:
    """Sum the counts of all shards into ``out``; times: merge, and all counting.

    Shards are read one at a time and folded into the running sum, so memory
    holds the sum, one shard and the next sum (at most 3 x 24 bytes per
    distinct pair, whatever the number of shards), not every shard at once.
    """
    from qwem import cooccur
    from qwem.cooccur import files
    from qwem.runtime import progress

    if not parts:
        raise QwemInputError("no co-occurrence shards to merge")
    start = time.perf_counter()
    merged: PairCounts | None = None
    for path in progress(parts, desc="merge shards", unit="shard"):
        counts = cooccur.load(path)
        merged = counts if merged is None else cooccur.merge([merged, counts])
    assert merged is not None
    seconds = {"merge": time.perf_counter() - start}
    counted = [cooccur.read_meta(p).get("wall_seconds", {}) for p in parts]
    if all("count" in c for c in counted):  # every shard timed (not an older qwem)
        seconds["count"] = sum(c["count"] for c in counted)
    shards = {"shards": [str(p) for p in parts]}
    cooccur.save(out, merged, shards, wall_seconds=seconds, made_by=files.MERGE_MADE_BY)
    logger.info(
        "%d shards: %d tokens, %d pairs, %d distinct pairs",
        len(parts),
        merged.tokens,
        merged.pairs,
        merged.keys.size,
    )
    return merged
