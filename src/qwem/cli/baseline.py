"""``qwem baseline``: the gensim Word2Vec baseline of Table 1.

The work is :func:`qwem.baseline.jobs.gensim_files`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qwem.cli.common import actions, add_command

#: the settings of qwem.baseline.GensimConfig, as command-line options
SETTINGS = {
    "dim": (int, "d"),
    "window": (int, "L: baseline.window, or context_length when that is null"),
    "negative": (int, "noise words per positive pair"),
    "sample": (float, "subsampling threshold, a fraction of the corpus"),
    "alpha": (float, "initial learning rate"),
    "min_alpha": (float, "final learning rate (linear decay over all epochs)"),
    "epochs": (int, "passes over the shards"),
    "seed": (int, "gensim's seed"),
    "threads": (int, "gensim workers (1 = bitwise reproducible)"),
}


def cmd_gensim(a: argparse.Namespace) -> None:
    from qwem.baseline import GensimConfig
    from qwem.baseline.jobs import gensim_files

    cfg = GensimConfig(**{key: getattr(a, key) for key in SETTINGS})
    outs = {"out_npy": a.out_npy, "out_w2v": a.out_w2v, "out_trace": a.out_trace}
    gensim_files(a.tokens, a.offsets, a.vocab, cfg, **outs)


def register(stages: Any) -> None:
    """Add ``qwem baseline ...``."""
    sp = actions(stages, "baseline", "baselines of Table 1")
    p = add_command(
        sp, "gensim", cmd_gensim, "gensim Word2Vec skip-gram (SGNS) on the shards"
    )
    p.add_argument("tokens", type=Path, nargs="+", help="token shards (.npy)")
    p.add_argument(
        "--offsets", type=Path, nargs="+", required=True, help="same order as tokens"
    )
    p.add_argument("--vocab", type=Path, required=True, help="vocab.tsv")
    for key, (kind, help_) in SETTINGS.items():
        p.add_argument(
            "--" + key.replace("_", "-"), type=kind, required=True, help=help_
        )
    p.add_argument("--out-npy", type=Path, required=True, help="(V, d) float64 .npy")
    p.add_argument("--out-w2v", type=Path, required=True, help="word2vec text file")
    p.add_argument(
        "--out-trace",
        type=Path,
        required=True,
        help="checkpoints.csv: epoch, seconds, pair_updates, effective_words, "
        "analogy_accuracy",
    )
