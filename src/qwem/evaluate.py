"""Benchmarks of embeddings: word analogies (THEORY.md section 5).

3CosAdd on L2-normalised embeddings: for "a is to b as c is to d" the
prediction is argmax_w cos(w, b - a + c) over the V-word vocabulary with the
three query words excluded. Protocol (a), the standard one, keeps the file's
questions whose four words are all in the vocabulary.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from qwem.errors import QwemInputError

logger = logging.getLogger(__name__)


def google_analogies_path() -> Path:
    """gensim's copy of the Google ``questions-words.txt`` (19,544 questions)."""
    from gensim.test.utils import datapath

    return Path(datapath("questions-words.txt"))


def load_analogies(path: str | Path | None = None) -> pd.DataFrame:
    """Questions as a table (category, a, b, c, d), lowercased, in file order."""
    path = google_analogies_path() if path is None else Path(path)
    rows, category = [], None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QwemInputError(f"{path}: cannot read analogy questions ({exc})") from exc
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if line.startswith(":"):
            category = line[1:].strip()
            continue
        words = line.lower().split()
        if len(words) != 4 or category is None:
            raise QwemInputError(f"{path}:{n}: expected ': category' or four words")
        rows.append((category, *words))
    return pd.DataFrame(rows, columns=["category", "a", "b", "c", "d"])


def analogy_predictions(
    W: NDArray[np.floating],
    words: list[str],
    questions: pd.DataFrame,
    *,
    chunk: int = 2048,
) -> pd.DataFrame:
    """3CosAdd predictions for the questions whose four words are in ``words``.

    Returns the in-vocabulary questions with columns ``predicted`` and ``correct``.
    """
    index = {w: i for i, w in enumerate(words)}
    ids = questions[["a", "b", "c", "d"]].apply(lambda col: col.map(index))
    keep = ids.notna().all(axis=1).to_numpy()
    q = questions[keep].reset_index(drop=True)
    abcd = ids[keep].to_numpy(dtype=np.int64)
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    Wn = (W / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    predicted = np.empty(len(q), dtype=np.int64)
    for s in range(0, len(q), chunk):
        a, b, c = (abcd[s : s + chunk, k] for k in range(3))
        scores = (Wn[b] - Wn[a] + Wn[c]) @ Wn.T  # (chunk, V)
        rows = np.arange(a.size)
        for excluded in (a, b, c):
            scores[rows, excluded] = -np.inf
        predicted[s : s + chunk] = scores.argmax(axis=1)
    q["predicted"] = [words[i] for i in predicted]
    q["correct"] = predicted == abcd[:, 3]
    return q


def analogy_accuracy(
    W: NDArray[np.floating], words: list[str], questions: pd.DataFrame
) -> tuple[float, pd.DataFrame]:
    """Overall accuracy (protocol a) and a per-category table (n, correct, accuracy)."""
    pred = analogy_predictions(W, words, questions)
    table = pred.groupby("category", sort=False)["correct"].agg(["size", "sum"])
    table = table.rename(columns={"size": "n", "sum": "correct"}).reset_index()
    table["accuracy"] = table["correct"] / table["n"]
    overall = float(pred["correct"].mean()) if len(pred) else float("nan")
    return overall, table
