"""``qwem train``: one SGD training run of QWEM or SGNS."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from qwem.cli.common import actions, add_command

logger = logging.getLogger(__name__)


def concatenate_shards(
    tokens: list[Path], offsets: list[Path]
) -> tuple[np.ndarray, np.ndarray]:
    """All token shards as one stream, with document offsets into it."""
    from qwem.io import load_shards

    shards = load_shards(tokens, offsets)
    starts = np.cumsum([0] + [t.size for t, _ in shards])
    parts = [np.zeros(1, np.int64)] + [
        o[1:] + s for (_, o), s in zip(shards, starts, strict=False)
    ]
    return np.concatenate([np.asarray(t) for t, _ in shards]), np.concatenate(parts)


def cmd_run(a: argparse.Namespace) -> None:
    from qwem import evaluate, vocab
    from qwem.io import load_npy, write_word2vec
    from qwem.train import TrainConfig, train
    from qwem.train.loop import Corpus

    if a.threads > 0:
        import torch

        torch.set_num_threads(a.threads)
    cfg = TrainConfig.from_dict({**json.loads(a.config), "name": a.run})
    tokens, offsets = concatenate_shards(a.tokens, a.offsets)
    p_ij = load_npy(a.p_ij, mmap=True)  # Ψ of Setting 3.1, and every run's κ
    corpus = Corpus(
        tokens, offsets, load_npy(a.unigram), p_ij, a.context_length, a.weighting
    )
    words = vocab.read_vocabulary(a.vocab)
    questions = evaluate.load_analogies()

    def accuracy(W: np.ndarray) -> float:
        return evaluate.analogy_accuracy(W, words, questions)[0]

    W = train(corpus, cfg, a.out_dir, evaluate=accuracy)
    write_word2vec(a.w2v, words, W)


def register(stages: Any) -> None:
    """Add ``qwem train ...``."""
    tr = actions(stages, "train", "SGD training of QWEM / SGNS")
    p = add_command(tr, "run", cmd_run, "train one run, resuming from its last state")
    p.add_argument("--run", required=True, help="run name (train.runs.<run>)")
    p.add_argument("--config", required=True, help="the run's settings as JSON")
    p.add_argument("--tokens", type=Path, nargs="+", required=True)
    p.add_argument("--offsets", type=Path, nargs="+", required=True)
    p.add_argument("--vocab", type=Path, required=True)
    p.add_argument("--unigram", type=Path, required=True, help="stats/unigram.npy")
    p.add_argument(
        "--p-ij", dest="p_ij", type=Path, required=True, help="stats/P_ij.npy"
    )
    p.add_argument("--context-length", type=int, required=True)
    p.add_argument("--weighting", required=True, choices=("linear", "flat"))
    p.add_argument("--out-dir", type=Path, required=True)
    p.add_argument("--w2v", type=Path, required=True)
    p.add_argument(
        "--threads", type=int, default=0, help="torch CPU threads (0: torch's default)"
    )
