"""The gensim Word2Vec baseline of Table 1, trained on the pipeline's own shards.

Skip-gram with negative sampling (``sg=1, hs=0``), trained on the same token
shards and vocabulary as every other method, so the comparison differs only
in the algorithm; every gensim knob (window, negatives, subsampling, learning
rate and its floor, epochs, workers) comes from the config (``baseline.*``).

* :mod:`~qwem.baseline.documents`: the shards as gensim's corpus (chunks);
* :mod:`~qwem.baseline.pairs`: expected pair updates of one epoch;
* :mod:`~qwem.baseline.word2vec`: training with a per-epoch trace (seconds,
  effective words, pair updates, analogy accuracy).
"""

from __future__ import annotations

from qwem.baseline.documents import (
    MAX_DOC_TOKENS,
    Shard,
    TokenDocuments,
    chunk_bounds,
    token_counts,
    token_documents,
)
from qwem.baseline.pairs import (
    expected_effective_words,
    expected_pair_updates,
    window_deficit,
)
from qwem.baseline.word2vec import (
    TRACE_COLUMNS,
    CountingWord2Vec,
    GensimConfig,
    GensimRun,
    build_model,
    fit_gensim,
    sampling_probabilities,
    train_gensim,
    vectors_in_vocab_order,
)

__all__ = [
    "MAX_DOC_TOKENS",
    "TRACE_COLUMNS",
    "CountingWord2Vec",
    "GensimConfig",
    "GensimRun",
    "Shard",
    "TokenDocuments",
    "build_model",
    "chunk_bounds",
    "expected_effective_words",
    "expected_pair_updates",
    "fit_gensim",
    "sampling_probabilities",
    "token_counts",
    "token_documents",
    "train_gensim",
    "vectors_in_vocab_order",
    "window_deficit",
]
