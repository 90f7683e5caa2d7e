"""Wikipedia pages-articles dump to plain text, one article per line.

Each main-namespace article of the dump (:mod:`qwem.corpus.pages`) that is not
a redirect or a disambiguation page is rendered to the words a reader sees
(:mod:`qwem.corpus.wikitext`), in worker processes when asked, and written in
dump order; articles left shorter than ``min_article_words`` are dropped.
Whitespace is collapsed to single spaces, so an article is exactly one line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from qwem.corpus import wikitext
from qwem.corpus.pages import Page, iter_pages
from qwem.errors import QwemConfigError, QwemInputError
from qwem.io import atomic_text
from qwem.runtime import progress

logger = logging.getLogger(__name__)

_CHUNKSIZE = 16  # pages per Pool task: amortises IPC, keeps workers balanced


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


def _clean(item: tuple[str, str]) -> tuple[bool, str]:
    """Worker step: ``(title, wikitext)`` -> ``(is disambiguation, plain text)``.

    Parses once for both answers; the plain text is empty for a
    disambiguation page, which is dropped anyway.
    """
    title, text = item
    code = wikitext.parse(text)
    if wikitext.is_disambiguation_code(title, code):
        return True, ""
    return False, wikitext.plain(code)


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
    (see :func:`~qwem.corpus.wikitext.wikitext_to_plain`). ``out`` (gzip
    when it ends in ``.gz``) appears only when the whole dump was read; on
    error nothing is left there. The text is the same for any ``threads``.

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
