"""The ``qwem`` command line: one subcommand per stage, usable without Snakemake.

Each handler parses, loads, calls one library function and saves. A QwemError
is printed as one line and exits with status 2; anything else keeps its
traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qwem import __version__
from qwem.errors import QwemError

logger = logging.getLogger("qwem.cli")
Handler = Callable[[argparse.Namespace], None]


def _download_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--retries", type=int, default=5, help="retries after a dropped connection"
    )
    p.add_argument("--timeout", type=float, default=60.0, help="socket timeout, s")
    p.add_argument("--backoff", type=float, default=2.0, help="first retry wait, s")


def _opt_int(text: str) -> int | None:
    return None if text.lower() in ("", "none", "null") else int(text)


def _opt_str(text: str) -> str | None:
    return None if text.lower() in ("", "none", "null") else text


# ---------------------------------------------------------------- corpus
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


# ---------------------------------------------------------------- vocab
def cmd_count_words(a: argparse.Namespace) -> None:
    from qwem import vocab

    counts = vocab.count_words(a.text, digits=a.digits)
    vocab.write_counts(counts, a.out)
    logger.info("%s: %d tokens, %d distinct words", a.text, counts.total(), len(counts))


def cmd_build_vocab(a: argparse.Namespace) -> None:
    from qwem import vocab
    from qwem.io import write_meta

    counts = vocab.merge_counts(a.counts)
    table = vocab.select_vocabulary(counts, size=a.size)
    covered = int(table["count"].sum())
    total = int(counts.sum())
    write_meta(
        a.out,
        {"vocab_size": a.size, "parts": len(a.counts)},
        tokens=total,
        distinct_words=len(counts),
        in_vocab_tokens=covered,
    )
    vocab.write_vocabulary(table, a.out)
    logger.info(
        "vocabulary of %d words covers %d of %d tokens (%.1f %%)",
        a.size,
        covered,
        total,
        100.0 * covered / max(total, 1),
    )


def cmd_tokenize(a: argparse.Namespace) -> None:
    from qwem import vocab
    from qwem.io import save_npy, write_json

    words = vocab.read_vocabulary(a.vocab)
    shard = vocab.tokenize_part(a.text, words, digits=a.digits)
    save_npy(a.offsets, shard.offsets)
    write_json(
        a.info,
        {
            "qwem_version": __version__,
            "params": {"digits": a.digits, "vocab_size": len(words)},
            "tokens": int(shard.tokens.size),
            "documents": shard.n_docs,
            "words_seen": shard.words_seen,
            "documents_seen": shard.docs_seen,
            "dtype": str(shard.tokens.dtype),
        },
    )
    save_npy(a.tokens, shard.tokens)
    logger.info(
        "%s: %d tokens in %d documents (%d words seen)",
        a.text,
        shard.tokens.size,
        shard.n_docs,
        shard.words_seen,
    )


def cmd_summarize(a: argparse.Namespace) -> None:
    from qwem.io import read_json, write_json

    parts = {Path(p).name.removesuffix(".json"): read_json(p) for p in a.info}
    total = {
        k: sum(int(v[k]) for v in parts.values())
        for k in ("tokens", "documents", "words_seen")
    }
    write_json(a.out, {"qwem_version": __version__, **total, "parts": parts})
    print(
        f"{total['tokens']:,} tokens in {total['documents']:,} documents, "
        f"{len(parts)} shards"
    )


# ---------------------------------------------------------------- parser
def _add(sub: Any, name: str, func: Handler, help_: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    p.set_defaults(func=func)
    return p


def build_parser() -> argparse.ArgumentParser:
    """The full ``qwem`` argument parser."""
    parser = argparse.ArgumentParser(prog="qwem", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"qwem {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    stages = parser.add_subparsers(dest="stage", required=True, metavar="STAGE")

    corpus = stages.add_parser(
        "corpus", help="download and extract text"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    p = _add(
        corpus,
        "download",
        cmd_download,
        "download one file (resume, retries, checksum)",
    )
    p.add_argument("url")
    p.add_argument("out", type=Path)
    p.add_argument("--sha1", type=_opt_str)
    p.add_argument("--sha256", type=_opt_str)
    p.add_argument("--size", type=_opt_int)
    _download_args(p)
    p = _add(
        corpus, "index", cmd_index, "fetch an enwiki dump's sha1sums file (part list)"
    )
    p.add_argument("--base-url", default="https://dumps.wikimedia.org")
    p.add_argument("--date", required=True, help="dump date YYYYMMDD")
    p.add_argument("--out", type=Path, required=True)
    _download_args(p)
    p = _add(corpus, "fetch-text8", cmd_fetch_text8, "download and verify text8.zip")
    p.add_argument("url")
    p.add_argument("zip", type=Path)
    p.add_argument("checksum", type=Path, help="sha256 record written beside the zip")
    p.add_argument("--size", type=_opt_int, default=31344016)
    p.add_argument("--member-bytes", type=_opt_int, default=100000000)
    p.add_argument("--sha256", type=_opt_str, help="pinned sha256 of the zip")
    _download_args(p)
    p = _add(corpus, "split-text8", cmd_split_text8, "cut text8 into pseudo-documents")
    p.add_argument("zip", type=Path)
    p.add_argument("checksum", type=Path)
    p.add_argument("out", type=Path, nargs="+", help="one .txt.gz per shard")
    p.add_argument("--doc-words", type=int, required=True)
    p.add_argument("--words", type=_opt_int, default=17005207, help="expected words")
    p.add_argument("--sha256", type=_opt_str)
    p = _add(
        corpus, "extract-dump", cmd_extract_dump, "dump part (.xml.bz2) -> plain text"
    )
    p.add_argument("dump", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--min-words", type=int, required=True)
    p.add_argument("--threads", type=int, default=1)
    p = _add(
        corpus,
        "extract-summaries",
        cmd_extract_summaries,
        "Vital Articles lead sections (JSON) -> plain text",
    )
    p.add_argument("source", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--min-words", type=int, required=True)

    voc = stages.add_parser("vocab", help="vocabulary and token shards").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    p = _add(voc, "count", cmd_count_words, "word counts of one text part")
    p.add_argument("text", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--digits", required=True, choices=("spell", "drop"))
    p = _add(voc, "build", cmd_build_vocab, "merge word counts into vocab.tsv")
    p.add_argument("counts", type=Path, nargs="+")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--size", type=int, required=True, help="V")
    p = _add(voc, "tokenize", cmd_tokenize, "text part -> token shard (ids, offsets)")
    p.add_argument("text", type=Path)
    p.add_argument("vocab", type=Path)
    p.add_argument("--tokens", type=Path, required=True)
    p.add_argument("--offsets", type=Path, required=True)
    p.add_argument("--info", type=Path, required=True)
    p.add_argument("--digits", required=True, choices=("spell", "drop"))
    p = _add(voc, "summarize", cmd_summarize, "token counts of all shards")
    p.add_argument("info", type=Path, nargs="+")
    p.add_argument("--out", type=Path, required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qwem`` command."""
    from qwem.runtime import setup_logging

    args = build_parser().parse_args(argv)
    setup_logging(level=logging.DEBUG if args.verbose else logging.INFO)
    logger.info(
        "qwem %s: %s", __version__, " ".join(sys.argv[1:] if argv is None else argv)
    )
    try:
        args.func(args)
    except QwemError as exc:
        print(f"qwem: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
