"""The pipeline's token shards as gensim's corpus: chunks of word lists.

The shards hold only in-vocabulary ids, so every token is a vocabulary word.
gensim's Cython loop silently drops every token of a sentence after the first
:data:`MAX_DOC_TOKENS`, so longer documents are cut into consecutive chunks of
that length instead (only windows across a cut are lost); windows never cross
a chunk's ends. :func:`chunk_bounds` is the one definition of the chunks:
:class:`TokenDocuments` yields them and :mod:`qwem.baseline.pairs` counts
their windows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qwem.errors import QwemInputError

Shard = tuple[NDArray[np.unsignedinteger], NDArray[np.integer]]

#: gensim's MAX_WORDS_IN_BATCH (word2vec_inner's MAX_SENTENCE_LEN)
MAX_DOC_TOKENS = 10_000


def check_shards(shards: Sequence[Shard], vocab_size: int) -> None:
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


def chunk_bounds(
    offsets: NDArray[np.integer],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(starts, lengths) of the chunks gensim trains on, in corpus order.

    Args:
        offsets: (n_docs + 1,) document boundaries of one shard.
    Returns:
        Two (n_chunks,) int64 arrays: document k cut into consecutive chunks of
        at most :data:`MAX_DOC_TOKENS` tokens; empty documents give none.
    """
    off = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(off)
    per_doc = -(-lengths // MAX_DOC_TOKENS)  # chunks of each document
    doc = np.repeat(np.arange(lengths.size), per_doc)
    first = np.repeat(np.cumsum(per_doc) - per_doc, per_doc)
    starts = off[:-1][doc] + (np.arange(doc.size) - first) * MAX_DOC_TOKENS
    return starts, np.minimum(MAX_DOC_TOKENS, off[1:][doc] - starts)


@dataclass(frozen=True)
class TokenDocuments:
    """A re-iterable corpus of word lists, one per chunk (gensim's input).

    gensim iterates the corpus once per epoch, so this is a class with
    ``__iter__``, not a generator. The chunks are those of :func:`chunk_bounds`.
    """

    shards: Sequence[Shard]
    words: Sequence[str]

    def __iter__(self) -> Iterator[list[str]]:
        lookup = np.asarray(self.words, dtype=object)
        for tokens, offsets in self.shards:
            starts, lengths = chunk_bounds(offsets)
            for lo, n in zip(starts.tolist(), lengths.tolist(), strict=True):
                yield lookup[np.asarray(tokens[lo : lo + n], dtype=np.intp)].tolist()

    def __len__(self) -> int:
        """Number of chunks yielded (gensim's ``corpus_count``)."""
        return sum(chunk_bounds(offsets)[0].size for _, offsets in self.shards)


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
