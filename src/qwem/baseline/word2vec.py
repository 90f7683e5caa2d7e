"""gensim's skip-gram with negative sampling, traced epoch by epoch.

The vocabulary is built from the true counts of the shards
(``build_vocab_from_freq``, ``min_count=1`` keeps exactly the vocabulary), not
by a scan of the text, and vectors come back in the vocabulary's id order, not
gensim's frequency order. gensim draws each window size uniformly from 1..L
(``shrink_windows``), which weighs a pair at distance k by (L + 1 - k) / L on
average: the ``linear`` weighting of the co-occurrence stage. The learning
rate decays linearly from ``alpha`` to ``min_alpha`` over the whole run, so
epoch e of a longer run is not an e-epoch run.

The trace has a row before training (epoch 0) and one at each epoch's end
(gensim's ``on_epoch_end`` callback): cumulative wall seconds of training only
(the evaluation between epochs is not counted), words trained on after
subsampling (gensim's own tally, summed over its jobs), expected pair updates
(:mod:`qwem.baseline.pairs`; the same number every epoch) and the analogy
accuracy of the vectors at that point.

Reproducibility: gensim is bitwise deterministic only with one worker thread
(its documentation also asks for a fixed ``PYTHONHASHSEED``). With more the
workers race on the shared weights (Hogwild), so two runs with the same seed
give close but not identical vectors.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from numpy.typing import NDArray

from qwem.baseline.documents import Shard, check_shards, token_counts, token_documents
from qwem.baseline.pairs import expected_effective_words, expected_pair_updates
from qwem.errors import QwemConfigError, QwemInputError

logger = logging.getLogger(__name__)

TRACE_COLUMNS = [
    "epoch",
    "seconds",
    "pair_updates",
    "effective_words",
    "analogy_accuracy",
]

#: (V, d) float64 vectors in vocabulary order -> analogy accuracy in [0, 1]
Evaluate = Callable[[NDArray[np.float64]], float]


@dataclass(frozen=True)
class GensimConfig:
    """Settings of one gensim run (config keys ``dim``, ``seed``, ``baseline.*``).

    Attributes:
        dim: d, the embedding dimension.
        window: L, context words on each side (gensim shrinks it at random);
            ``baseline.window``, or ``context_length`` when that is null.
        negative: noise words per positive pair (unigram^0.75).
        sample: subsampling threshold t, a fraction of the corpus: a word of
            frequency f is kept with probability min(1, sqrt(t/f) + t/f);
            0 keeps every token.
        alpha, min_alpha: learning rate, decaying linearly from alpha to
            min_alpha over all epochs.
        epochs: passes over the corpus.
        seed: gensim's seed (initial vectors, subsampling, windows, negatives).
        threads: gensim workers; only 1 is bitwise reproducible.
    """

    dim: int
    window: int
    negative: int
    sample: float
    alpha: float
    min_alpha: float
    epochs: int
    seed: int
    threads: int

    def __post_init__(self) -> None:
        for key, value in (
            ("dim", self.dim),
            ("baseline.window (or context_length when it is null)", self.window),
            ("baseline.negative", self.negative),
            ("baseline.epochs", self.epochs),
            ("baseline.threads", self.threads),
        ):
            if value < 1:
                raise QwemConfigError(f"{key} must be >= 1, got {value}")
        if self.seed < 0:
            raise QwemConfigError(f"seed must be >= 0, got {self.seed}")
        if not 0.0 <= self.sample < 1.0:
            raise QwemConfigError(
                f"baseline.sample must be in [0, 1) (a fraction of the corpus; "
                f"0 turns subsampling off), got {self.sample}"
            )
        if not self.alpha > 0.0:
            raise QwemConfigError(f"baseline.alpha must be > 0, got {self.alpha}")
        if not 0.0 <= self.min_alpha <= self.alpha:
            raise QwemConfigError(
                f"baseline.min_alpha must be in [0, baseline.alpha = {self.alpha}] "
                f"(the rate decays from alpha to min_alpha), got {self.min_alpha}; "
                "lower baseline.min_alpha or raise baseline.alpha"
            )


@dataclass(frozen=True)
class GensimRun:
    """The trained vectors and their trace.

    Attributes:
        vectors: (V, d) float64 word (input) vectors, row i = ``words[i]``.
        trace: epochs + 1 rows, columns :data:`TRACE_COLUMNS`.
    """

    vectors: NDArray[np.float64]
    trace: pd.DataFrame


class CountingWord2Vec(Word2Vec):
    """Word2Vec that sums the words its jobs trained on (after subsampling).

    gensim hands each job's tally only to its internal progress loop, so the
    sum is taken where a worker finishes a job (``_do_train_job``, gensim 4);
    ``effective_words`` is the running total over all epochs.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.effective_words = 0
        self._tally_lock = threading.Lock()
        super().__init__(**kwargs)

    def _do_train_job(self, sentences: Any, alpha: float, inits: Any) -> Any:
        tally, raw_tally = super()._do_train_job(sentences, alpha, inits)
        with self._tally_lock:  # worker threads report concurrently
            self.effective_words += tally
        return tally, raw_tally


class _Trace(CallbackAny2Vec):
    """gensim callback: one trace row per epoch end, training time only."""

    def __init__(
        self, words: Sequence[str], evaluate: Evaluate | None, pairs: float
    ) -> None:
        self.words, self.evaluate, self.pairs = words, evaluate, pairs
        self.seconds, self.started = 0.0, 0.0
        self.rows: list[dict[str, float]] = []

    def record(self, model: CountingWord2Vec) -> None:
        epoch = len(self.rows)
        acc = float("nan")
        if self.evaluate is not None:
            acc = self.evaluate(vectors_in_vocab_order(model, self.words))
        self.rows.append(
            {
                "epoch": epoch,
                "seconds": self.seconds,
                "pair_updates": epoch * self.pairs,
                "effective_words": model.effective_words,
                "analogy_accuracy": acc,
            }
        )
        logger.info(
            "epoch %d: %.1f s, %d effective words, %.4g pair updates, analogy %.4f",
            epoch,
            self.seconds,
            model.effective_words,
            epoch * self.pairs,
            acc,
        )

    def on_epoch_begin(self, model: CountingWord2Vec) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, model: CountingWord2Vec) -> None:
        self.seconds += time.perf_counter() - self.started
        self.record(model)


def build_model(
    shards: Sequence[Shard], words: Sequence[str], cfg: GensimConfig
) -> CountingWord2Vec:
    """An untrained skip-gram model whose vocabulary is ``words`` with true counts.

    Raises QwemInputError naming the vocabulary words that never occur in the
    shards (gensim would have no vector for them).
    """
    check_shards(shards, len(words))
    counts = token_counts(shards, len(words))
    absent = [words[i] for i in np.flatnonzero(counts == 0).tolist()]
    if absent:
        shown = ", ".join(absent[:10]) + (" ..." if len(absent) > 10 else "")
        raise QwemInputError(
            f"{len(absent)} vocabulary word(s) never occur in the token shards: "
            f"{shown}; pass every shard the vocabulary was built from"
        )
    model = CountingWord2Vec(
        vector_size=cfg.dim,
        window=cfg.window,
        min_count=1,
        sg=1,
        hs=0,
        negative=cfg.negative,
        sample=cfg.sample,
        alpha=cfg.alpha,
        min_alpha=cfg.min_alpha,
        epochs=cfg.epochs,
        seed=cfg.seed,
        workers=cfg.threads,
    )
    model.build_vocab_from_freq(
        dict(zip(words, counts.tolist(), strict=True)),
        corpus_count=len(token_documents(shards, words)),
    )
    return model


def sampling_probabilities(
    model: Word2Vec, words: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(keep, noise): (V,) float64 in vocabulary order, from gensim's own tables.

    keep: probability that an occurrence survives subsampling (gensim keeps it
    when a uniform 32-bit draw is <= ``sample_int``); noise: probability that a
    negative draw is the word (steps of ``cum_table``).
    """
    rows = np.array([model.wv.key_to_index[w] for w in words], dtype=np.intp)
    sample_int = np.asarray(model.wv.expandos["sample_int"], dtype=np.float64)
    cum = np.asarray(model.cum_table, dtype=np.float64)
    noise = np.diff(cum, prepend=0.0) / cum[-1]
    return (sample_int[rows] + 1.0) / 2.0**32, noise[rows]


def fit_gensim(
    shards: Sequence[Shard],
    words: Sequence[str],
    cfg: GensimConfig,
    *,
    evaluate: Evaluate | None,
) -> tuple[Word2Vec, pd.DataFrame]:
    """Train; return the gensim model and the trace (see :func:`train_gensim`)."""
    import gensim

    model = build_model(shards, words, cfg)
    keep, noise = sampling_probabilities(model, words)
    pairs = expected_pair_updates(
        shards, keep=keep, noise=noise, window=cfg.window, negative=cfg.negative
    )
    logger.info(
        "gensim %s skip-gram: V=%d, %d tokens in %d chunks, %s; per epoch "
        "%.4g expected effective words, %.4g expected pair updates",
        gensim.__version__,
        len(words),
        int(sum(t.size for t, _ in shards)),
        model.corpus_count,
        cfg,
        expected_effective_words(shards, keep=keep),
        pairs,
    )
    if cfg.threads > 1:
        logger.info("workers > 1: results are not bitwise reproducible")
    trace = _Trace(words, evaluate, pairs)
    trace.record(model)
    model.train(
        token_documents(shards, words),
        total_examples=model.corpus_count,
        epochs=model.epochs,
        callbacks=[trace],
    )
    logger.info("gensim training took %.2f s", trace.seconds)
    return model, pd.DataFrame(trace.rows, columns=TRACE_COLUMNS)


def vectors_in_vocab_order(
    model: Word2Vec, words: Sequence[str]
) -> NDArray[np.float64]:
    """(V, d) float64 input vectors of a gensim model, row i = ``words[i]``."""
    wv = model.wv
    rows = [wv.key_to_index[w] for w in words]
    return np.asarray(wv.vectors[rows], dtype=np.float64)


def train_gensim(
    shards: Sequence[Shard],
    words: Sequence[str],
    cfg: GensimConfig,
    *,
    evaluate: Evaluate | None,
) -> GensimRun:
    """gensim Word2Vec (SGNS) embeddings, the Table 1 baseline, and their trace.

    Args:
        shards: (tokens, offsets) per part: (N,) uint16/uint32 vocabulary ids and
            (n_docs + 1,) int64 document boundaries (windows never cross them).
        words: the vocabulary in id order; every word must occur in the shards.
        cfg: the settings (:class:`GensimConfig`).
        evaluate: analogy accuracy of (V, d) vectors in vocabulary order,
            called before training and at each epoch's end (outside the
            timing); None leaves the trace's accuracy NaN.
    Returns:
        :class:`GensimRun`: vectors and the trace (module docstring).
    """
    model, trace = fit_gensim(shards, words, cfg, evaluate=evaluate)
    return GensimRun(vectors_in_vocab_order(model, words), trace)
