"""Table 1: analogies (both protocols) and word similarity, one row per model."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from qwem.errors import QwemInputError
from qwem.evaluate.analogies import analogy_outcomes, outcome_table
from qwem.evaluate.similarity import similarity_pairs, similarity_table

logger = logging.getLogger(__name__)


def restrict_to_vocabulary(
    W: NDArray[np.floating], words: list[str], vocab: list[str]
) -> tuple[NDArray[np.floating], list[str]]:
    """The rows of ``W`` for the words of ``vocab``, in vocabulary order.

    Reordering matters where rank is meaning (concepts: the most frequent
    words first); words of the vocabulary missing from the embedding are
    dropped with a warning.

    Args:
        W: (V', d) embeddings of ``words``.
        words: the embedding's V' words.
        vocab: the vocabulary (``vocab.tsv``), most frequent first.
    Returns:
        (V, d) rows and their V words, V <= len(vocab).
    """
    rows = pd.Index(words).get_indexer(pd.Index(vocab))
    if (rows < 0).all():
        raise QwemInputError(
            "the embedding shares no word with the vocabulary; pass the vocab.tsv "
            "of the corpus the embedding was trained on"
        )
    if (rows < 0).any():
        logger.warning(
            "%d of %d vocabulary words have no vector; they are left out",
            int((rows < 0).sum()),
            len(vocab),
        )
    kept = rows[rows >= 0]
    return W[kept], [words[i] for i in kept]


@dataclass(frozen=True)
class ModelBenchmarks:
    """Every benchmark of one embedding.

    Attributes:
        analogies: :func:`~qwem.evaluate.analogies.analogy_table` (both protocols).
        similarity: :func:`~qwem.evaluate.similarity.similarity_table`.
        outcomes: per question, :func:`~qwem.evaluate.analogies.analogy_outcomes`.
        pairs: per word pair, :func:`~qwem.evaluate.similarity.similarity_pairs`.
        words: vocabulary size V searched; dim: embedding dimension d.
    """

    analogies: pd.DataFrame
    similarity: pd.DataFrame
    outcomes: pd.DataFrame
    pairs: pd.DataFrame
    words: int
    dim: int

    def row(self) -> dict[str, Any]:
        """The Table 1 columns of this model (see :func:`benchmark_table`)."""
        out: dict[str, Any] = {"words": self.words, "dim": self.dim}
        overall = self.analogies[self.analogies["category"] == "all"]
        for _, r in overall.iterrows():
            out[f"analogy_{r['protocol']}"] = r["accuracy"]
            out[f"analogy_{r['protocol']}_n"] = r["n"]
        for _, r in self.similarity.iterrows():
            for key in ("rho", "pairs", "total"):
                out[f"{r['benchmark']}_{key}"] = r[key]
        return out


def model_benchmarks(
    W: NDArray[np.floating],
    words: list[str],
    *,
    questions: pd.DataFrame,
    similarity: dict[str, pd.DataFrame | None],
) -> ModelBenchmarks:
    """Analogies (protocols a and b) and similarity of one (V, d) embedding."""
    if W.ndim != 2 or W.shape[0] != len(words):
        raise QwemInputError(
            f"embedding of shape {W.shape} for {len(words)} words; expected (V, d)"
        )
    outcomes = analogy_outcomes(W, words, questions)
    return ModelBenchmarks(
        analogies=outcome_table(outcomes, list(pd.unique(questions["category"]))),
        similarity=similarity_table(W, words, similarity),
        outcomes=outcomes,
        pairs=similarity_pairs(W, words, similarity),
        words=len(words),
        dim=int(W.shape[1]),
    )


def benchmark_table(
    embeddings: dict[str, tuple[NDArray[np.floating], list[str]]],
    *,
    questions: pd.DataFrame,
    similarity: dict[str, pd.DataFrame | None],
) -> pd.DataFrame:
    """The paper's Table 1: one row per model.

    Args:
        embeddings: model name -> ((V, d) embeddings, their V words); the words
            are the search vocabulary of the analogies.
        questions: the analogy file (:func:`~qwem.evaluate.load_analogies`).
        similarity: benchmark name -> word pairs, None when unavailable
            (:func:`~qwem.evaluate.similarity_benchmarks`).
    Returns:
        Columns model, words, dim, analogy_a, analogy_a_n, analogy_b,
        analogy_b_n (accuracy in [0, 1] and question count of protocols a and
        b), then <benchmark>_rho, <benchmark>_pairs, <benchmark>_total for each
        similarity benchmark (NaN rho when unavailable).
    """
    rows = [
        {
            "model": name,
            **model_benchmarks(
                W, words, questions=questions, similarity=similarity
            ).row(),
        }
        for name, (W, words) in embeddings.items()
    ]
    return pd.DataFrame(rows)


#: Columns naming one item of the per-item tables (what every model must share).
QUESTION_KEYS = ["protocol", "question", "category", "a", "b", "c", "d"]
PAIR_KEYS = ["benchmark", "pair", "word1", "word2", "score"]


def stack_items(
    per_model: Mapping[str, pd.DataFrame], *, keys: Sequence[str], what: str
) -> pd.DataFrame:
    """Per-item tables of several models as one long table, one block per model.

    The paired bootstrap compares models item by item, so every model must
    answer the same items: with one vocabulary (``--vocab``) every model
    covers the same questions and pairs.

    Args:
        per_model: model name -> its per-item rows (the ``keys`` columns first).
        keys: columns identifying an item, equal across models.
        what: the items, for the error message ('analogy questions').
    Returns:
        Column model, then the input columns; the models in the given order.
    """
    (first, reference), *_ = per_model.items()
    items = reference[list(keys)].reset_index(drop=True)
    for name, rows in per_model.items():
        mine = rows[list(keys)].reset_index(drop=True)
        if len(mine) == len(items) and mine.equals(items):
            continue
        n = min(len(mine), len(items))
        differ = (mine.iloc[:n] != items.iloc[:n]).any(axis=1).to_numpy()
        at = int(np.argmax(differ)) if differ.any() else n
        raise QwemInputError(
            f"{what}: model {name!r} has {len(mine)} and {first!r} {len(items)}, "
            f"the lists first differ at item {at}; per-item outcomes need every "
            "model on the same words: pass the run's vocab.tsv as --vocab and "
            "embeddings that have a vector for each of its words"
        )
    frames = [rows.assign(model=name) for name, rows in per_model.items()]
    out = pd.concat(frames, ignore_index=True)
    return out[["model", *(c for c in out.columns if c != "model")]]
