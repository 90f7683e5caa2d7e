"""``qwem cooccur`` and ``qwem targets``: pair counts and the V x V targets."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

from qwem.cli.common import actions, add_command

logger = logging.getLogger(__name__)

TARGET_FILES = ("unigram", "P_ij", "M_star", "pmi", "ppmi", "sgns", "G")


def cmd_count(a: argparse.Namespace) -> None:
    from qwem import cooccur
    from qwem.io import load_npy

    start = time.perf_counter()
    tokens = load_npy(a.tokens, mmap=True)
    offsets = load_npy(a.offsets)
    counts = cooccur.count(
        tokens,
        offsets,
        vocab_size=a.vocab_size,
        context_length=a.context_length,
        weighting=a.weighting,
        max_memory_mb=a.max_memory_mb,
        method=a.method,
    )
    params = {k: getattr(a, k) for k in ("vocab_size", "context_length", "weighting")}
    seconds = {"count": time.perf_counter() - start}
    cooccur.save(
        a.out, counts, {**params, "tokens_file": str(a.tokens)}, wall_seconds=seconds
    )
    logger.info("%s: %d pairs, %d distinct", a.out, counts.pairs, counts.keys.size)


def cmd_merge(a: argparse.Namespace) -> None:
    from qwem import cooccur

    start = time.perf_counter()
    parts = [cooccur.load(p) for p in a.parts]
    merged = cooccur.merge(parts)
    seconds = {"merge": time.perf_counter() - start}
    counted = [cooccur.read_meta(p).get("wall_seconds", {}) for p in a.parts]
    if all("count" in c for c in counted):  # every shard timed (not an older qwem)
        seconds["count"] = sum(c["count"] for c in counted)
    shards = {"shards": [str(p) for p in a.parts]}
    cooccur.save(a.out, merged, shards, wall_seconds=seconds)
    logger.info(
        "%d shards: %d tokens, %d pairs, %d distinct pairs",
        len(parts),
        merged.tokens,
        merged.pairs,
        merged.keys.size,
    )


def cmd_targets(a: argparse.Namespace) -> None:
    from qwem import cooccur, targets
    from qwem.io import provenance, write_json

    start = time.perf_counter()
    counts = cooccur.load(a.counts)
    outputs = {name: a.outdir / f"{name}.npy" for name in TARGET_FILES}
    summary = targets.write_targets(counts, outputs, negative_weight=a.negative_weight)
    meta = cooccur.read_meta(a.counts)
    # wall time of every job so far: counting (all shards), merge, targets
    seconds = {**meta.get("wall_seconds", {}), "targets": time.perf_counter() - start}
    write_json(
        a.stats,
        {
            **provenance({"counts": str(a.counts), "config": a.config_fingerprint}),
            "V": counts.vocab_size,
            "L": counts.context_length,
            "weighting": counts.weighting,
            "tokens": counts.tokens,
            "documents": counts.documents,
            "pairs": counts.pairs,
            "distinct_pairs": int(counts.keys.size),
            "corpus_fingerprint": meta["fingerprint"],
            "files": {name: path.name for name, path in outputs.items()},
            "wall_seconds": seconds,
            **summary,
        },
    )
    logger.info("targets written: %s", summary)
    logger.info(
        "sum P_ij = %.6f: the counted pairs weigh %.4f on average against the "
        "nominal %.4f of P_ij's denominator (windows cut short by document ends "
        "lose their far, light pairs)",
        summary["sum_P_ij"],
        summary["mean_pair_weight"],
        summary["nominal_pair_weight"],
    )


def register(stages: Any) -> None:
    """Add ``qwem cooccur ...`` and ``qwem targets ...``."""
    co = actions(stages, "cooccur", "co-occurrence counts")
    p = add_command(co, "count", cmd_count, "count the pairs of one token shard")
    p.add_argument("tokens", type=Path)
    p.add_argument("offsets", type=Path)
    p.add_argument("--out", type=Path, required=True, help=".npz counts")
    p.add_argument("--vocab-size", type=int, required=True)
    p.add_argument("--context-length", type=int, required=True)
    p.add_argument("--weighting", choices=("linear", "flat"), required=True)
    p.add_argument("--method", choices=("auto", "dense", "sparse"), default="auto")
    p.add_argument("--max-memory-mb", type=float, required=True)
    p = add_command(co, "merge", cmd_merge, "sum the counts of all shards")
    p.add_argument("parts", type=Path, nargs="+")
    p.add_argument("--out", type=Path, required=True)

    tg = actions(stages, "targets", "M*, PMI, PPMI, SGNS target, G from counts")
    p = add_command(tg, "build", cmd_targets, "write P_i, P_ij and the V x V targets")
    p.add_argument("counts", type=Path)
    p.add_argument("--outdir", type=Path, required=True)
    p.add_argument("--stats", type=Path, required=True, help="stats.json")
    p.add_argument("--config-fingerprint", dest="config_fingerprint", default="")
    p.add_argument(
        "--negative-weight",
        type=float,
        required=True,
        help="ν of M*, G and the SGNS target (targets.negative_weight)",
    )
