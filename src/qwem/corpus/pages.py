"""The pages of a MediaWiki XML export, streamed.

The dump (``*.xml.bz2``, possibly multistream, i.e. concatenated bz2 streams)
is read as a stream with ``xml.etree.ElementTree.iterparse`` so memory stays
bounded on multi-GB parts; each ``<page>`` becomes a :class:`Page` with the
text of its last revision.
"""

from __future__ import annotations

import bz2
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qwem.errors import QwemInputError

_REDIRECT = re.compile(r"\s*#redirect", re.IGNORECASE)


@dataclass(frozen=True)
class Page:
    """One ``<page>`` of a MediaWiki export: the text of its last revision."""

    title: str
    ns: int
    redirect: bool
    text: str


def iter_pages(path: str | Path) -> Iterator[Page]:
    """Stream the pages of a MediaWiki XML export (``.bz2`` or plain).

    Tags are matched by local name, so any export schema version works.
    Parsed elements are cleared as they go, so memory does not grow with the
    file.

    Raises:
        QwemInputError: the file is missing, its compressed stream is
            truncated or corrupt, or its XML is malformed.
    """
    p = Path(path)
    if not p.is_file():
        raise QwemInputError(f"{p}: dump file not found; run the download first")
    return _iter_pages(p)


def _iter_pages(p: Path) -> Iterator[Page]:
    fix = "delete it and rerun the download"
    try:
        # bz2.open reads multistream dumps (concatenated streams) too.
        with bz2.open(p) if p.suffix == ".bz2" else open(p, "rb") as fh:
            root: ET.Element | None = None
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                if root is None:
                    root = elem
                elif event == "end" and _local(elem.tag) == "page":
                    yield _page(elem, p)
                    root.clear()  # drop finished pages from the tree
    except ET.ParseError as exc:
        raise QwemInputError(
            f"{p}: malformed XML ({exc}); expected a MediaWiki pages-articles "
            f"export; the file is damaged or incomplete, {fix}"
        ) from exc
    except (EOFError, OSError) as exc:
        raise QwemInputError(
            f"{p}: unreadable dump, truncated or corrupt ({exc}); {fix}"
        ) from exc


def _local(tag: str) -> str:
    """``{http://www.mediawiki.org/xml/export-0.10/}page`` -> ``page``."""
    return tag.rpartition("}")[2]


def _page(elem: ET.Element, p: Path) -> Page:
    fields: dict[str, ET.Element] = {}
    for child in elem:  # the last <revision> wins (history dumps)
        fields[_local(child.tag)] = child
    title = (fields["title"].text or "") if "title" in fields else ""
    ns_text = fields["ns"].text if "ns" in fields else None
    try:
        ns = int(ns_text or "")
    except ValueError:
        raise QwemInputError(
            f"{p}: page {title!r} has no integer <ns> (got {ns_text!r}); expected "
            "a MediaWiki export-0.10 pages-articles dump; rerun the download"
        ) from None
    text = ""
    if "revision" in fields:
        for child in fields["revision"]:
            if _local(child.tag) == "text":
                text = child.text or ""
    redirect = "redirect" in fields or _REDIRECT.match(text) is not None
    return Page(title=title, ns=ns, redirect=redirect, text=text)
