"""What ``qwem evaluate`` does, file to file: Table 1, bootstrap, concepts, agreement.

Each function reads its inputs (:mod:`qwem.evaluate.inputs`), computes with
the library (docs/method.md#evaluation) and writes its tables with ``params``
in their sidecars; it returns the main table, which the command prints.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qwem.evaluate.inputs import align, load_eigen_words, load_embedding, write_table
from qwem.io import read_csv

logger = logging.getLogger(__name__)


def _stacked(results: dict[str, Any], field: str) -> pd.DataFrame:
    """One per-model table of every model (a ``model`` column last)."""
    frames = [getattr(r, field).assign(model=m) for m, r in results.items()]
    return pd.concat(frames, ignore_index=True)


def benchmark_files(
    embeddings: Sequence[tuple[str, Path]],
    *,
    vocab: Path | None,
    questions: Path | None,
    men: str | None,
    params: dict[str, Any],
    out: Path | None = None,
    analogies_out: Path | None = None,
    similarity_out: Path | None = None,
    questions_out: Path | None = None,
    pairs_out: Path | None = None,
) -> pd.DataFrame:
    """Table 1 of the named embeddings, and the per-category and per-item tables.

    ``questions_out`` / ``pairs_out`` stack every model's per-item outcomes;
    they are checked (every model has the same items) before anything is written.
    """
    from qwem import evaluate

    analogies = evaluate.load_analogies(questions)
    similarity = evaluate.similarity_benchmarks(men)
    results = {}
    for name, path in embeddings:
        W, words = load_embedding(path, vocab)
        results[name] = evaluate.model_benchmarks(
            W, words, questions=analogies, similarity=similarity
        )
    table = pd.DataFrame([{"model": m, **r.row()} for m, r in results.items()])
    outputs: list[tuple[Path | None, pd.DataFrame]] = [
        (out, table),
        (analogies_out, _stacked(results, "analogies")),
        (similarity_out, _stacked(results, "similarity")),
    ]
    if questions_out:
        outcomes = {m: r.outcomes for m, r in results.items()}
        stacked = evaluate.stack_items(
            outcomes, keys=evaluate.QUESTION_KEYS, what="analogy questions"
        )
        outputs.append((questions_out, stacked))
    if pairs_out:
        pairs = {m: r.pairs for m, r in results.items()}
        stacked = evaluate.stack_items(
            pairs, keys=evaluate.PAIR_KEYS, what="similarity pairs"
        )
        outputs.append((pairs_out, stacked))
    for target, frame in outputs:
        if target:
            write_table(frame, target, params)
    return table


def bootstrap_files(
    questions: Path,
    pairs: Path,
    *,
    resamples: int,
    level: float,
    seed: int,
    reference: str,
    out: Path,
    paired_out: Path,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Bootstrap intervals of Table 1 and paired differences from ``reference``."""
    from qwem.evaluate import bootstrap

    settings = bootstrap.BootstrapSettings(
        resamples=resamples, level=level, seed=seed, reference=reference
    )
    intervals, paired = bootstrap.table1_bootstrap(
        read_csv(questions, keep_default_na=False),
        read_csv(pairs, keep_default_na=False),
        settings,
    )
    write_table(intervals, out, params)
    write_table(paired, paired_out, params)
    return intervals


def concepts_file(
    source: Path,
    *,
    vocab: Path | None,
    directions: int,
    top: int,
    among: int,
    out: Path,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Top words of the leading directions of an embedding.

    Eigenpairs give their eigenvectors, largest eigenvalue first, oriented;
    a word2vec file its PCA directions (docs/method.md#evaluation).
    """
    from qwem import evaluate
    from qwem.evaluate.inputs import is_eigenpairs

    if is_eigenpairs(source):
        values, vectors, words = load_eigen_words(source, vocab)
        order = np.argsort(-values, kind="stable")[:directions]
        basis, vecs = "eigenvector", evaluate.orient(vectors[:, order])
    else:
        W, words = load_embedding(source, vocab)
        basis, vecs = "pca", evaluate.pca_directions(W, directions)
    table = evaluate.concept_table(vecs, words, top=top, among=among)
    table.insert(0, "basis", basis)
    write_table(table, out, params)
    return table


def agreement_files(
    embeddings: Sequence[tuple[str, Path]],
    *,
    vocab: Path | None,
    dims: Sequence[int],
    modes: int,
    out: Path,
    subspace_out: Path,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Vector overlaps (``out``) and subspace overlaps (returned) of 2+ models."""
    from qwem import evaluate
    from qwem.errors import QwemInputError

    names = [name for name, _ in embeddings]
    if len(names) < 2 or len(set(names)) < len(names):
        raise QwemInputError(
            f"agreement needs two or more --embedding with distinct names, got {names}"
        )
    models = {name: load_embedding(path, vocab) for name, path in embeddings}
    matrix, table = evaluate.agreement_tables(
        align(models), dims=list(dims), modes=modes
    )
    write_table(matrix, out, params)
    write_table(table, subspace_out, params)
    return table
