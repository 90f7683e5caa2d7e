"""``qwem vocab``: word counts, the vocabulary and token shards.

The work is :mod:`qwem.vocab` (``count_part``, ``build_vocabulary``,
``tokenize_to_files``, ``summarize_shards``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qwem.cli.common import actions, add_command

DIGITS = ("spell", "drop")


def cmd_count(a: argparse.Namespace) -> None:
    from qwem.vocab import count_part

    count_part(a.text, a.out, digits=a.digits)


def cmd_build(a: argparse.Namespace) -> None:
    from qwem.vocab import build_vocabulary

    build_vocabulary(a.counts, a.out, size=a.size)


def cmd_tokenize(a: argparse.Namespace) -> None:
    from qwem.vocab import tokenize_to_files

    outs = {"tokens": a.tokens, "offsets": a.offsets, "info": a.info}
    tokenize_to_files(a.text, a.vocab, digits=a.digits, **outs)


def cmd_summarize(a: argparse.Namespace) -> None:
    from qwem.vocab import summarize_shards

    total = summarize_shards(a.info, a.out)
    print(
        f"{total['tokens']:,} tokens in {total['documents']:,} documents, "
        f"{len(total['parts'])} shards"
    )


def register(stages: Any) -> None:
    """Add ``qwem vocab ...``."""
    voc = actions(stages, "vocab", "vocabulary and token shards")
    p = add_command(voc, "count", cmd_count, "word counts of one text part")
    p.add_argument("text", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--digits", required=True, choices=DIGITS)
    p = add_command(voc, "build", cmd_build, "merge word counts into vocab.tsv")
    p.add_argument("counts", type=Path, nargs="+")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--size", type=int, required=True, help="V")
    p = add_command(voc, "tokenize", cmd_tokenize, "text part -> token shard")
    p.add_argument("text", type=Path)
    p.add_argument("vocab", type=Path)
    p.add_argument("--tokens", type=Path, required=True)
    p.add_argument("--offsets", type=Path, required=True)
    p.add_argument("--info", type=Path, required=True)
    p.add_argument("--digits", required=True, choices=DIGITS)
    p = add_command(voc, "summarize", cmd_summarize, "token counts of all shards")
    p.add_argument("info", type=Path, nargs="+")
    p.add_argument("--out", type=Path, required=True)
