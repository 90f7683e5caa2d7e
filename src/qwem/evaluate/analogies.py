"""Word analogies with 3CosAdd, under both protocols of docs/method.md#evaluation.

For "a is to b as c is to d" the prediction is argmax_w cos(w, b - a + c) over
the V-word vocabulary, on L2-normalised embeddings, with the three query words
excluded. Protocol (a), the standard one, keeps the file's questions whose four
words are all in the vocabulary. Protocol (b), the paper's, collects per
category every distinct in-vocabulary pair (a, b) of the file and asks every
ordered pair of distinct pairs: n_c (n_c - 1) questions for n_c pairs. Where
two pairs share their second word (city-in-state: two cities of one state) the
answer is one of the excluded query words, so such questions are always
wrong; the paper's protocol keeps them and so do we.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from qwem.errors import QwemInputError

logger = logging.getLogger(__name__)

COLUMNS = ["category", "a", "b", "c", "d"]


def google_analogies_path() -> Path:
    """gensim's copy of the Google ``questions-words.txt`` (19,544 questions)."""
    from gensim.test.utils import datapath

    return Path(datapath("questions-words.txt"))


def load_analogies(path: str | Path | None = None) -> pd.DataFrame:
    """Questions as a table (category, a, b, c, d), lowercased, in file order.

    Args:
        path: ``: category`` header lines followed by ``a b c d`` lines; None
            reads gensim's copy of the Google file.
    """
    path = google_analogies_path() if path is None else Path(path)
    rows, category = [], None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
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
    return pd.DataFrame(rows, columns=COLUMNS)


def unit_rows(
    W: NDArray[np.floating], dtype: type = np.float32
) -> NDArray[np.floating]:
    """Rows scaled to unit L2 norm (zero rows stay zero), cast to ``dtype``."""
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    return np.asarray(W / np.where(norms > 0, norms, 1.0), dtype=dtype)


def word_ids(questions: pd.DataFrame, words: list[str]) -> NDArray[np.int64]:
    """(n, 4) ids of a, b, c, d in ``words``; -1 where a word is not in it."""
    index = pd.Index(words)
    if not index.is_unique:
        twice = ", ".join(map(str, index[index.duplicated()][:5]))
        raise QwemInputError(
            f"the embedding lists words more than once ({twice}); keep one row each"
        )
    cols = [index.get_indexer(pd.Index(questions[c])) for c in ("a", "b", "c", "d")]
    return np.stack(cols, axis=1).astype(np.int64)


@dataclass(frozen=True)
class AnalogyScores:
    """3CosAdd outcome of each question (rows follow the ``abcd`` given).

    Attributes:
        predicted: (n,) int64 id of the best word other than a, b, c.
        target_cos: (n,) cos(x, w_d) with x = ŵ_b - ŵ_a + ŵ_c.
        competitor_cos: (n,) the best cos(x, w) over w not in {a, b, c, d}.
    """

    predicted: NDArray[np.int64]
    target_cos: NDArray[np.float64]
    competitor_cos: NDArray[np.float64]


def analogy_scores(
    W: NDArray[np.floating], abcd: NDArray[np.int64], *, chunk: int = 1024
) -> AnalogyScores:
    """Vectorised 3CosAdd over all V words, ``chunk`` questions at a time.

    Args:
        W: (V, d) embeddings (any float dtype; normalised here, scored in float32).
        abcd: (n, 4) word ids of a, b, c and the expected answer d.
        chunk: questions per (chunk, V) score block, which bounds memory.
    """
    Wn = unit_rows(W)
    n = abcd.shape[0]
    predicted = np.empty(n, np.int64)
    target, competitor = np.empty(n), np.empty(n)
    for s in range(0, n, chunk):
        a, b, c, d = (abcd[s : s + chunk, k] for k in range(4))
        x = Wn[b] - Wn[a] + Wn[c]  # (chunk, dim)
        xnorm = np.linalg.norm(x, axis=1).astype(np.float64)
        xnorm[xnorm == 0] = 1.0
        scores = x @ Wn.T  # (chunk, V)
        rows = np.arange(a.size)
        target[s : s + chunk] = scores[rows, d] / xnorm  # even where d is a query
        for excluded in (a, b, c):
            scores[rows, excluded] = -np.inf
        predicted[s : s + chunk] = scores.argmax(axis=1)
        scores[rows, d] = -np.inf
        competitor[s : s + chunk] = scores.max(axis=1) / xnorm
    return AnalogyScores(predicted, target, competitor)


def analogy_predictions(
    W: NDArray[np.floating],
    words: list[str],
    questions: pd.DataFrame,
    *,
    chunk: int = 1024,
) -> pd.DataFrame:
    """3CosAdd predictions for the questions whose four words are in ``words``.

    Args:
        W: (V, d) embeddings, row i the vector of ``words[i]``.
        words: the V searchable words.
        questions: table with columns category, a, b, c, d.
    Returns:
        The in-vocabulary questions (index reset) with columns ``predicted``
        (a word) and ``correct`` (bool).
    """
    ids = word_ids(questions, words)
    keep = (ids >= 0).all(axis=1)
    q = pd.DataFrame(questions[keep]).reset_index(drop=True)
    abcd = ids[keep]
    predicted = analogy_scores(W, abcd, chunk=chunk).predicted
    q["predicted"] = np.asarray(words, dtype=object)[predicted]
    q["correct"] = predicted == abcd[:, 3]
    return q


def analogy_accuracy(
    W: NDArray[np.floating], words: list[str], questions: pd.DataFrame
) -> tuple[float, pd.DataFrame]:
    """Overall accuracy (protocol a) and a per-category table (n, correct, accuracy).

    The table lists the categories with at least one in-vocabulary question;
    the overall accuracy is NaN when there is none.
    """
    pred = analogy_predictions(W, words, questions)
    table = pred.groupby("category", sort=False)["correct"].agg(["size", "sum"])
    table = table.rename(columns={"size": "n", "sum": "correct"}).reset_index()
    table["accuracy"] = table["correct"] / table["n"]
    overall = float(pred["correct"].mean()) if len(pred) else float("nan")
    return overall, table


def category_pairs(questions: pd.DataFrame, words: list[str]) -> pd.DataFrame:
    """Distinct in-vocabulary (a, b) pairs per category, in order of appearance.

    Both halves of every question count: (a, b) then (c, d), line by line.

    Returns:
        Columns category, a, b; one row per distinct pair.
    """
    first = questions[["category", "a", "b"]].assign(_row=np.arange(len(questions)))
    second = questions[["category", "c", "d"]].rename(columns={"c": "a", "d": "b"})
    second = second.assign(_row=np.arange(len(questions)) + 0.5)
    pairs = pd.concat([first, second], ignore_index=True)
    pairs = pairs.sort_values("_row", kind="stable")
    vocab = set(words)
    pairs = pairs[pairs["a"].isin(vocab) & pairs["b"].isin(vocab)]
    pairs = pairs.drop_duplicates(subset=["category", "a", "b"])
    return pairs.drop(columns="_row").reset_index(drop=True)


def paper_analogies(questions: pd.DataFrame, words: list[str]) -> pd.DataFrame:
    """Protocol (b): every ordered pair of distinct in-vocabulary pairs per category.

    Args:
        questions: the analogy file as from :func:`load_analogies`.
        words: the vocabulary.
    Returns:
        Columns category, a, b, c, d: question a:b :: c:d for pairs (a, b) !=
        (c, d) of one category; n_c (n_c - 1) rows for a category of n_c pairs.
    """
    frames = []
    for category, group in category_pairs(questions, words).groupby(
        "category", sort=False
    ):
        n = len(group)
        i, j = np.nonzero(~np.eye(n, dtype=bool))  # row-major: i, then j
        a, b = group["a"].to_numpy(), group["b"].to_numpy()
        frames.append(
            pd.DataFrame(
                {"category": category, "a": a[i], "b": b[i], "c": a[j], "d": b[j]}
            )
        )
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)


def analogy_outcomes(
    W: NDArray[np.floating], words: list[str], questions: pd.DataFrame
) -> pd.DataFrame:
    """The 3CosAdd outcome of every in-vocabulary question, protocols (a) and (b).

    Args:
        W: (V, d) embeddings of ``words``.
        words: the V searchable words (the vocabulary restriction).
        questions: the analogy file as from :func:`load_analogies`.
    Returns:
        Columns protocol ('a', then 'b'), question (0-based within the
        protocol), category, a, b, c, d, predicted (a word), correct (bool);
        one row per question. Two embeddings of the same words get the same
        rows up to ``predicted`` and ``correct``.
    """
    frames = []
    for protocol, qs in (("a", questions), ("b", paper_analogies(questions, words))):
        pred = analogy_predictions(W, words, qs)
        pred.insert(0, "question", np.arange(len(pred), dtype=np.int64))
        pred.insert(0, "protocol", protocol)
        frames.append(pred)
    return pd.concat(frames, ignore_index=True)


def outcome_table(outcomes: pd.DataFrame, categories: Sequence[str]) -> pd.DataFrame:
    """Accuracy per category and overall of :func:`analogy_outcomes`' rows.

    Args:
        outcomes: per-question rows (protocol, category, correct).
        categories: every category of the analogy file, in file order.
    Returns:
        Columns protocol, category, n, correct, accuracy: one row per category
        (n = 0 and accuracy NaN when it has no question) and a last row per
        protocol with category 'all'.
    """
    frames = []
    for protocol in ("a", "b"):
        pred = outcomes[outcomes["protocol"] == protocol]
        grouped = pred.groupby("category", sort=False)["correct"]
        table = pd.DataFrame(
            {"n": grouped.size(), "correct": grouped.sum()}, index=list(categories)
        )
        table = table.fillna(0).astype(np.int64)
        table.loc["all"] = [len(pred), int(pred["correct"].sum())]
        table = table.rename_axis("category").reset_index()
        table.insert(0, "protocol", protocol)
        frames.append(table)
        logger.info(
            "protocol (%s): %d of %d analogies correct",
            protocol,
            table["correct"].iat[-1],
            table["n"].iat[-1],
        )
    out = pd.concat(frames, ignore_index=True)
    n = out["n"].to_numpy(dtype=np.float64)
    out["accuracy"] = np.divide(
        out["correct"], n, out=np.full(n.size, np.nan), where=n > 0
    )
    return out


def analogy_table(
    W: NDArray[np.floating], words: list[str], questions: pd.DataFrame
) -> pd.DataFrame:
    """Accuracy per category and overall under protocols (a) and (b).

    :func:`outcome_table` of :func:`analogy_outcomes` (same arguments).
    """
    outcomes = analogy_outcomes(W, words, questions)
    return outcome_table(outcomes, list(pd.unique(questions["category"])))
