"""Tokenisation, vocabulary selection and token shards (known answers)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import flip_byte
from qwem import vocab
from qwem.digests import load_shards
from qwem.errors import QwemConfigError, QwemInputError


def _write_part(path: Path, docs: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(doc + "\n" for doc in docs)
    return path


@pytest.mark.parametrize(
    ("text", "digits", "expected"),
    [
        ("The Cat sat.", "spell", ["the", "cat", "sat"]),
        # apostrophes and hyphens separate words, as in text8
        ("Don't stop well-known", "spell", ["don", "t", "stop", "well", "known"]),
        ("it’s", "spell", ["it", "s"]),
        # accents removed after NFKD; letters without decomposition transliterated
        (
            "Café naïve Straße Æsir Łódź",
            "spell",
            ["cafe", "naive", "strasse", "aesir", "lodz"],
        ),
        # non-Latin scripts and symbols are separators
        ("Москва Tokyo 東京 α+β=γ", "spell", ["tokyo"]),
        # digits: spelled one by one (text8) or dropped as separators
        (
            "In 1984 there were 2 dogs",
            "spell",
            ["in", "one", "nine", "eight", "four", "there", "were", "two", "dogs"],
        ),
        ("In 1984 there were 2 dogs", "drop", ["in", "there", "were", "dogs"]),
        ("abc1def", "drop", ["abc", "def"]),
        ("abc1def", "spell", ["abc", "one", "def"]),
        ("", "spell", []),
        ("İstanbul", "spell", ["istanbul"]),
    ],
)
def test_tokenize_edge_cases(text: str, digits: str, expected: list[str]) -> None:
    assert vocab.tokenize(text, digits=digits) == expected


def test_unknown_digit_mode_names_the_key() -> None:
    with pytest.raises(QwemConfigError, match=r"tokenize\.digits.*spell, drop"):
        vocab.tokenize("x", digits="roman")


def test_vocabulary_ties_are_alphabetical_and_truncated() -> None:
    counts = pd.Series({"b": 3, "a": 3, "c": 5, "d": 1, "e": 3})
    table = vocab.select_vocabulary(counts, size=3)
    assert list(table["word"]) == ["c", "a", "b"]
    assert list(table["count"]) == [5, 3, 3]
    assert list(vocab.select_vocabulary(counts, size=5)["word"]) == [
        "c",
        "a",
        "b",
        "e",
        "d",
    ]


def test_vocabulary_larger_than_corpus_is_a_config_error() -> None:
    with pytest.raises(QwemConfigError, match=r"vocab_size is 10 .* only 2 distinct"):
        vocab.select_vocabulary(pd.Series({"a": 1, "b": 2}), size=10)


def test_counts_merge_over_parts_and_roundtrip(tmp_path: Path) -> None:
    a = _write_part(tmp_path / "a.txt.gz", ["the cat the", "dog"])
    b = _write_part(tmp_path / "b.txt.gz", ["the dog 1"])
    for src in (a, b):
        vocab.write_counts(
            vocab.count_words(src, digits="spell"), src.with_suffix(".tsv")
        )
    merged = vocab.merge_counts([a.with_suffix(".tsv"), b.with_suffix(".tsv")])
    assert merged.to_dict() == {"the": 3, "cat": 1, "dog": 2, "one": 1}
    table = vocab.select_vocabulary(merged, size=3)
    vocab.write_vocabulary(table, tmp_path / "vocab.tsv")
    assert (
        tmp_path / "vocab.tsv"
    ).read_text() == "word\tcount\nthe\t3\ndog\t2\ncat\t1\n"
    assert vocab.read_vocabulary(tmp_path / "vocab.tsv") == ["the", "dog", "cat"]


def test_word_named_null_survives_the_tsv_roundtrip(tmp_path: Path) -> None:
    # pandas would read "null", "nan", "na" as missing values by default
    counts = Counter({"null": 2, "nan": 1, "na": 1})
    vocab.write_counts(counts, tmp_path / "c.tsv")
    assert vocab.read_counts(tmp_path / "c.tsv").to_dict() == dict(counts)


def test_shard_offsets_and_oov_deletion(tmp_path: Path) -> None:
    part = _write_part(
        tmp_path / "p.txt.gz",
        ["a x b", "x y", "b b a z", "", "c"],  # x, y, z, c are out of vocabulary
    )
    shard = vocab.tokenize_part(part, ["a", "b"], digits="spell")
    # OOV words deleted, so "a x b" becomes the adjacent pair a b;
    # documents left empty ("x y", "", "c") are dropped
    np.testing.assert_array_equal(shard.tokens, np.array([0, 1, 1, 1, 0], np.uint16))
    np.testing.assert_array_equal(shard.offsets, np.array([0, 2, 5], np.int64))
    assert shard.tokens.dtype == np.uint16
    assert (shard.words_seen, shard.docs_seen, shard.n_docs) == (10, 5, 2)


def test_token_dtype_switches_above_uint16() -> None:
    assert vocab.token_dtype(65535) == np.uint16
    assert vocab.token_dtype(65536) == np.uint32


def _letters(i: int) -> str:
    """A distinct a-z word for every integer (base 26)."""
    word = ""
    while True:
        i, r = divmod(i, 26)
        word = chr(97 + r) + word
        if i == 0:
            return "w" + word


def test_large_vocabulary_uses_uint32(tmp_path: Path) -> None:
    words = [_letters(i) for i in range(70000)]
    part = _write_part(tmp_path / "p.txt.gz", [" ".join(words[-3:] + words[:1])])
    shard = vocab.tokenize_part(part, words, digits="drop")
    assert shard.tokens.dtype == np.uint32
    assert list(shard.tokens) == [69997, 69998, 69999, 0]


def test_unreadable_counts_file_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv.gz"
    bad.write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(QwemInputError, match="bad.tsv.gz"):
        vocab.read_counts(bad)


# --- content digests: every file of the stage is checked when read ----------


def _shard(tmp_path: Path) -> tuple[Path, Path, Path]:
    part = _write_part(tmp_path / "p.txt.gz", ["a b c a", "b b", "c a b"])
    words = tmp_path / "vocab.tsv"
    vocab.write_vocabulary(
        pd.DataFrame({"word": ["a", "b", "c"], "count": [3, 3, 2]}), words
    )
    tokens, offsets = tmp_path / "part-p.npy", tmp_path / "part-p.offsets.npy"
    vocab.tokenize_to_files(
        part,
        words,
        tokens=tokens,
        offsets=offsets,
        info=tmp_path / "part-p.json",
        digits="spell",
    )
    return tokens, offsets, words


def test_token_shard_with_a_changed_id_names_the_file_and_its_rule(
    tmp_path: Path,
) -> None:
    tokens, offsets, _ = _shard(tmp_path)
    shards = load_shards([tokens], [offsets])  # unchanged: reads fine
    np.testing.assert_array_equal(shards[0][0], [0, 1, 2, 0, 1, 1, 2, 0, 1])
    flip_byte(tokens, 2)  # last id 1 -> 0: still a valid id
    assert int(np.load(tokens).max()) < 3
    with pytest.raises(QwemInputError) as err:
        load_shards([tokens], [offsets])
    message = str(err.value)
    assert message.startswith(f"{tokens}: contents changed after rule vocab_tokenize")
    assert "(qwem vocab tokenize)" in message
    assert f"snakemake --forcerun {tokens}" in message


def test_offsets_file_with_a_changed_byte_names_the_file(tmp_path: Path) -> None:
    tokens, offsets, _ = _shard(tmp_path)
    flip_byte(offsets, 8)  # the last offset's low byte
    with pytest.raises(QwemInputError, match=rf"^{offsets}: .*rule vocab_tokenize"):
        load_shards([tokens], [offsets])


def test_shard_of_an_earlier_qwem_is_read_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tokens, offsets, _ = _shard(tmp_path)
    info = tmp_path / "part-p.json"
    record = json.loads(info.read_text())
    del record["digests"], record["record_digest"]  # what an earlier qwem wrote
    info.write_text(json.dumps(record))
    assert load_shards([tokens], [offsets])[0][0].size == 9
    assert "no content digest recorded" in caplog.text


def test_a_changed_shard_info_is_refused_by_name(tmp_path: Path) -> None:
    """The info's totals feed the corpus summary: a changed digit is caught."""
    tokens, offsets, _ = _shard(tmp_path)
    info = tmp_path / "part-p.json"
    record = json.loads(info.read_text())
    record["tokens"] += 1
    info.write_text(json.dumps(record))
    with pytest.raises(QwemInputError, match=r"part-p\.json: contents changed after"):
        vocab.summarize_shards([info], tmp_path / "summary.json")
    with pytest.raises(QwemInputError, match=r"part-p\.json: contents changed after"):
        load_shards([tokens], [offsets])


def test_word_counts_with_a_changed_byte_name_the_file_and_its_rule(
    tmp_path: Path,
) -> None:
    out = tmp_path / "part-p.tsv.gz"
    vocab.count_part(_write_part(tmp_path / "p.txt.gz", ["a b b"]), out, digits="spell")
    assert dict(vocab.merge_counts([out])) == {"b": 2, "a": 1}
    flip_byte(out, 9)  # inside the deflate stream, before the gzip trailer
    with pytest.raises(QwemInputError, match=rf"^{out}: .*rule vocab_count"):
        vocab.merge_counts([out])


def test_vocabulary_with_a_changed_byte_names_the_file_and_its_rule(
    tmp_path: Path,
) -> None:
    counts = tmp_path / "part-p.tsv.gz"
    vocab.count_part(
        _write_part(tmp_path / "p.txt.gz", ["a b b"]), counts, digits="spell"
    )
    out = tmp_path / "vocab.tsv"
    vocab.build_vocabulary([counts], out, size=2)
    assert vocab.read_vocabulary(out) == ["b", "a"]
    flip_byte(out, 2, xor=2)  # the count of "a": 1 -> 3
    with pytest.raises(QwemInputError, match=rf"^{out}: .*rule vocab_build"):
        vocab.read_vocabulary(out)
