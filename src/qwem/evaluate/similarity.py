"""Word similarity: Spearman ρ between cosine similarity and human scores.

docs/method.md#evaluation: WordSim-353 and MEN (Table 1), SimLex-999 as an extra,
each over the pairs whose two words are in the vocabulary. WordSim-353 and
SimLex-999 come with gensim's test data; MEN is downloaded by the workflow and
handed over as a path. A benchmark file that is unavailable gives a row of NaN
and a logged warning, never a crash, so Table 1 still builds without it.

Every file is read the same way: UTF-8 lines of ``word1 word2 score``
separated by tabs or spaces, ``#`` comment lines and blank lines skipped, an
optional header line (a first line whose third field is not a number, as in
``word1 word2 score``), words lowercased.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import spearmanr

from qwem.errors import QwemInputError

logger = logging.getLogger(__name__)

BENCHMARKS = ("ws353", "simlex999", "men")
_POS_TAG = re.compile(r"-[nvj]$")  # MEN's lemma form: sun-n, bright-j, run-v


def gensim_data(name: str) -> Path:
    """A file of gensim's test data (``wordsim353.tsv``, ``simlex999.txt``)."""
    from gensim.test.utils import datapath

    return Path(datapath(name))


def load_similarity(path: str | Path) -> pd.DataFrame:
    """Read a word-pair similarity file (format in the module docstring).

    Returns:
        Columns word1, word2 (lowercased str) and score (float64), file order.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QwemInputError(f"{path}: cannot read word pairs ({exc})") from exc
    rows: list[tuple[str, str, float]] = []
    for n, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) != 3:
            raise QwemInputError(
                f"{path}:{n}: expected 'word1 word2 score', got {len(fields)} fields"
            )
        try:
            score = float(fields[2])
        except ValueError as exc:
            if rows:  # only the first data line may be a header
                raise QwemInputError(
                    f"{path}:{n}: score {fields[2]!r} is not a number"
                ) from exc
            continue
        rows.append((fields[0].lower(), fields[1].lower(), score))
    if not rows:
        raise QwemInputError(f"{path}: no word pairs found; is it a similarity file?")
    return pd.DataFrame(rows, columns=["word1", "word2", "score"])


def load_wordsim353() -> pd.DataFrame:
    """WordSim-353 (353 pairs, scores 0-10) from gensim's test data."""
    return load_similarity(gensim_data("wordsim353.tsv"))


def load_simlex999() -> pd.DataFrame:
    """SimLex-999 (999 pairs, scores 0-10) from gensim's test data."""
    return load_similarity(gensim_data("simlex999.txt"))


def load_men(path: str | Path | None) -> pd.DataFrame | None:
    """MEN (3,000 pairs, scores 0-50), natural or lemma form, with or without header.

    The lemma form tags every word with its part of speech (``sun-n``); when
    every word carries such a tag the tags are stripped.

    Returns:
        The pairs, or None (with a warning) when ``path`` is None, missing or
        empty (the pipeline's marker of a download that was not possible).
    """
    if path is None or not Path(path).is_file() or Path(path).stat().st_size == 0:
        why = "no path given" if path is None else f"{path} not found"
        if path is not None and Path(path).is_file():
            why = f"{path} is empty: the download was not possible"
        logger.warning(
            "MEN not available (%s); its Table 1 column will be NaN. Pass the "
            "downloaded MEN_dataset_natural_form_full file to include it.",
            why,
        )
        return None
    pairs = load_similarity(path)
    both = pd.concat([pairs["word1"], pairs["word2"]])
    if both.str.contains(_POS_TAG).all():
        logger.info("%s: lemma form, part-of-speech tags stripped", path)
        for col in ("word1", "word2"):
            pairs[col] = pairs[col].str.replace(_POS_TAG, "", regex=True)
    return pairs


def similarity_benchmarks(men: str | Path | None) -> dict[str, pd.DataFrame | None]:
    """The three benchmarks by name (``ws353``, ``simlex999``, ``men``)."""
    return {
        "ws353": load_wordsim353(),
        "simlex999": load_simlex999(),
        "men": load_men(men),
    }


@dataclass(frozen=True)
class Similarity:
    """Spearman ρ of one benchmark; NaN when fewer than 3 pairs are covered.

    Attributes:
        rho: Spearman correlation of cosine similarity with the human scores.
        pairs: pairs with both words in the vocabulary (those ρ is over).
        total: pairs in the benchmark file.
    """

    rho: float
    pairs: int
    total: int


def pair_cosines(
    W: NDArray[np.floating], words: list[str], pairs: pd.DataFrame
) -> pd.DataFrame:
    """The pairs whose two words are in ``words``, with their cosine similarity.

    Args:
        W: (V, d) embeddings, row i the vector of ``words[i]``.
        words: the V words.
        pairs: columns word1, word2, score (as from :func:`load_similarity`).
    Returns:
        Columns pair (0-based line of ``pairs``), word1, word2, score, cos
        (float64 cos(w_1, w_2); 0 for a zero vector), in file order.
    """
    index = pd.Index(words)
    i = index.get_indexer(pd.Index(pairs["word1"]))
    j = index.get_indexer(pd.Index(pairs["word2"]))
    keep = (i >= 0) & (j >= 0)
    norms = np.linalg.norm(W, axis=1)
    norms[norms == 0] = 1.0
    i, j = i[keep], j[keep]
    cos = np.einsum("nd,nd->n", W[i], W[j]) / (norms[i] * norms[j])
    out = pd.DataFrame(pairs.loc[keep, ["word1", "word2", "score"]])
    out.insert(0, "pair", np.flatnonzero(keep))
    out["cos"] = np.asarray(cos, dtype=np.float64)
    return out.reset_index(drop=True)


def similarity_spearman(
    W: NDArray[np.floating], words: list[str], pairs: pd.DataFrame
) -> Similarity:
    """Spearman ρ between cos(w_1, w_2) and the human score, over in-vocab pairs.

    Args:
        W: (V, d) embeddings, row i the vector of ``words[i]``.
        words: the V words.
        pairs: columns word1, word2, score (as from :func:`load_similarity`).
    """
    covered = pair_cosines(W, words, pairs)
    if len(covered) < 3:  # ρ of two points is ±1 whatever they are
        return Similarity(float("nan"), len(covered), len(pairs))
    rho = spearmanr(covered["cos"], covered["score"]).statistic
    return Similarity(float(rho), len(covered), len(pairs))


def similarity_pairs(
    W: NDArray[np.floating],
    words: list[str],
    benchmarks: dict[str, pd.DataFrame | None],
) -> pd.DataFrame:
    """:func:`pair_cosines` of every available benchmark, with a benchmark column.

    Returns:
        Columns benchmark, pair, word1, word2, score, cos; a benchmark given
        as None has no rows.
    """
    frames = [
        pair_cosines(W, words, pairs).assign(benchmark=name)
        for name, pairs in benchmarks.items()
        if pairs is not None
    ]
    columns = ["benchmark", "pair", "word1", "word2", "score", "cos"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def similarity_table(
    W: NDArray[np.floating],
    words: list[str],
    benchmarks: dict[str, pd.DataFrame | None],
) -> pd.DataFrame:
    """Columns benchmark, rho, pairs, total; NaN row for a benchmark given as None."""
    rows = []
    for name, pairs in benchmarks.items():
        if pairs is None:
            rows.append((name, float("nan"), 0, 0))
            continue
        s = similarity_spearman(W, words, pairs)
        rows.append((name, s.rho, s.pairs, s.total))
        logger.info("%s: rho %.4f over %d of %d pairs", name, s.rho, s.pairs, s.total)
    return pd.DataFrame(rows, columns=["benchmark", "rho", "pairs", "total"])
