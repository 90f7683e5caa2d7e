"""``qwem corpus``: download Wikipedia and text8 and extract plain text.

The work is :mod:`qwem.corpus.jobs`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qwem.cli.common import actions, add_command, download_args, opt_int, opt_str


def _retry(a: argparse.Namespace) -> Any:
    from qwem.corpus.jobs import Retry

    return Retry(a.retries, a.timeout, a.backoff)


def cmd_download(a: argparse.Namespace) -> None:
    from qwem.corpus.jobs import download_file

    opts = {"sha1": a.sha1, "sha256": a.sha256, "size": a.size}
    download_file(a.url, a.out, _retry(a), **opts)


def cmd_index(a: argparse.Namespace) -> None:
    from qwem.corpus.jobs import fetch_dump_index

    fetch_dump_index(
        a.out, base_url=a.base_url, date=a.date, source=a.source, retry=_retry(a)
    )


def cmd_fetch_text8(a: argparse.Namespace) -> None:
    from qwem.corpus.jobs import fetch_text8

    opts = {"size": a.size, "member_bytes": a.member_bytes, "sha256": a.sha256}
    fetch_text8(a.url, a.zip, a.checksum, _retry(a), **opts)


def cmd_split_text8(a: argparse.Namespace) -> None:
    from qwem.corpus.jobs import split_text8_parts

    opts = {"doc_words": a.doc_words, "words": a.words, "sha256": a.sha256}
    split_text8_parts(a.zip, a.checksum, a.out, **opts)


def cmd_extract_dump(a: argparse.Namespace) -> None:
    from qwem.corpus.jobs import extract_dump_part

    extract_dump_part(a.dump, a.out, min_words=a.min_words, threads=a.threads)


def cmd_extract_summaries(a: argparse.Namespace) -> None:
    from qwem.corpus.jobs import extract_summaries_part

    extract_summaries_part(a.source, a.out, min_words=a.min_words)


def register(stages: Any) -> None:
    """Add ``qwem corpus ...``."""
    corpus = actions(stages, "corpus", "download and extract text")
    p = add_command(corpus, "download", cmd_download, "download one file (verified)")
    p.add_argument("url")
    p.add_argument("out", type=Path)
    p.add_argument("--sha1", type=opt_str)
    p.add_argument("--sha256", type=opt_str)
    p.add_argument("--size", type=opt_int)
    download_args(p)
    p = add_command(corpus, "index", cmd_index, "an enwiki dump's sha1sums (parts)")
    p.add_argument("out", type=Path, help="the sha1sums file written")
    p.add_argument("--base-url", required=True, help="corpus.enwiki.base_url")
    p.add_argument("--date", required=True, help="dump date YYYYMMDD")
    p.add_argument("--source", type=Path, help="a local sha1sums file, not fetched")
    download_args(p)
    p = add_command(corpus, "fetch-text8", cmd_fetch_text8, "download text8.zip")
    p.add_argument("url")
    p.add_argument("zip", type=Path)
    p.add_argument("checksum", type=Path, help="sha256 record written beside the zip")
    p.add_argument("--size", type=opt_int, required=True, help="bytes or none")
    p.add_argument("--member-bytes", type=opt_int, required=True)
    p.add_argument("--sha256", type=opt_str, required=True, help="pinned, or none")
    download_args(p)
    p = add_command(corpus, "split-text8", cmd_split_text8, "text8 -> pseudo-documents")
    p.add_argument("zip", type=Path)
    p.add_argument("checksum", type=Path)
    p.add_argument("out", type=Path, nargs="+", help="one .txt.gz per shard")
    p.add_argument("--doc-words", type=int, required=True)
    p.add_argument("--words", type=opt_int, required=True, help="expected words")
    p.add_argument("--sha256", type=opt_str, required=True, help="pinned, or none")
    p = add_command(corpus, "extract-dump", cmd_extract_dump, "dump part -> text")
    p.add_argument("dump", type=Path, help="a dump part (.xml.bz2)")
    p.add_argument("out", type=Path)
    p.add_argument("--min-words", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p = add_command(
        corpus, "extract-summaries", cmd_extract_summaries, "Vital Articles -> text"
    )
    p.add_argument("source", type=Path, help="lead sections (JSON)")
    p.add_argument("out", type=Path)
    p.add_argument("--min-words", type=int, required=True)
