"""Embeddings and eigenpairs as the evaluation reads them, and its CSV writer.

An embedding is a word2vec text file (any, not only the pipeline's) or an
eigenpairs file (:mod:`qwem.spectral.files`), whose rows follow a vocabulary;
the latter gives W = U Λ^{1/2} over its positive eigenvalues
(docs/method.md#models). Every table is written atomically with a
``.meta.json`` sidecar recording the command's parameters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]
Embedding = tuple[F64, list[str]]


def is_eigenpairs(path: Path) -> bool:
    """Whether ``path`` names an eigenpairs ``.npz`` (else a word2vec file)."""
    return path.suffix == ".npz"


def load_eigen_words(path: Path, vocab: Path | None) -> tuple[F64, F64, list[str]]:
    """(values, vectors, words) of an eigenpairs file and its vocabulary.

    Raises:
        QwemInputError: no ``vocab``, a bad file, or rows that are not its words.
    """
    from qwem.errors import QwemInputError
    from qwem.spectral.files import load_eigenpairs
    from qwem.vocab import read_vocabulary

    if vocab is None:
        raise QwemInputError(f"{path}: eigenpairs carry no words; pass --vocab")
    pairs = load_eigenpairs(path)
    words = read_vocabulary(vocab)
    if pairs.vectors.shape[0] != len(words):
        raise QwemInputError(
            f"{path}: {pairs.vectors.shape[0]} rows but {vocab} has {len(words)} "
            "words; pass the vocabulary the target was built on"
        )
    return pairs.values, pairs.vectors, words


def load_embedding(path: Path, vocab: Path | None) -> Embedding:
    """(W, words) of a word2vec text file or an eigenpairs ``.npz``.

    An ``.npz`` gives W = U Λ^{1/2} over its positive eigenvalues and needs
    ``vocab`` for its words; a word2vec file is put in vocabulary order and
    restricted to it when ``vocab`` is given.
    """
    from qwem.digests import check_sidecar
    from qwem.evaluate.benchmark import restrict_to_vocabulary
    from qwem.io import meta_path, read_word2vec
    from qwem.vocab import read_vocabulary

    if is_eigenpairs(path):
        from qwem.rmt import eigen_embedding

        values, vectors, words = load_eigen_words(path, vocab)
        return eigen_embedding(values, vectors), words
    if meta_path(path).exists():  # the pipeline's files: check their digest
        check_sidecar(path)
    words, W = read_word2vec(path)
    if vocab is not None:
        kept, words = restrict_to_vocabulary(W, words, read_vocabulary(vocab))
        W = np.asarray(kept, dtype=np.float64)
    logger.info("%s: %d words, dimension %d", path, W.shape[0], W.shape[1])
    return W, words


def common_words(models: Mapping[str, Embedding]) -> list[str]:
    """Words every model has, in the first model's order."""
    first, *rest = (words for _, words in models.values())
    shared = set(first).intersection(*rest)
    if len(shared) < len(first):
        logger.warning("models share %d of %d words", len(shared), len(first))
    return [w for w in first if w in shared]


def align(models: Mapping[str, Embedding]) -> dict[str, F64]:
    """Each model's rows of the words all share, in the first model's order."""
    common = pd.Index(common_words(models))
    return {
        n: W[pd.Index(words).get_indexer(common)] for n, (W, words) in models.items()
    }


def write_table(table: pd.DataFrame, path: Path, params: dict[str, Any]) -> None:
    """Write ``table`` atomically (gzip for ``.gz``), ``params`` in its sidecar."""
    from qwem.digests import write_sealed_meta
    from qwem.io import atomic_text

    with atomic_text(path) as fh:
        table.to_csv(fh, index=False, lineterminator="\n")
    write_sealed_meta(path, params, rows=len(table))  # readers check its digest
    logger.info("wrote %s (%d rows)", path, len(table))


def analogy_scorer(words: list[str]) -> Callable[[F64], float]:
    """W -> 3CosAdd accuracy (protocol a) on Google's analogies, for ``words``.

    Training (``qwem train run``, ``qwem baseline gensim``) traces it.
    """
    from qwem.evaluate.analogies import analogy_accuracy, load_analogies

    questions = load_analogies()

    def accuracy(W: F64) -> float:
        return analogy_accuracy(W, words, questions)[0]

    return accuracy
