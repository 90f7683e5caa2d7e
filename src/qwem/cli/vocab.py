"""``qwem vocab``: vocabulary and token shards."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from qwem import __version__
from qwem.cli.common import add_command

logger = logging.getLogger(__name__)


def cmd_count_words(a: argparse.Namespace) -> None:
    from qwem import vocab

    counts = vocab.count_words(a.text, digits=a.digits)
    vocab.write_counts(counts, a.out)
    logger.info("%s: %d tokens, %d distinct words", a.text, counts.total(), len(counts))


def cmd_build_vocab(a: argparse.Namespace) -> None:
    from qwem import vocab
    from qwem.io import write_meta

    counts = vocab.merge_counts(a.counts)
    table = vocab.select_vocabulary(counts, size=a.size)
    covered = int(table["count"].sum())
    total = int(counts.sum())
    write_meta(
        a.out,
        {"vocab_size": a.size, "parts": len(a.counts)},
        tokens=total,
        distinct_words=len(counts),
        in_vocab_tokens=covered,
    )
    vocab.write_vocabulary(table, a.out)
    logger.info(
        "vocabulary of %d words covers %d of %d tokens (%.1f %%)",
        a.size,
        covered,
        total,
        100.0 * covered / max(total, 1),
    )


def cmd_tokenize(a: argparse.Namespace) -> None:
    from qwem import vocab
    from qwem.io import save_npy, write_json

    words = vocab.read_vocabulary(a.vocab)
    shard = vocab.tokenize_part(a.text, words, digits=a.digits)
    save_npy(a.offsets, shard.offsets)
    write_json(
        a.info,
        {
            "qwem_version": __version__,
            "params": {"digits": a.digits, "vocab_size": len(words)},
            "tokens": int(shard.tokens.size),
            "documents": shard.n_docs,
            "words_seen": shard.words_seen,
            "documents_seen": shard.docs_seen,
            "dtype": str(shard.tokens.dtype),
        },
    )
    save_npy(a.tokens, shard.tokens)
    logger.info(
        "%s: %d tokens in %d documents (%d words seen)",
        a.text,
        shard.tokens.size,
        shard.n_docs,
        shard.words_seen,
    )


def cmd_summarize(a: argparse.Namespace) -> None:
    from qwem.io import read_json, write_json

    parts = {Path(p).name.removesuffix(".json"): read_json(p) for p in a.info}
    total = {
        k: sum(int(v[k]) for v in parts.values())
        for k in ("tokens", "documents", "words_seen")
    }
    write_json(a.out, {"qwem_version": __version__, **total, "parts": parts})
    print(
        f"{total['tokens']:,} tokens in {total['documents']:,} documents, "
        f"{len(parts)} shards"
    )


def register(stages: Any) -> None:
    """Add ``qwem vocab ...``."""
    voc = stages.add_parser("vocab", help="vocabulary and token shards").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    p = add_command(voc, "count", cmd_count_words, "word counts of one text part")
    p.add_argument("text", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--digits", required=True, choices=("spell", "drop"))
    p = add_command(voc, "build", cmd_build_vocab, "merge word counts into vocab.tsv")
    p.add_argument("counts", type=Path, nargs="+")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--size", type=int, required=True, help="V")
    p = add_command(
        voc, "tokenize", cmd_tokenize, "text part -> token shard (ids, offsets)"
    )
    p.add_argument("text", type=Path)
    p.add_argument("vocab", type=Path)
    p.add_argument("--tokens", type=Path, required=True)
    p.add_argument("--offsets", type=Path, required=True)
    p.add_argument("--info", type=Path, required=True)
    p.add_argument("--digits", required=True, choices=("spell", "drop"))
    p = add_command(voc, "summarize", cmd_summarize, "token counts of all shards")
    p.add_argument("info", type=Path, nargs="+")
    p.add_argument("--out", type=Path, required=True)
