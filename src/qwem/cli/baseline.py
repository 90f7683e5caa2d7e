"""``qwem baseline``: the gensim Word2Vec baseline of Table 1."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from qwem.cli.common import actions, add_command

logger = logging.getLogger(__name__)


def cmd_gensim(a: argparse.Namespace) -> None:
    from qwem import baseline, vocab
    from qwem.io import load_shards, save_npy, write_meta, write_word2vec

    words = vocab.read_vocabulary(a.vocab)
    shards = load_shards(a.tokens, a.offsets)
    params = {
        "tokens": [str(t) for t in a.tokens],
        "vocab": str(a.vocab),
        "dim": a.dim,
        "window": a.window,
        "negative": baseline.NEGATIVE,
        "sample": baseline.SAMPLE,
        "epochs": a.epochs,
        "seed": a.seed,
        "threads": a.threads,
    }
    W = baseline.train_gensim(
        shards,
        words,
        dim=a.dim,
        window=a.window,
        epochs=a.epochs,
        seed=a.seed,
        threads=a.threads,
    )
    import gensim

    write_word2vec(a.out_w2v, words, W)
    write_meta(a.out_npy, params, gensim_version=gensim.__version__, shape=W.shape)
    save_npy(a.out_npy, W)
    logger.info("wrote %s and %s: %d x %d", a.out_npy, a.out_w2v, *W.shape)


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
    p.add_argument("--dim", type=int, required=True, help="d")
    p.add_argument("--window", type=int, required=True, help="L (context_length)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="gensim workers")
    p.add_argument("--out-npy", type=Path, required=True, help="(V, d) float64 .npy")
    p.add_argument("--out-w2v", type=Path, required=True, help="word2vec text file")
