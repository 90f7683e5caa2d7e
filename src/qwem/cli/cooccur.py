"""``qwem cooccur``: pair counts of each token shard (:mod:`qwem.cooccur.jobs`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qwem.cli.common import actions, add_command, pick


def cmd_count(a: argparse.Namespace) -> None:
    from qwem.cooccur.jobs import count_shard

    keys = ("vocab_size", "context_length", "weighting", "method", "max_memory_mb")
    count_shard(a.tokens, a.offsets, a.out, **pick(a, *keys))


def cmd_merge(a: argparse.Namespace) -> None:
    from qwem.cooccur.jobs import merge_shards

    merge_shards(a.parts, a.out)


def register(stages: Any) -> None:
    """Add ``qwem cooccur ...``."""
    co = actions(stages, "cooccur", "co-occurrence counts")
    p = add_command(co, "count", cmd_count, "count the pairs of one token shard")
    p.add_argument("tokens", type=Path)
    p.add_argument("offsets", type=Path)
    p.add_argument("--out", type=Path, required=True, help=".npz counts")
    p.add_argument("--vocab-size", type=int, required=True)
    p.add_argument("--context-length", type=int, required=True)
    p.add_argument("--weighting", choices=("linear", "flat"), required=True)
    p.add_argument("--method", choices=("auto", "dense", "sparse"), required=True)
    p.add_argument("--max-memory-mb", type=float, required=True)
    p = add_command(co, "merge", cmd_merge, "sum the counts of all shards")
    p.add_argument("parts", type=Path, nargs="+")
    p.add_argument("--out", type=Path, required=True)
