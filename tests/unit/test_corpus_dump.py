"""Tests of qwem.corpus.dump, .pages and .wikitext on a small dump the tests
write (tests/wikidump.py) and gensim's enwiki sample."""

from __future__ import annotations

import bz2
import gzip
import os
import tempfile
from pathlib import Path

import pytest

from qwem.corpus import dump
from qwem.corpus.dump import ExtractStats, extract_articles, extract_dump
from qwem.corpus.pages import Page, iter_pages
from qwem.corpus.wikitext import is_disambiguation, wikitext_to_plain
from qwem.errors import QwemConfigError, QwemInputError
from wikidump import write_tiny_dump

TINY = write_tiny_dump(
    Path(tempfile.gettempdir()) / f"qwem-tests-{os.getuid()}" / "tiny-dump.xml"
)
ISLAND = (
    "Anarchy Island is a small island in the North Sea. Its harbour is run by a "
    "cooperative of fishers. The island was settled in 1848. Economy Most "
    "inhabitants work in fishing and tourism. The ferry timetable is published "
    "by the harbour office and mirrored at every week. Climate Winters are mild "
    "and wet."
)
NORTH_SEA = (
    "The North Sea lies between Great Britain and Scandinavia. Its area is about "
    "570,000 km2. Its main banks are: Dogger Bank Fisher Bank Its surface is "
    "square kilometres."
)
# Counted by hand from the fixture with min_article_words=10: Puffin Rock has 8.
TINY_COUNTS = {
    "pages": 10,
    "kept": 2,
    "redirects": 2,
    "disambiguations": 3,
    "other_namespace": 2,
    "too_short": 1,
    "words": len(ISLAND.split()) + len(NORTH_SEA.split()),
}


def _stats_counts(stats: ExtractStats) -> dict[str, float]:
    counts = stats.as_dict()
    assert counts.pop("seconds") >= 0.0
    return counts


def _bz2_multistream(xml: Path, out: Path) -> Path:
    """Compress like a multistream dump: separate bz2 streams, split at a page."""
    data = xml.read_bytes()
    cut = data.index(b"  <page>", data.index(b"<title>Mercury"))
    out.write_bytes(bz2.compress(data[:cut]) + bz2.compress(data[cut:]))
    return out


def test_iter_pages_reads_titles_namespaces_and_redirects() -> None:
    pages = [(p.title, p.ns, p.redirect) for p in iter_pages(TINY)]
    assert pages == [
        ("Anarchy Island", 0, False),
        ("Anarchy Isle", 0, True),  # <redirect title=".."/> element
        ("Anarchist isle", 0, True),  # only "#redirect" in the text
        ("Mercury", 0, False),
        ("Springfield (disambiguation)", 0, False),
        ("John Smith", 0, False),
        ("Talk:Anarchy Island", 1, False),
        ("Template:Infobox island", 10, False),
        ("Puffin Rock", 0, False),
        ("North Sea", 0, False),
    ]


def test_fixture_articles_render_to_known_plain_text() -> None:
    texts = {p.title: p.text for p in iter_pages(TINY)}
    assert wikitext_to_plain(texts["Anarchy Island"]) == ISLAND
    assert wikitext_to_plain(texts["North Sea"]) == NORTH_SEA


@pytest.mark.parametrize(
    ("wikitext", "plain"),
    [
        ("[[a b|shown]] and [[a_b]]", "shown and a b"),
        ("[[apple]]s", "apples"),
        ("[[Foo (bar)|]] trick", "Foo trick"),
        ("{{Infobox x|a={{b|{{c}}}}}}Body", "Body"),
        ("x<ref>{{cite web|url=http://a.org|title=T}}</ref>. y<ref name=n/>", "x. y"),
        ("[[File:A.jpg|thumb|A [[cap]] here]] text [[Image:B.png]]", "text"),
        ("a [[Category:Foo]] [[de:Foo]] [[zh-min-nan:Foo]] b", "a b"),
        ("see [[:Category:Foo|foo]] and [[wikt:bar|bar]]", "see foo and bar"),
        ("[http://x.org label] http://y.org [http://z.org]", "label"),
        ("'''bold''' ''it'' '''''both'''''", "bold it both"),
        ("a<!-- hidden -->b", "ab"),
        ("{| class=wikitable\n|-\n| cell || cell\n|}\nafter", "after"),
        ("<math>x^2</math> <gallery>A.jpg|c</gallery> <timeline>t</timeline> z", "z"),
        (
            "== Head ==\ntext\n\n== External links ==\n* [http://x.org site]",
            "Head text",
        ),
        ("line one<br/>line two\n\n\n* item", "line one line two item"),
        ("x<sup>2</sup>&nbsp;m", "x2 m"),
    ],
)
def test_wikitext_to_plain_known_answers(wikitext: str, plain: str) -> None:
    assert wikitext_to_plain(wikitext) == plain


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("Mercury", "Mercury may be:\n{{Disambiguation|geo|hndis}}", True),
        ("Mercury", "{{disambiguation}}", True),
        ("Mercury", "{{Disambig}}", True),
        ("Mercury", "{{dab}}", True),
        ("Mercury", "{{ disamb }}", True),
        ("Mercury", "{{Hndis|Smith, John}}", True),
        ("Mercury", "{{geodis}}", True),
        ("Mercury", "{{numberdis}}", True),
        ("Mercury", "{{schooldis}}", True),
        ("Mercury", "{{Human_name_disambiguation}}", True),
        ("Mercury", "{{Template:Disambiguation}}", True),
        ("Springfield (disambiguation)", "A list of places.", True),
        ("Mercury", "{{About|the planet}} Mercury is a planet.", False),
        ("Mercury", "{{Disambiguation needed}}", False),
    ],
)
def test_is_disambiguation(title: str, text: str, expected: bool) -> None:
    page = Page(title=title, ns=0, redirect=False, text=text)
    assert is_disambiguation(page) is expected


def test_extract_dump_writes_kept_articles_and_counts(tmp_path: Path) -> None:
    out = tmp_path / "wiki.txt"
    stats = extract_dump(TINY, out, min_article_words=10, threads=1)
    assert out.read_text(encoding="utf-8") == f"{ISLAND}\n{NORTH_SEA}\n"
    assert _stats_counts(stats) == TINY_COUNTS


def test_min_article_words_zero_keeps_short_articles(tmp_path: Path) -> None:
    stats = extract_dump(TINY, tmp_path / "wiki.txt", min_article_words=0, threads=1)
    assert (stats.kept, stats.too_short) == (3, 0)


def test_bz2_multistream_gives_the_same_text_as_xml(tmp_path: Path) -> None:
    packed = _bz2_multistream(TINY, tmp_path / "tiny.xml.bz2")
    extract_dump(TINY, tmp_path / "plain.txt.gz", min_article_words=10, threads=1)
    stats = extract_dump(
        packed, tmp_path / "bz2.txt.gz", min_article_words=10, threads=1
    )
    plain = gzip.decompress((tmp_path / "plain.txt.gz").read_bytes())
    assert gzip.decompress((tmp_path / "bz2.txt.gz").read_bytes()) == plain
    assert plain.decode("utf-8") == f"{ISLAND}\n{NORTH_SEA}\n"
    assert _stats_counts(stats) == TINY_COUNTS


def test_two_processes_give_byte_identical_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dump, "_CHUNKSIZE", 1)  # spread pages over both workers
    one = extract_dump(TINY, tmp_path / "one.txt", min_article_words=10, threads=1)
    two = extract_dump(TINY, tmp_path / "two.txt", min_article_words=10, threads=2)
    assert (tmp_path / "one.txt").read_bytes() == (tmp_path / "two.txt").read_bytes()
    assert _stats_counts(one) == _stats_counts(two) == TINY_COUNTS


def test_extract_articles_streams_lines_and_final_stats() -> None:
    lines, stats = extract_articles(TINY, min_article_words=10, threads=1)
    assert list(lines) == [ISLAND, NORTH_SEA]
    assert _stats_counts(stats()) == TINY_COUNTS


@pytest.mark.parametrize("threads", [1, 2])
def test_truncated_bz2_names_the_file_and_leaves_no_output(
    tmp_path: Path, threads: int
) -> None:
    whole = _bz2_multistream(TINY, tmp_path / "whole.xml.bz2").read_bytes()
    broken = tmp_path / "broken.xml.bz2"
    broken.write_bytes(whole[: len(whole) // 2])
    out = tmp_path / "out" / "wiki.txt.gz"
    with pytest.raises(QwemInputError, match=r"broken\.xml\.bz2: .*rerun the download"):
        extract_dump(broken, out, min_article_words=10, threads=threads)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no temporary file either


def test_corrupt_bz2_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml.bz2"
    bad.write_bytes(b"BZh9" + b"\x00" * 100)
    with pytest.raises(
        QwemInputError, match=r"bad\.xml\.bz2: unreadable dump, truncated or corrupt"
    ):
        list(iter_pages(bad))


def test_malformed_xml_names_the_file(tmp_path: Path) -> None:
    half = tmp_path / "half.xml"
    data = TINY.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    out = tmp_path / "wiki.txt"
    with pytest.raises(QwemInputError, match=r"half\.xml: malformed XML"):
        extract_dump(half, out, min_article_words=10, threads=1)
    assert not out.exists()


def test_missing_dump_and_dump_without_pages(tmp_path: Path) -> None:
    with pytest.raises(QwemInputError, match=r"nothere\.xml\.bz2: dump file not found"):
        extract_dump(
            tmp_path / "nothere.xml.bz2",
            tmp_path / "o.txt",
            min_article_words=1,
            threads=1,
        )
    empty = tmp_path / "empty.xml"
    empty.write_text('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/"/>')
    with pytest.raises(QwemInputError, match=r"empty\.xml: no <page> elements"):
        extract_dump(empty, tmp_path / "o.txt", min_article_words=1, threads=1)
    assert not (tmp_path / "o.txt").exists()


def test_negative_min_article_words_names_the_config_key(tmp_path: Path) -> None:
    out = tmp_path / "wiki.txt"
    with pytest.raises(QwemConfigError, match=r"corpus\.min_article_words.*-1"):
        extract_dump(TINY, out, min_article_words=-1, threads=1)
    assert not out.exists()


@pytest.fixture(scope="module")
def gensim_dump() -> Path:
    utils = pytest.importorskip("gensim.test.utils")
    name = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
    return Path(utils.datapath(name))


def test_gensim_sample_pages(gensim_dump: Path) -> None:
    pages = list(iter_pages(gensim_dump))
    assert len(pages) == 206
    assert sum(p.ns == 0 for p in pages) == 205
    assert sum(p.redirect for p in pages) == 100  # one of them is the ns-4 page


def test_gensim_sample_extraction(gensim_dump: Path, tmp_path: Path) -> None:
    out = tmp_path / "enwiki.txt"
    stats = extract_dump(gensim_dump, out, min_article_words=50, threads=2)
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines.pop() == ""
    assert (stats.pages, stats.other_namespace, stats.redirects) == (206, 1, 99)
    articles = stats.pages - stats.other_namespace - stats.redirects
    assert stats.kept + stats.too_short + stats.disambiguations == articles
    assert stats.disambiguations == 8  # 5 "(disambiguation)" titles, 3 by template
    assert stats.kept == len(lines) > 90
    assert stats.words == sum(len(line.split()) for line in lines)
    text = "\n".join(lines)
    for markup in ("{{", "}}", "[[", "]]", "<ref", "{|", "|}", "''", "http"):
        assert markup not in text, markup
    assert lines[0].startswith("Anarchism is a political philosophy that advocates")
