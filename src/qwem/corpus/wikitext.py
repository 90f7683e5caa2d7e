"""Wikitext rendered to the words a reader sees, and disambiguation pages.

An article's wikitext is parsed with mwparserfromhell and rendered as follows:

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

import re

import mwparserfromhell
from mwparserfromhell import nodes
from mwparserfromhell.wikicode import Wikicode

from qwem.corpus.pages import Page

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


def parse(wikitext: str) -> Wikicode:
    """mwparserfromhell's tree of ``wikitext``, with quote runs left as text."""
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
    return is_disambiguation_code(page.title, parse(page.text))


def is_disambiguation_code(title: str, code: Wikicode) -> bool:
    """:func:`is_disambiguation` of a page's title and its parsed wikitext."""
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
    return plain(parse(wikitext))


def plain(code: Wikicode) -> str:
    """:func:`wikitext_to_plain` of parsed wikitext."""
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
