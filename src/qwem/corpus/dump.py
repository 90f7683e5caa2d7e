"""Wikipedia pages-articles dump to plain text, one article per line.

The dump (``*.xml.bz2``, possibly multistream, i.e. concatenated bz2 streams)
is read as a stream with ``xml.etree.ElementTree.iterparse`` so memory stays
bounded on multi-GB parts. Each main-namespace article that is not a redirect
or a disambiguation page is parsed with mwparserfromhell and rendered to the
words a reader sees:

- dropped: templates (infoboxes, citations, nested ones), tables (``{| |}``
  and ``<table>``), ``<ref>`` (paired and self-closing), ``<gallery>``,
  ``<math>``, ``<timeline>``, ``<score>`` and similar non-prose tags,
  comments, file/image links with their captions, category links,
  interlanguage links (``[[de:...]]``; a language-code prefix without a
  leading colon, which MediaWiki moves to the sidebar), bare URLs and
  unlabelled ``[http://x]`` links, template arguments, behaviour switches
  (``__NOTOC__``) and stray ``''`` runs;
- kept: display text of wikilinks (``[[a|b]]`` -> ``b``, ``[[a_b]]`` ->
  ``a b``, the pipe trick ``[[a (b)|]]`` -> ``a``), of other inline interwiki
  links (``[[wikt:x|y]]`` -> ``y``) and of labelled external links, bold and
  italic text, heading text, the contents of formatting tags, HTML entities
  (decoded);
- cut: the first level-2 heading titled like a trailing appendix
  (:data:`TRAILING_SECTIONS`: References, External links, See also, ...) and
  everything after it, which is link lists and bibliography rather than prose.

Whitespace is collapsed to single spaces, so an article is exactly one line.
"""

from __future__ import annotations

import bz2
import contextlib
import dataclasses
import logging
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import mwparserfromhell
from mwparserfromhell import nodes
from mwparserfromhell.wikicode import Wikicode

from qwem.errors import QwemConfigError, QwemInputError
from qwem.io import atomic_text
from qwem.runtime import progress

logger = logging.getLogger(__name__)

#: Templates (lowercase, spaces) whose presence marks a disambiguation page.
DISAMBIGUATION_TEMPLATES = frozenset({
    "disambiguation", "disambig", "dab", "disamb", "hndis", "geodis",
    "numberdis", "schooldis", "human name disambiguation", "mathdab",
    "hospitaldis", "roaddis", "disambiguation cleanup", "dab cleanup",
})  # fmt: skip
#: Level-2 headings (lowercase) from which the rest of an article is dropped.
TRAILING_SECTIONS = frozenset({
    "references", "external links", "see also", "further reading", "notes",
    "notes and references", "footnotes", "bibliography", "sources", "citations",
})  # fmt: skip
#: Tags whose contents are not prose; ``table`` covers ``{| ... |}`` too.
DROPPED_TAGS = frozenset({
    "ref", "references", "gallery", "math", "chem", "ce", "timeline",
    "score", "imagemap", "graph", "mapframe", "maplink", "hiero", "pre",
    "syntaxhighlight", "source", "templatedata", "templatestyles",
    "inputbox", "categorytree", "includeonly", "table",
})  # fmt: skip
_FILE_PREFIXES = frozenset({"file", "image"})
# Inline formatting keeps its neighbours glued ("x<sup>2</sup>" -> "x2");
# any other tag (<div>, <p>, <li>, ...) is a word boundary.
_INLINE_TAGS = frozenset({
    "b", "i", "u", "s", "del", "ins", "sup", "sub", "small", "big", "span",
    "abbr", "code", "tt", "var", "em", "strong", "font", "nowiki", "mark",
    "q", "bdi", "kbd", "samp", "cite", "dfn", "time", "data",
})  # fmt: skip
# Interlanguage prefixes: "de", "fr", "simple", "zh-min-nan", "be-x-old", ...
_LANGUAGE_CODE = re.compile(r"(?:[a-z]{2,3}(?:-[a-z0-9]+)*|simple)")
_BEHAVIOUR_SWITCH = re.compile(r"__[A-Z]+__")
_STRAY_QUOTES = re.compile(r"''+")
_PARENTHESISED_SUFFIX = re.compile(r"\s*\([^()]*\)$")
_REDIRECT = re.compile(r"\s*#redirect", re.IGNORECASE)
_CHUNKSIZE = 16  # pages per Pool task: amortises IPC, keeps workers balanced


@dataclass(frozen=True)
class Page:
    """One ``<page>`` of a MediaWiki export: the text of its last revision."""

    title: str
    ns: int
    redirect: bool
    text: str


@dataclass(frozen=True)
class ExtractStats:
    """Page counts of one extraction; every page read lands in one bucket.

    ``pages == kept + redirects + disambiguations + other_namespace +
    too_short``. Redirects and disambiguations count main-namespace pages
    only; ``words`` is the number of whitespace words written; ``seconds``
    is wall time.
    """

    pages: int
    kept: int
    redirects: int
    disambiguations: int
    other_namespace: int
    too_short: int
    words: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """The counts as a plain dict (for JSON sidecars)."""
        return dataclasses.asdict(self)


@dataclass
class _Tally:
    pages: int = 0
    kept: int = 0
    redirects: int = 0
    disambiguations: int = 0
    other_namespace: int = 0
    too_short: int = 0
    words: int = 0
    seconds: float = 0.0


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


def _parse(wikitext: str) -> Wikicode:
    # Quote runs stay text (stripped later as stray quotes): parsed as style
    # tags, one unbalanced '' inside a <ref> makes the parser give up on the
    # whole ref and leave its markup in the output.
    return mwparserfromhell.parse(wikitext, skip_style_tags=True)


def is_disambiguation(page: Page) -> bool:
    """Whether a page is a disambiguation page.

    True when the title ends in ``(disambiguation)`` or the wikitext uses
    one of :data:`DISAMBIGUATION_TEMPLATES` at top level (any parameters,
    first letter in either case, underscores or spaces).
    """
    return _is_disambiguation(page.title, _parse(page.text))


def _is_disambiguation(title: str, code: Wikicode) -> bool:
    if title.rstrip().endswith("(disambiguation)"):
        return True
    for template in code.filter_templates(recursive=False):
        name = " ".join(template.name.strip_code().replace("_", " ").split())
        name = name.lower().removeprefix("template:").strip()
        if name in DISAMBIGUATION_TEMPLATES:
            return True
    return False


def wikitext_to_plain(wikitext: str) -> str:
    """Render wikitext to the prose a reader sees, as one line.

    See the module docstring for what is dropped, kept and cut.

    Args:
        wikitext: the raw ``<text>`` of a revision.
    Returns:
        The text with whitespace collapsed to single spaces, no newlines;
        empty when nothing readable is left.
    """
    return _plain(_parse(wikitext))


def _plain(code: Wikicode) -> str:
    out: list[str] = []
    for node in code.nodes:
        if isinstance(node, nodes.Heading) and node.level <= 2:
            title = " ".join(_render(node.title).split()).lower()
            if title in TRAILING_SECTIONS:
                break
        _node(node, out)
    return " ".join("".join(out).split())


def _render(code: Wikicode) -> str:
    out: list[str] = []
    for node in code.nodes:
        _node(node, out)
    return "".join(out)


def _node(node: nodes.Node, out: list[str]) -> None:
    """Append the readable text of one node.

    Templates, arguments and comments add nothing: they are often glued to a
    word ("word{{citation needed}}."), so not even a space.
    """
    if isinstance(node, nodes.Text):
        value = _BEHAVIOUR_SWITCH.sub("", node.value)
        out.append(_STRAY_QUOTES.sub("", value))
    elif isinstance(node, nodes.Wikilink):
        out.append(_wikilink(node))
    elif isinstance(node, nodes.ExternalLink):
        if node.brackets and node.title is not None:
            out.append(_render(node.title))
    elif isinstance(node, nodes.Tag):
        out.append(_tag(node))
    elif isinstance(node, nodes.Heading):
        out.append(f" {_render(node.title)} ")
    elif isinstance(node, nodes.HTMLEntity):
        out.append(node.normalize())


def _wikilink(link: nodes.Wikilink) -> str:
    title = _render(link.title).strip()
    prefix, colon, _ = title.partition(":")
    if colon and not prefix.startswith(":"):
        namespace = " ".join(prefix.replace("_", " ").split()).lower()
        if namespace in _FILE_PREFIXES:
            return " "  # the caption goes too: it describes a picture
        if namespace == "category" or _LANGUAGE_CODE.fullmatch(prefix.strip()):
            return ""
    if link.text is None:
        return title.lstrip(":").replace("_", " ")
    text = _render(link.text)
    if text.strip():
        return text
    # Pipe trick: [[Help:Foo (bar)|]] shows "Foo".
    shown = title.lstrip(":").replace("_", " ")
    shown = shown.partition(":")[2] or shown
    return _PARENTHESISED_SUFFIX.sub("", shown)


def _tag(tag: nodes.Tag) -> str:
    name = str(tag.tag).strip().lower()
    if name in DROPPED_TAGS:
        return "" if name == "ref" else " "  # refs sit after a word or stop
    if tag.self_closing or tag.contents is None:
        return " "  # <br/>, list bullets, <hr>: a word boundary
    inner = _render(tag.contents)
    return inner if name in _INLINE_TAGS else f" {inner} "


def _clean(item: tuple[str, str]) -> tuple[bool, str]:
    """Worker step: ``(title, wikitext)`` -> ``(is disambiguation, plain text)``.

    Parses once for both answers; the plain text is empty for a
    disambiguation page, which is dropped anyway.
    """
    title, text = item
    code = _parse(text)
    if _is_disambiguation(title, code):
        return True, ""
    return False, _plain(code)


def _candidates(pages: Iterable[Page], tally: _Tally) -> Iterator[tuple[str, str]]:
    """Count every page; yield main-namespace non-redirects for parsing."""
    for page in pages:
        tally.pages += 1
        if page.ns != 0:
            tally.other_namespace += 1
        elif page.redirect:
            tally.redirects += 1
        else:
            yield page.title, page.text


def extract_articles(
    path: str | Path, *, min_article_words: int, threads: int
) -> tuple[Iterator[str], Callable[[], ExtractStats]]:
    """Stream the kept articles of a dump as plain-text lines.

    Args:
        path: pages-articles dump (``.xml.bz2`` or plain ``.xml``).
        min_article_words: articles with fewer whitespace words after
            cleaning are dropped (``corpus.min_article_words``, >= 0); an
            article left empty is dropped even at 0.
        threads: worker processes for the wikitext step; 1 parses in this
            process. Output order (dump order) does not depend on it.
    Returns:
        ``(lines, stats)``: an iterator of articles, one line each without a
        newline, and a function giving the counts so far (final once
        ``lines`` is exhausted).

    Raises:
        QwemConfigError: ``min_article_words < 0`` or ``threads < 1``.
        QwemInputError: at once when the dump is missing; while iterating
            when it is truncated, corrupt or holds no ``<page>``.
    """
    if min_article_words < 0:
        raise QwemConfigError(
            f"corpus.min_article_words must be >= 0, got {min_article_words}"
        )
    if threads < 1:
        raise QwemConfigError(f"threads must be >= 1, got {threads}")
    pages = iter_pages(path)  # raises now when the file is missing
    tally = _Tally()

    def lines() -> Iterator[str]:
        start = time.perf_counter()
        # The pool forks before the progress bar starts its monitor thread.
        with Pool(threads) if threads > 1 else contextlib.nullcontext() as pool:
            candidates = _candidates(progress(pages, desc="pages", unit="page"), tally)
            cleaned = (
                map(_clean, candidates)
                if pool is None
                else pool.imap(_clean, candidates, chunksize=_CHUNKSIZE)
            )
            yield from _keep(cleaned, tally, min_article_words)
        tally.seconds = time.perf_counter() - start
        if tally.pages == 0:
            raise QwemInputError(
                f"{path}: no <page> elements; expected a MediaWiki pages-articles "
                "export, delete it and rerun the download"
            )

    return lines(), lambda: ExtractStats(**dataclasses.asdict(tally))


def _keep(
    cleaned: Iterable[tuple[bool, str]], tally: _Tally, min_article_words: int
) -> Iterator[str]:
    for disambiguation, plain in cleaned:
        if disambiguation:
            tally.disambiguations += 1
            continue
        words = len(plain.split())
        if words < min_article_words or words == 0:
            tally.too_short += 1
            continue
        tally.kept += 1
        tally.words += words
        yield plain


def extract_dump(
    path: str | Path, out: str | Path, *, min_article_words: int, threads: int
) -> ExtractStats:
    """Write the kept articles of a dump to ``out``, one per line.

    Drops pages outside the main namespace, redirects, disambiguation pages
    and articles shorter than ``min_article_words`` words after cleaning
    (see :func:`wikitext_to_plain`). ``out`` (gzip when it ends in ``.gz``)
    appears only when the whole dump was read; on error nothing is left
    there. The text is the same for any ``threads``.

    Returns:
        The page counts, also logged at INFO.
    """
    lines, stats = extract_articles(
        path, min_article_words=min_article_words, threads=threads
    )
    logger.info("extracting %s -> %s with %d process(es)", path, out, threads)
    with atomic_text(out) as fh:
        for line in lines:
            fh.write(line)
            fh.write("\n")
    result = stats()
    logger.info(
        "kept %d of %d pages (%d words, %.1f s); dropped %d redirects, "
        "%d disambiguation pages, %d outside the main namespace, "
        "%d shorter than %d words",
        result.kept, result.pages, result.words, result.seconds, result.redirects,
        result.disambiguations, result.other_namespace, result.too_short,
        min_article_words,
    )  # fmt: skip
    return result
