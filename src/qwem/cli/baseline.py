"""``qwem baseline``: the gensim Word2Vec baseline of Table 1."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import numpy as np

from qwem.cli.common import actions, add_command

logger = logging.getLogger(__name__)

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
    import gensim

    from qwem import baseline, evaluate, vocab
    from qwem.io import atomic_text, load_shards, save_npy, write_meta, write_word2vec

    cfg = baseline.GensimConfig(**{key: getattr(a, key) for key in SETTINGS})
    words = vocab.read_vocabulary(a.vocab)
    shards = load_shards(a.tokens, a.offsets)
    questions = evaluate.load_analogies()

    def accuracy(W: np.ndarray) -> float:
        return evaluate.analogy_accuracy(W, words, questions)[0]

    run = baseline.train_gensim(shards, words, cfg, evaluate=accuracy)
    params = {"tokens": [str(t) for t in a.tokens], "vocab": str(a.vocab)}
    params.update({key: getattr(a, key) for key in SETTINGS})
    with atomic_text(a.out_trace, compress=False) as fh:
        run.trace.to_csv(fh, index=False, lineterminator="\n")
    write_meta(a.out_trace, params, gensim_version=gensim.__version__)
    write_word2vec(a.out_w2v, words, run.vectors)
    shape = run.vectors.shape
    write_meta(a.out_npy, params, gensim_version=gensim.__version__, shape=shape)
    save_npy(a.out_npy, run.vectors)
    logger.info(
        "wrote %s, %s and %s: %d x %d", a.out_npy, a.out_w2v, a.out_trace, *shape
    )


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
