"""What ``qwem corpus`` does, file to file: download, index, text8, extraction.

Every function writes its outputs atomically (with a ``.meta.json`` sidecar
where the command records one) and leaves nothing behind when it fails.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from qwem.corpus.download import DownloadResult
from qwem.corpus.sources import DumpPart

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retry:
    """How a download retries (corpus.download.*): count, socket timeout, first wait."""

    retries: int
    timeout_s: float
    backoff_s: float


def download_file(
    url: str,
    out: Path,
    retry: Retry,
    *,
    sha1: str | None = None,
    sha256: str | None = None,
    size: int | None = None,
) -> DownloadResult:
    """Download ``url`` to ``out`` (resumed, verified), its digests in a sidecar."""
    from qwem.corpus.download import download
    from qwem.io import write_meta

    result = download(url, out, sha1=sha1, sha256=sha256, size=size, **asdict(retry))
    write_meta(
        out,
        {"url": url, "sha1": sha1, "sha256": sha256},
        bytes=result.bytes,
        sha1=result.sha1,
        sha256=result.sha256,
    )
    return result


def read_dump_index(
    path: Path, *, date: str, name: str | None = None
) -> list[DumpPart]:
    """The dump parts listed by the sha1sums file ``path`` (errors name ``name``)."""
    from qwem.corpus.sources import parse_dump_index
    from qwem.errors import QwemInputError

    shown = name or str(path)
    try:
        return parse_dump_index(path.read_text(), date=date)
    except UnicodeDecodeError as exc:
        raise QwemInputError(f"{shown}: not a text sha1sums file ({exc})") from exc
    except QwemInputError as exc:
        raise QwemInputError(f"{shown}: {exc}") from exc


def fetch_dump_index(
    out: Path,
    *,
    base_url: str,
    date: str,
    source: Path | None,
    retry: Retry,
) -> list[DumpPart]:
    """The sha1sums file of an enwiki dump at ``out``, checked to list its parts.

    ``source`` is a copy the user already has; without it the file is
    downloaded from ``base_url``. A file that does not parse leaves no ``out``.
    """
    from qwem.corpus.download import download
    from qwem.corpus.sources import dump_index_url
    from qwem.errors import QwemInputError
    from qwem.io import atomic_path

    if source is not None and not source.is_file():
        raise QwemInputError(f"{source}: no such dump index (--source)")
    url = dump_index_url(base_url, date)
    staged = out.with_name(out.name + ".download")
    if source is None:
        download(url, staged, **asdict(retry))
    with atomic_path(out) as tmp:
        if source is None:
            os.replace(staged, tmp)
        else:
            shutil.copyfile(source, tmp)
        parts = read_dump_index(tmp, date=date, name=str(source or url))
    logger.info("%s: %d dump parts", out, len(parts))
    return parts


def fetch_text8(
    url: str,
    zip_path: Path,
    checksum: Path,
    retry: Retry,
    *,
    size: int | None,
    member_bytes: int | None,
    sha256: str | None,
) -> None:
    """Download text8.zip, verify it and record its sha256 in ``checksum``.

    A zip that fails the check is deleted (the next run downloads it again).
    """
    from qwem.corpus.download import download
    from qwem.corpus.sources import record_checksum, verify_text8
    from qwem.errors import QwemError

    download(url, zip_path, sha256=sha256, size=size, **asdict(retry))
    try:
        verify_text8(zip_path, size=size, member_bytes=member_bytes)
        record_checksum(zip_path, checksum, pinned=sha256)
    except QwemError:
        zip_path.unlink(missing_ok=True)
        raise


def split_text8_parts(
    zip_path: Path,
    checksum: Path,
    outs: list[Path],
    *,
    doc_words: int,
    words: int | None,
    sha256: str | None,
) -> dict[str, int]:
    """Cut text8 into pseudo-documents of ``doc_words`` words, one file per shard."""
    from qwem.corpus.sources import check_checksum, split_text8
    from qwem.io import write_meta

    check_checksum(zip_path, checksum, pinned=sha256)
    counts = split_text8(zip_path, outs, doc_words=doc_words, expected_words=words)
    for out in outs:
        write_meta(out, {"source": "text8", "doc_words": doc_words}, **counts)
    return counts


def extract_dump_part(
    dump: Path, out: Path, *, min_words: int, threads: int
) -> dict[str, int]:
    """A dump part (.xml.bz2) as plain text, one article per line."""
    from qwem.corpus.dump import extract_dump
    from qwem.io import write_meta

    stats = extract_dump(dump, out, min_article_words=min_words, threads=threads)
    record = stats.as_dict()
    write_meta(out, {"dump": str(dump), "min_article_words": min_words}, **record)
    return record


def extract_summaries_part(
    source: Path, out: Path, *, min_words: int
) -> dict[str, int]:
    """Vital Articles lead sections (JSON) as plain text, one per line."""
    from qwem.corpus.sources import extract_summaries
    from qwem.io import write_meta

    record = asdict(extract_summaries(source, out, min_words=min_words))
    write_meta(out, {"source": str(source), "min_summary_words": min_words}, **record)
    return record
