"""What ``qwem train run`` does, file to file: one SGD run from the token shards.

The corpus is every token shard as one stream (documents never cross a
shard), with P_i and P_ij of the targets stage (Ψ of Setting 3.1 and every
run's κ, docs/method.md#training); the run resumes from its last state.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from numpy.typing import NDArray


def concatenate_shards(
    tokens: list[Path], offsets: list[Path]
) -> tuple[NDArray[np.integer], NDArray[np.int64]]:
    """All token shards as one stream, with document offsets into it."""
    from qwem.digests import load_shards

    shards = load_shards(tokens, offsets)
    starts = np.cumsum([0] + [t.size for t, _ in shards])
    parts = [np.zeros(1, np.int64)] + [
        o[1:] + s for (_, o), s in zip(shards, starts, strict=False)
    ]
    return np.concatenate([np.asarray(t) for t, _ in shards]), np.concatenate(parts)


def train_run(
    run: str,
    settings: str,
    *,
    tokens: list[Path],
    offsets: list[Path],
    vocab: Path,
    unigram: Path,
    p_ij: Path,
    context_length: int,
    weighting: str,
    out_dir: Path,
    w2v: Path,
    threads: int,
    max_memory_mb: float | None = None,
) -> NDArray[np.float64]:
    """Train run ``run`` (``settings``: its JSON) and write W as word2vec text.

    ``threads`` > 0 sets torch's CPU threads (0: torch's default). Refuses
    first (:class:`~qwem.errors.QwemResourceError`) when
    :func:`qwem.train.config.train_memory_mb` exceeds the memory the job may
    use (:func:`qwem.runtime.check_memory`; ``max_memory_mb`` a cap).
    """
    from qwem import vocab as qvocab
    from qwem.digests import load_verified_npy, write_sealed_meta
    from qwem.evaluate.inputs import analogy_scorer
    from qwem.io import load_npy, write_word2vec
    from qwem.runtime import check_memory
    from qwem.targets import TARGETS_MADE_BY
    from qwem.train import TrainConfig, train
    from qwem.train.config import MEMORY_FIXES, train_memory_mb
    from qwem.train.loop import Corpus
    from qwem.train.records import TRAIN_MADE_BY

    if threads > 0:
        import torch

        torch.set_num_threads(threads)
    cfg = TrainConfig.from_dict({**json.loads(settings), "name": run})
    V = int(load_npy(p_ij, mmap=True).shape[0])  # the header only
    need = train_memory_mb(
        V,
        cfg.dim,
        cfg.dtype,
        loss=cfg.loss,
        reweighting=cfg.reweighting,
        tokens_mb=sum(t.stat().st_size for t in tokens) / 2**20,
    )
    check_memory(
        f"training run {run} for V = {V:,}",
        need,
        fixes=MEMORY_FIXES,
        limit_mb=max_memory_mb,
    )
    stream, starts = concatenate_shards(tokens, offsets)
    corpus = Corpus(
        stream,
        starts,
        load_verified_npy(unigram, made_by=TARGETS_MADE_BY),
        load_verified_npy(p_ij, made_by=TARGETS_MADE_BY, mmap=True),
        context_length,
        weighting,
    )
    words = qvocab.read_vocabulary(vocab)
    W = train(corpus, cfg, out_dir, evaluate=analogy_scorer(words))
    write_word2vec(w2v, words, W)
    write_sealed_meta(w2v, {"run": run}, made_by=TRAIN_MADE_BY)
    return W
