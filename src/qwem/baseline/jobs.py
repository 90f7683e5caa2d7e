"""What ``qwem baseline gensim`` does, file to file: train, then write W and its trace.

Writes W in vocabulary order as ``.npy`` and word2vec text, and the per-epoch
trace (checkpoints.csv), each with a sidecar of the settings and gensim's
version.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

from qwem.baseline.word2vec import GensimConfig, GensimRun

logger = logging.getLogger(__name__)


def gensim_files(
    tokens: list[Path],
    offsets: list[Path],
    vocab: Path,
    cfg: GensimConfig,
    *,
    out_npy: Path,
    out_w2v: Path,
    out_trace: Path,
) -> GensimRun:
    """Train gensim's SGNS on the token shards and write its three outputs."""
    import gensim

    from qwem.baseline.word2vec import train_gensim
    from qwem.digests import load_shards, write_sealed_meta
    from qwem.evaluate.inputs import analogy_scorer
    from qwem.io import atomic_text, save_npy, write_meta, write_word2vec
    from qwem.vocab import read_vocabulary

    words = read_vocabulary(vocab)
    shards = load_shards(tokens, offsets)
    run = train_gensim(shards, words, cfg, evaluate=analogy_scorer(words))
    params = {"tokens": [str(t) for t in tokens], "vocab": str(vocab), **asdict(cfg)}
    with atomic_text(out_trace, compress=False) as fh:
        run.trace.to_csv(fh, index=False, lineterminator="\n")
    write_meta(out_trace, params, gensim_version=gensim.__version__)
    made_by = "rule baseline_gensim (qwem baseline gensim)"
    write_word2vec(out_w2v, words, run.vectors)
    write_sealed_meta(out_w2v, params, made_by=made_by)
    shape = run.vectors.shape
    save_npy(out_npy, run.vectors)
    write_sealed_meta(
        out_npy, params, made_by=made_by, gensim_version=gensim.__version__, shape=shape
    )
    logger.info("wrote %s, %s and %s: %d x %d", out_npy, out_w2v, out_trace, *shape)
    return run
