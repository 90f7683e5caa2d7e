"""``qwem corpus``: download Wikipedia and extract plain text."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from qwem.cli.common import actions, add_command, opt_int, opt_str
from qwem.errors import QwemError

logger = logging.getLogger(__name__)


def _download_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--retries", type=int, default=5, help="retries after a dropped connection"
    )
    p.add_argument("--timeout", type=float, default=60.0, help="socket timeout, s")
    p.add_argument("--backoff", type=float, default=2.0, help="first retry wait, s")


def cmd_download(a: argparse.Namespace) -> None:
    from qwem.corpus.download import download
    from qwem.io import write_meta

    result = download(
        a.url,
        a.out,
        sha1=a.sha1,
        sha256=a.sha256,
        size=a.size,
        retries=a.retries,
        timeout_s=a.timeout,
        backoff_s=a.backoff,
    )
    write_meta(
        a.out,
        {"url": a.url, "sha1": a.sha1, "sha256": a.sha256},
        bytes=result.bytes,
        sha1=result.sha1,
        sha256=result.sha256,
    )


def cmd_index(a: argparse.Namespace) -> None:
    from qwem.corpus.download import download
    from qwem.corpus.sources import dump_index_url, parse_dump_index

    download(
        dump_index_url(a.base_url, a.date),
        a.out,
        retries=a.retries,
        timeout_s=a.timeout,
        backoff_s=a.backoff,
    )
    parts = parse_dump_index(Path(a.out).read_text(), date=a.date)
    print(f"{a.out}: {len(parts)} dump parts")


def cmd_fetch_text8(a: argparse.Namespace) -> None:
    from qwem.corpus.download import download
    from qwem.corpus.sources import record_checksum, verify_text8

    download(
        a.url,
        a.zip,
        sha256=a.sha256,
        size=a.size,
        retries=a.retries,
        timeout_s=a.timeout,
        backoff_s=a.backoff,
    )
    try:
        verify_text8(a.zip, size=a.size, member_bytes=a.member_bytes)
        record_checksum(a.zip, a.checksum, pinned=a.sha256)
    except QwemError:
        Path(a.zip).unlink(missing_ok=True)
        raise


def cmd_split_text8(a: argparse.Namespace) -> None:
    from qwem.corpus.sources import check_checksum, split_text8
    from qwem.io import write_meta

    check_checksum(a.zip, a.checksum, pinned=a.sha256)
    counts = split_text8(a.zip, a.out, doc_words=a.doc_words, expected_words=a.words)
    for out in a.out:
        write_meta(out, {"source": "text8", "doc_words": a.doc_words}, **counts)


def cmd_extract_dump(a: argparse.Namespace) -> None:
    from qwem.corpus.dump import extract_dump
    from qwem.io import write_meta

    stats = extract_dump(
        a.dump, a.out, min_article_words=a.min_words, threads=a.threads
    )
    write_meta(
        a.out,
        {"dump": str(a.dump), "min_article_words": a.min_words},
        **stats.as_dict(),
    )


def cmd_extract_summaries(a: argparse.Namespace) -> None:
    from dataclasses import asdict

    from qwem.corpus.sources import extract_summaries
    from qwem.io import write_meta

    stats = extract_summaries(a.source, a.out, min_words=a.min_words)
    write_meta(
        a.out,
        {"source": str(a.source), "min_summary_words": a.min_words},
        **asdict(stats),
    )


def register(stages: Any) -> None:
    """Add ``qwem corpus ...``."""
    corpus = actions(stages, "corpus", "download and extract text")
    p = add_command(
        corpus,
        "download",
        cmd_download,
        "download one file (resume, retries, checksum)",
    )
    p.add_argument("url")
    p.add_argument("out", type=Path)
    p.add_argument("--sha1", type=opt_str)
    p.add_argument("--sha256", type=opt_str)
    p.add_argument("--size", type=opt_int)
    _download_args(p)
    p = add_command(
        corpus, "index", cmd_index, "fetch an enwiki dump's sha1sums file (part list)"
    )
    p.add_argument("--base-url", default="https://dumps.wikimedia.org")
    p.add_argument("--date", required=True, help="dump date YYYYMMDD")
    p.add_argument("--out", type=Path, required=True)
    _download_args(p)
    p = add_command(
        corpus, "fetch-text8", cmd_fetch_text8, "download and verify text8.zip"
    )
    p.add_argument("url")
    p.add_argument("zip", type=Path)
    p.add_argument("checksum", type=Path, help="sha256 record written beside the zip")
    p.add_argument("--size", type=opt_int, default=31344016)
    p.add_argument("--member-bytes", type=opt_int, default=100000000)
    p.add_argument("--sha256", type=opt_str, help="pinned sha256 of the zip")
    _download_args(p)
    p = add_command(
        corpus, "split-text8", cmd_split_text8, "cut text8 into pseudo-documents"
    )
    p.add_argument("zip", type=Path)
    p.add_argument("checksum", type=Path)
    p.add_argument("out", type=Path, nargs="+", help="one .txt.gz per shard")
    p.add_argument("--doc-words", type=int, required=True)
    p.add_argument("--words", type=opt_int, default=17005207, help="expected words")
    p.add_argument("--sha256", type=opt_str)
    p = add_command(
        corpus, "extract-dump", cmd_extract_dump, "dump part (.xml.bz2) -> plain text"
    )
    p.add_argument("dump", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--min-words", type=int, required=True)
    p.add_argument("--threads", type=int, default=1)
    p = add_command(
        corpus,
        "extract-summaries",
        cmd_extract_summaries,
        "Vital Articles lead sections (JSON) -> plain text",
    )
    p.add_argument("source", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--min-words", type=int, required=True)
