"""Corpus sources: bundled data files, text8 verification and splitting, dump index."""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from conftest import DATA
from qwem.corpus import sources
from qwem.errors import QwemConfigError, QwemInputError


def _text8_zip(path: Path, words: list[str]) -> Path:
    """A zip with text8's layout: one member 'text8', words after one space each."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("text8", "".join(" " + w for w in words))
    return path


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt") as fh:
        return fh.read().splitlines()


def test_bundled_files_ship_with_the_installed_packages() -> None:
    sample = sources.dump_sample_path()
    assert sample.name == sources.DUMP_SAMPLE and sample.stat().st_size > 1_000_000
    assert sources.vital_summaries_path().name == "summaries_en-us.json"


def test_summaries_keep_lead_sections_one_per_line(tmp_path: Path) -> None:
    src = tmp_path / "s.json"
    src.write_text(
        json.dumps(
            {
                "A": {"title": "A", "extract": "Alpha is\nthe first  letter."},
                "B": {"title": "B", "extract": "Short."},
                "C": {"title": "C", "extract": "Gamma is the third letter."},
            }
        )
    )
    stats = sources.extract_summaries(src, tmp_path / "o.txt.gz", min_words=3)
    assert _lines(tmp_path / "o.txt.gz") == [
        "Alpha is the first letter.",
        "Gamma is the third letter.",
    ]
    assert (stats.articles, stats.kept, stats.too_short, stats.words) == (3, 2, 1, 10)
    with pytest.raises(QwemConfigError, match="corpus.bundled.min_summary_words"):
        sources.extract_summaries(src, tmp_path / "x.txt.gz", min_words=-1)
    assert not (tmp_path / "x.txt.gz").exists()


def test_text8_split_into_pseudo_documents_and_shards(tmp_path: Path) -> None:
    words = [f"w{chr(97 + i % 26)}" for i in range(23)]
    z = _text8_zip(tmp_path / "text8.zip", words)
    sources.verify_text8(z, size=z.stat().st_size, member_bytes=3 * 23)
    outs = [tmp_path / f"t{i}.txt.gz" for i in range(3)]
    counts = sources.split_text8(z, outs, doc_words=5, expected_words=23)
    assert counts == {"words": 23, "documents": 5, "shards": 3}
    docs = [line for out in outs for line in _lines(out)]
    # 5 documents (5+5+5+5+3 words) in order; concatenated they give text8 back
    assert [len(d.split()) for d in docs] == [5, 5, 5, 5, 3]
    assert " ".join(docs).split() == words
    assert [len(_lines(o)) for o in outs] == [2, 2, 1]


def test_text8_with_the_wrong_word_count_is_refused(tmp_path: Path) -> None:
    z = _text8_zip(tmp_path / "text8.zip", ["a", "b"])
    with pytest.raises(QwemInputError, match=r"should hold 17,005,207 words, holds 2"):
        sources.split_text8(
            z, [tmp_path / "o.txt.gz"], doc_words=5, expected_words=17005207
        )
    assert not (tmp_path / "o.txt.gz").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"text8": " abc def"}, "expected 999 bytes"),
        ({"other": " abc"}, "one member 'text8'"),
        ({"text8": " Abc 123"}, "lowercase a-z"),
    ],
)
def test_text8_layout_checks(
    tmp_path: Path, content: dict[str, str], message: str
) -> None:
    z = tmp_path / "text8.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name, text in content.items():
            zf.writestr(name, text)
    size = 999 if message.startswith("expected 999") else None
    with pytest.raises(QwemInputError, match=message):
        sources.verify_text8(z, size=size, member_bytes=None)


def test_text8_not_a_zip(tmp_path: Path) -> None:
    z = tmp_path / "text8.zip"
    z.write_bytes(b"<html>503 Service Unavailable</html>")
    with pytest.raises(QwemInputError, match="not a zip file"):
        sources.verify_text8(z, size=None, member_bytes=None)


def test_checksum_recorded_then_verified_on_every_use(tmp_path: Path) -> None:
    z = _text8_zip(tmp_path / "text8.zip", ["a", "b"])
    record = tmp_path / "text8.zip.sha256"
    digest = sources.record_checksum(z, record, pinned=None)
    assert digest == hashlib.sha256(z.read_bytes()).hexdigest()
    assert record.read_text() == f"{digest}  text8.zip\n"
    sources.check_checksum(z, record, pinned=digest.upper())
    with pytest.raises(QwemInputError, match="pinned"):
        sources.check_checksum(z, record, pinned="0" * 64)
    _text8_zip(z, ["changed"])  # the file changes after download
    with pytest.raises(QwemInputError, match=f"recorded in .*{digest}"):
        sources.check_checksum(z, record, pinned=None)
    with pytest.raises(QwemInputError, match="differs from the pinned"):
        sources.record_checksum(z, tmp_path / "new.sha256", pinned="0" * 64)
    assert not (tmp_path / "new.sha256").exists()


def test_dump_index_lists_the_numbered_article_parts_in_order() -> None:
    parts = sources.parse_dump_index(
        (DATA / "enwiki-20261101-sha1sums.txt").read_text(), date="20261101"
    )
    assert [p.part for p in parts] == [
        "enwiki-01-p1p41242",
        "enwiki-02-p41243p151573",
        "enwiki-10-p4045403p5399366",
        "enwiki-10-p5399367p6899366",
    ]
    assert (
        parts[0].file == "enwiki-20261101-pages-articles-multistream1.xml-p1p41242.bz2"
    )
    assert parts[0].sha1 == "1" * 40
    url = sources.dump_part_url(
        "https://mirror.example/dumps/", "20261101", parts[0].file
    )
    assert url == f"https://mirror.example/dumps/enwiki/20261101/{parts[0].file}"


def test_dump_index_of_another_date_or_format_is_refused() -> None:
    text = (DATA / "enwiki-20261101-sha1sums.txt").read_text()
    with pytest.raises(QwemInputError, match="corpus.enwiki.date is 20270101"):
        sources.parse_dump_index(text, date="20270101")
    with pytest.raises(QwemInputError, match="lists no pages-articles-multistream"):
        sources.parse_dump_index("<html>not found</html>", date="20261101")
