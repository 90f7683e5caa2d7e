"""The gensim Word2Vec baseline of Table 1, trained on the pipeline's own shards.

Skip-gram with negative sampling (``sg=1, hs=0, negative=5``), window L (the
pipeline's ``context_length``), subsampling ``sample=1e-5``, ``vector_size=d``,
trained on the same token shards and vocabulary as every other method, so the
comparison differs only in the algorithm. gensim draws each window size
uniformly from 1..L (``shrink_windows``), which weighs a pair at distance k by
(L + 1 - k) / L on average: the ``linear`` weighting of the co-occurrence stage.

The shards hold only in-vocabulary ids, so ``min_count=1`` keeps exactly the
vocabulary. The gensim vocabulary is built from the true counts of the shards
(``build_vocab_from_freq``), not by a scan of the text, and the vectors come
back in the vocabulary's id order, not gensim's frequency order.

Reproducibility: gensim is bitwise deterministic only with ``workers=1`` (its
documentation also asks for a fixed ``PYTHONHASHSEED``). With ``threads > 1``
the worker threads race on the shared weights (Hogwild), so two runs with the
same seed give close but not identical vectors.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from qwem.errors import QwemConfigError, QwemInputError
from qwem.runtime import timed

if TYPE_CHECKING:
    from gensim.models import Word2Vec

logger = logging.getLogger(__name__)

Shard = tuple[NDArray[np.unsignedinteger], NDArray[np.integer]]

# gensim's MAX_WORDS_IN_BATCH: the Cython training loop silently drops every
# token of a sentence after the first 10,000, so longer documents are cut into
# consecutive chunks of this length instead (only windows across a cut are lost).
MAX_DOC_TOKENS = 10_000

# the paper's settings (word2vec's defaults for skip-gram)
NEGATIVE = 5
SAMPLE = 1e-5


def _check_shards(shards: Sequence[Shard], vocab_size: int) -> None:
    """Offsets run from 0 to len(tokens) without decreasing; ids are < V."""
    for k, (tokens, offsets) in enumerate(shards):
        if offsets.ndim != 1 or offsets.size < 1 or offsets[0] != 0:
            raise QwemInputError(
                f"token shard {k}: offsets must be a 1-d array starting at 0; "
                "rerun `qwem vocab tokenize` for this part"
            )
        if offsets[-1] != tokens.size or np.any(np.diff(offsets) < 0):
            raise QwemInputError(
                f"token shard {k}: offsets must increase up to {tokens.size} (the "
                f"number of tokens), got last offset {int(offsets[-1])}; pass the "
                "tokens and offsets of the same part, in the same order"
            )
        if tokens.size and int(tokens.max()) >= vocab_size:
            raise QwemInputError(
                f"token shard {k}: id {int(tokens.max())} is outside the vocabulary "
                f"of {vocab_size} words; tokenise with the same vocab.tsv"
            )


@dataclass(frozen=True)
class TokenDocuments:
    """A re-iterable corpus of word lists, one per document chunk (gensim input).

    gensim iterates the corpus once per epoch, so this is a class with
    ``__iter__``, not a generator. Document k of a shard is
    ``tokens[offsets[k]:offsets[k + 1]]``; documents longer than
    :data:`MAX_DOC_TOKENS` are cut into consecutive chunks of that length, and
    empty documents yield nothing.
    """

    shards: Sequence[Shard]
    words: Sequence[str]

    def __iter__(self) -> Iterator[list[str]]:
        lookup = np.asarray(self.words, dtype=object)
        for tokens, offsets in self.shards:
            for start, stop in itertools.pairwise(offsets.tolist()):
                for lo in range(start, stop, MAX_DOC_TOKENS):
                    hi = min(lo + MAX_DOC_TOKENS, stop)
                    yield lookup[np.asarray(tokens[lo:hi], dtype=np.intp)].tolist()

    def __len__(self) -> int:
        """Number of chunks yielded (gensim's ``corpus_count``)."""
        return sum(
            int(np.sum(-(-np.diff(offsets) // MAX_DOC_TOKENS)))
            for _, offsets in self.shards
        )


def token_documents(shards: Sequence[Shard], words: Sequence[str]) -> TokenDocuments:
    """The shards as a re-iterable corpus of word lists (see :class:`TokenDocuments`).

    Args:
        shards: (tokens, offsets) per part: (N,) uint16/uint32 vocabulary ids and
            (n_docs + 1,) int64 document boundaries.
        words: the vocabulary in id order.
    """
    return TokenDocuments(shards, words)


def token_counts(shards: Sequence[Shard], vocab_size: int) -> NDArray[np.int64]:
    """(V,) int64 occurrences of every vocabulary id in the shards."""
    counts = np.zeros(vocab_size, dtype=np.int64)
    for tokens, _ in shards:
        counts += np.bincount(np.asarray(tokens), minlength=vocab_size)[:vocab_size]
    return counts


def _check_params(
    *, dim: int, window: int, negative: int, sample: float, epochs: int, threads: int
) -> None:
    for key, value in (
        ("dim", dim),
        ("context_length", window),
        ("gensim negative", negative),
        ("gensim epochs", epochs),
        ("threads", threads),
    ):
        if value < 1:
            raise QwemConfigError(f"{key} must be >= 1, got {value}")
    if not 0.0 <= sample < 1.0:
        raise QwemConfigError(f"gensim sample must be in [0, 1), got {sample}")


def fit_gensim(
    shards: Sequence[Shard],
    words: Sequence[str],
    *,
    dim: int,
    window: int,
    negative: int = NEGATIVE,
    sample: float = SAMPLE,
    epochs: int,
    seed: int,
    threads: int,
) -> Word2Vec:
    """Train gensim's skip-gram with negative sampling; return the Word2Vec model.

    Arguments as for :func:`train_gensim`. Raises QwemInputError naming the
    vocabulary words that never occur in the shards (gensim would have no
    vector for them).
    """
    import gensim
    from gensim.models import Word2Vec

    _check_params(
        dim=dim,
        window=window,
        negative=negative,
        sample=sample,
        epochs=epochs,
        threads=threads,
    )
    _check_shards(shards, len(words))
    counts = token_counts(shards, len(words))
    absent = [words[i] for i in np.flatnonzero(counts == 0).tolist()]
    if absent:
        shown = ", ".join(absent[:10]) + (" ..." if len(absent) > 10 else "")
        raise QwemInputError(
            f"{len(absent)} vocabulary word(s) never occur in the token shards: "
            f"{shown}; pass every shard the vocabulary was built from"
        )
    corpus = token_documents(shards, words)
    model = Word2Vec(
        vector_size=dim,
        window=window,
        min_count=1,
        sg=1,
        hs=0,
        negative=negative,
        sample=sample,
        epochs=epochs,
        seed=seed,
        workers=threads,
    )
    model.build_vocab_from_freq(
        dict(zip(words, counts.tolist(), strict=True)), corpus_count=len(corpus)
    )
    logger.info(
        "gensim %s skip-gram: V=%d, d=%d, window=%d, negative=%d, sample=%g, "
        "epochs=%d, seed=%d, workers=%d, %d tokens in %d chunks",
        gensim.__version__,
        len(words),
        dim,
        window,
        negative,
        sample,
        epochs,
        seed,
        threads,
        int(counts.sum()),
        len(corpus),
    )
    if threads > 1:
        logger.info("workers > 1: results are not bitwise reproducible")
    with timed("gensim training"):
        model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
    return model


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
    *,
    dim: int,
    window: int,
    negative: int = NEGATIVE,
    sample: float = SAMPLE,
    epochs: int,
    seed: int,
    threads: int,
) -> NDArray[np.float64]:
    """gensim Word2Vec (SGNS) embeddings, the Table 1 baseline.

    Args:
        shards: (tokens, offsets) per part: (N,) uint16/uint32 vocabulary ids and
            (n_docs + 1,) int64 document boundaries (windows never cross them).
        words: the vocabulary in id order; every word must occur in the shards.
        dim: d, the embedding dimension.
        window: L, context words on each side (gensim shrinks it at random).
        negative: negative samples per positive pair (unigram^0.75 noise).
        sample: subsampling threshold t (word2vec's keep prob. sqrt(t/f) + t/f).
        epochs: passes over the corpus; the learning rate decays linearly
            from 0.025 to 0.0001 over all of them.
        seed: gensim's seed (initial vectors, negative draws, window sizes).
        threads: gensim workers; only 1 is bitwise reproducible.
    Returns:
        (V, d) float64 word (input) vectors, row i = ``words[i]``.
    """
    model = fit_gensim(
        shards,
        words,
        dim=dim,
        window=window,
        negative=negative,
        sample=sample,
        epochs=epochs,
        seed=seed,
        threads=threads,
    )
    return vectors_in_vocab_order(model, words)
