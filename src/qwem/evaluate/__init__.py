"""Benchmarks and learned features of embeddings (docs/method.md#evaluation).

* :mod:`~qwem.evaluate.analogies`: 3CosAdd analogies, protocols (a) and (b);
* :mod:`~qwem.evaluate.similarity`: WordSim-353, SimLex-999, MEN (Spearman ρ);
* :mod:`~qwem.evaluate.features`: concepts of eigen/PCA directions, subspace
  agreement;
* :mod:`~qwem.evaluate.benchmark`: Table 1, one row per model, per-item outcomes;
* :mod:`~qwem.evaluate.bootstrap`: bootstrap intervals of Table 1, paired
  differences from a reference model.
"""

from __future__ import annotations

from qwem.evaluate.analogies import (
    AnalogyScores,
    analogy_accuracy,
    analogy_outcomes,
    analogy_predictions,
    analogy_scores,
    analogy_table,
    category_pairs,
    google_analogies_path,
    load_analogies,
    outcome_table,
    paper_analogies,
    unit_rows,
    word_ids,
)
from qwem.evaluate.benchmark import (
    PAIR_KEYS,
    QUESTION_KEYS,
    ModelBenchmarks,
    benchmark_table,
    model_benchmarks,
    restrict_to_vocabulary,
    stack_items,
)
from qwem.evaluate.features import (
    agreement_tables,
    concept_table,
    left_singular_vectors,
    orient,
    overlap_long,
    overlap_matrix,
    pca_directions,
    subspace_overlap,
)
from qwem.evaluate.similarity import (
    Similarity,
    load_men,
    load_similarity,
    load_simlex999,
    load_wordsim353,
    pair_cosines,
    similarity_benchmarks,
    similarity_pairs,
    similarity_spearman,
    similarity_table,
)

__all__ = [
    "PAIR_KEYS",
    "QUESTION_KEYS",
    "AnalogyScores",
    "ModelBenchmarks",
    "Similarity",
    "agreement_tables",
    "analogy_accuracy",
    "analogy_outcomes",
    "analogy_predictions",
    "analogy_scores",
    "analogy_table",
    "benchmark_table",
    "category_pairs",
    "concept_table",
    "google_analogies_path",
    "left_singular_vectors",
    "load_analogies",
    "load_men",
    "load_similarity",
    "load_simlex999",
    "load_wordsim353",
    "model_benchmarks",
    "orient",
    "outcome_table",
    "overlap_long",
    "overlap_matrix",
    "pair_cosines",
    "paper_analogies",
    "pca_directions",
    "restrict_to_vocabulary",
    "similarity_benchmarks",
    "similarity_pairs",
    "similarity_spearman",
    "similarity_table",
    "stack_items",
    "subspace_overlap",
    "unit_rows",
    "word_ids",
]
