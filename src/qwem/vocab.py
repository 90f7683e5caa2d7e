"""Tokenisation, vocabulary and token shards (docs/method.md#corpus-statistics).

Normalisation follows text8 (Mahoney's ``wikifil.pl``): lowercase, letters a-z
only, every other character separates words. Details a reader may ask about:

* Digits: ``digits="spell"`` (default) writes each digit as its English word,
  as text8 does ("1984" -> "one nine eight four"); ``"drop"`` treats them as
  separators.
* Accented Latin letters lose their accents (NFKD, combining marks removed:
  "Café" -> "cafe", "naïve" -> "naive"); a few letters without a decomposition
  are transliterated (ß -> ss, æ -> ae, œ -> oe, ø -> o, ł -> l, đ -> d,
  þ -> th); all other non-ASCII characters (Greek, Cyrillic, CJK, symbols) are
  separators.
* Apostrophes and hyphens are separators, as in text8: "don't" -> "don", "t";
  "well-known" -> "well", "known".

The vocabulary is the V most frequent words, ties broken alphabetically.
Out-of-vocabulary words are deleted from the token stream (so their
neighbours become closer); documents left empty are dropped.
"""

from __future__ import annotations

import array
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from qwem.errors import QwemConfigError, QwemInputError
from qwem.io import READ_ERRORS, atomic_text, input_fix, open_text, read_error
from qwem.runtime import progress

logger = logging.getLogger(__name__)

#: the producers of the vocabulary stage's files, as a digest mismatch names them
COUNTS_MADE_BY = "rule vocab_count (qwem vocab count)"
VOCAB_MADE_BY = "rule vocab_build (qwem vocab build)"

DIGIT_MODES = ("spell", "drop")
_DIGIT_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
]
_SPELL = {ord(str(d)): f" {w} " for d, w in enumerate(_DIGIT_WORDS)}
_TRANSLIT = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th", "ð": "d"}
)
_COMBINING = re.compile(
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_WORD = re.compile(r"[a-z]+")


def _check_digits(digits: str) -> None:
    if digits not in DIGIT_MODES:
        raise QwemConfigError(
            f"tokenize.digits must be one of {', '.join(DIGIT_MODES)}, got {digits!r}"
        )


def normalise(text: str, *, digits: str) -> str:
    """Lowercase, strip accents, and spell out or keep digits (see module doc)."""
    text = text.lower()
    if not text.isascii():
        text = _COMBINING.sub(
            "", unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
        )
    if digits == "spell":
        text = text.translate(_SPELL)
    return text


def tokenize(text: str, *, digits: str) -> list[str]:
    """The a-z words of one text, in order.

    >>> tokenize("Don't panic: 42 Café-owners!", digits="spell")
    ['don', 't', 'panic', 'four', 'two', 'cafe', 'owners']
    """
    _check_digits(digits)
    return _WORD.findall(normalise(text, digits=digits))


def iter_documents(path: str | Path) -> Iterator[str]:
    """Lines of a text part (one document per line), without their newline."""
    with open_text(path) as fh:
        for line in fh:
            yield line.rstrip("\n")


def count_words(path: str | Path, *, digits: str) -> Counter[str]:
    """Word frequencies of one text part."""
    _check_digits(digits)
    counts: Counter[str] = Counter()
    for doc in progress(
        iter_documents(path), desc=f"count {Path(path).name}", unit="doc"
    ):
        counts.update(_WORD.findall(normalise(doc, digits=digits)))
    return counts


def write_counts(counts: Counter[str], out: str | Path) -> None:
    """Write word counts as ``word<TAB>count`` lines, most frequent first."""
    with atomic_text(out) as fh:
        fh.write("word\tcount\n")
        for word, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            fh.write(f"{word}\t{n}\n")


def read_counts(path: str | Path, *, made_by: str | None = None) -> pd.Series:
    """Word counts written by :func:`write_counts` (or a vocab.tsv) as a Series.

    With ``made_by`` (its producer), the file is first checked against the
    digest in its sidecar (:func:`qwem.digests.verify_digest`).
    """
    if made_by is not None and Path(path).exists():
        from qwem.digests import check_sidecar

        check_sidecar(path, made_by=made_by)
    try:
        df = pd.read_csv(
            path,
            sep="\t",
            dtype={"word": str, "count": np.int64},
            keep_default_na=False,
            na_filter=False,
        )
    except READ_ERRORS as exc:
        raise read_error(path, exc, "word counts") from exc
    if list(df.columns) != ["word", "count"]:
        raise QwemInputError(
            f"{path}: expected columns word, count; got {list(df.columns)}; "
            f"{input_fix(path)}"
        )
    return pd.Series(df["count"].to_numpy(), index=df["word"].to_numpy(), name="count")


def merge_counts(paths: Iterable[str | Path]) -> pd.Series:
    """Sum word counts over parts, one part in memory at a time."""
    total: pd.Series | None = None
    for path in paths:
        part = read_counts(path, made_by=COUNTS_MADE_BY)
        total = part if total is None else total.add(part, fill_value=0)
    if total is None:
        raise QwemInputError("no word-count files given")
    return total.astype(np.int64)


def select_vocabulary(counts: pd.Series, *, size: int) -> pd.DataFrame:
    """The ``size`` most frequent words, ties broken alphabetically.

    Returns:
        DataFrame with columns word, count; row i is word id i.
    """
    if size < 1:
        raise QwemConfigError(f"vocab_size must be >= 1, got {size}")
    if len(counts) < size:
        raise QwemConfigError(
            f"vocab_size is {size:,} but the corpus has only {len(counts):,} distinct "
            "words; lower vocab_size or add corpus sources"
        )
    df = pd.DataFrame({"word": counts.index.astype(str), "count": counts.to_numpy()})
    df = df.sort_values(["count", "word"], ascending=[False, True], kind="stable")
    return df.head(size).reset_index(drop=True)


def write_vocabulary(vocab: pd.DataFrame, out: str | Path) -> None:
    """Write ``vocab.tsv``: header ``word<TAB>count``, one word per line by id."""
    with atomic_text(out, compress=False) as fh:
        vocab.to_csv(fh, sep="\t", index=False, lineterminator="\n")


def read_vocabulary(path: str | Path) -> list[str]:
    """Words of a ``vocab.tsv`` in id order, checked against its sidecar's digest."""
    return list(read_counts(path, made_by=VOCAB_MADE_BY).index)


def token_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every id fits (V <= 65,535), else uint32."""
    return np.dtype(np.uint16) if vocab_size <= 65535 else np.dtype(np.uint32)


@dataclass(frozen=True)
class TokenShard:
    """A tokenised text part: ids of in-vocabulary words and document offsets.

    ``tokens[offsets[k]:offsets[k + 1]]`` is document k; windows never cross it.
    """

    tokens: NDArray[np.unsignedinteger]
    offsets: NDArray[np.int64]
    words_seen: int
    docs_seen: int

    @property
    def n_docs(self) -> int:
        return int(self.offsets.size - 1)


def tokenize_part(path: str | Path, words: list[str], *, digits: str) -> TokenShard:
    """Map a text part to vocabulary ids, deleting out-of-vocabulary words.

    Args:
        path: text part, one document per line.
        words: the vocabulary in id order.
        digits: digit handling, as when the vocabulary was counted.
    """
    _check_digits(digits)
    dtype = token_dtype(len(words))
    index = {w: i for i, w in enumerate(words)}
    get = index.get
    buf = array.array("H" if dtype == np.uint16 else "I")
    offsets = array.array("q", [0])
    seen = docs = 0
    for doc in progress(
        iter_documents(path), desc=f"tokenize {Path(path).name}", unit="doc"
    ):
        docs += 1
        found = _WORD.findall(normalise(doc, digits=digits))
        seen += len(found)
        before = len(buf)
        buf.extend(i for i in map(get, found) if i is not None)
        if len(buf) > before:
            offsets.append(len(buf))
    tokens = np.frombuffer(buf, dtype=dtype).copy() if len(buf) else np.zeros(0, dtype)
    return TokenShard(tokens, np.frombuffer(offsets, dtype=np.int64).copy(), seen, docs)


def count_part(text: Path, out: Path, *, digits: str) -> Counter[str]:
    """Word counts of one text part, written to ``out`` (.tsv.gz)."""
    from qwem.digests import write_sealed_meta

    counts = count_words(text, digits=digits)
    write_counts(counts, out)
    write_sealed_meta(out, {"text": str(text), "digits": digits})
    logger.info("%s: %d tokens, %d distinct words", text, counts.total(), len(counts))
    return counts


def build_vocabulary(counts: list[Path], out: Path, *, size: int) -> pd.DataFrame:
    """Merge the word counts of every part and write the ``size`` most frequent.

    The sidecar of ``out`` records the corpus tokens, distinct words and the
    tokens the vocabulary covers.
    """
    from qwem.digests import write_sealed_meta

    merged = merge_counts(counts)
    table = select_vocabulary(merged, size=size)
    covered, total = int(table["count"].sum()), int(merged.sum())
    write_vocabulary(table, out)
    write_sealed_meta(  # after the file: it records the file's digest
        out,
        {"vocab_size": size, "parts": len(counts)},
        tokens=total,
        distinct_words=len(merged),
        in_vocab_tokens=covered,
    )
    logger.info(
        "vocabulary of %d words covers %d of %d tokens (%.1f %%)",
        size,
        covered,
        total,
        100.0 * covered / max(total, 1),
    )
    return table


def tokenize_to_files(
    text: Path, vocab: Path, *, tokens: Path, offsets: Path, info: Path, digits: str
) -> TokenShard:
    """Tokenise a text part: ids (``tokens``), ``offsets`` and a JSON ``info``."""
    from qwem import __version__
    from qwem.digests import digest_of, npy_digest, sealed
    from qwem.io import save_npy, write_json

    words = read_vocabulary(vocab)
    shard = tokenize_part(text, words, digits=digits)
    save_npy(offsets, shard.offsets)
    # what every reader checks (digests.load_shard); the tokens' bytes before the file
    digests = {"tokens": npy_digest(shard.tokens), "offsets": digest_of(offsets)}
    write_json(
        info,
        sealed(
            {
                "qwem_version": __version__,
                "params": {"digits": digits, "vocab_size": len(words)},
                "tokens": int(shard.tokens.size),
                "documents": shard.n_docs,
                "words_seen": shard.words_seen,
                "documents_seen": shard.docs_seen,
                "dtype": str(shard.tokens.dtype),
                "digests": digests,
            }
        ),
    )
    save_npy(tokens, shard.tokens)  # last: the rule's main output
    logger.info(
        "%s: %d tokens in %d documents (%d words seen)",
        text,
        shard.tokens.size,
        shard.n_docs,
        shard.words_seen,
    )
    return shard


def summarize_shards(infos: list[Path], out: Path) -> dict[str, Any]:
    """Totals (tokens, documents, words seen) of every shard's info, to ``out``.

    Returns the record written: the totals and ``parts``, each shard's info.
    """
    from qwem import __version__
    from qwem.digests import TOKENS_MADE_BY, read_sealed_json
    from qwem.io import write_json

    parts = {
        Path(p).name.removesuffix(".json"): read_sealed_json(p, made_by=TOKENS_MADE_BY)
        for p in infos
    }
    total = {
        k: sum(int(v[k]) for v in parts.values())
        for k in ("tokens", "documents", "words_seen")
    }
    record = {"qwem_version": __version__, **total, "parts": parts}
    write_json(out, record)
    return record
