"""A small MediaWiki XML dump written by the tests (not tracked as data).

Ten pages chosen for the extraction's known answers: an article full of
markup (infobox, references, comments, tables, files, external links,
categories, interlanguage links), two redirects (tag and ``#redirect`` text),
three disambiguation pages (template, title, ``hndis``), a talk page, a
template, a stub below the word threshold and an article with HTML-like tags,
a gallery and math. :func:`write_tiny_dump` escapes each text as a real dump
does (``&lt;ref&gt;``, ``&amp;nbsp;``) and wraps it in the export-0.10 schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

_HEADER = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.10/ \
http://www.mediawiki.org/xml/export-0.10.xsd" version="0.10" xml:lang="en">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <dbname>enwiki</dbname>
    <base>https://en.wikipedia.org/wiki/Main_Page</base>
    <generator>MediaWiki 1.27.0-wmf.22</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="-2" case="first-letter">Media</namespace>
      <namespace key="-1" case="first-letter">Special</namespace>
      <namespace key="0" case="first-letter" />
      <namespace key="1" case="first-letter">Talk</namespace>
      <namespace key="4" case="first-letter">Wikipedia</namespace>
      <namespace key="6" case="first-letter">File</namespace>
      <namespace key="10" case="first-letter">Template</namespace>
      <namespace key="14" case="first-letter">Category</namespace>
    </namespaces>
  </siteinfo>
"""


@dataclass(frozen=True)
class _Page:
    title: str
    ns: int
    timestamp: str
    text: str
    redirect: str | None = None
    ip: str | None = None  # an anonymous contributor instead of a user


PAGES = (
    _Page(
        title="Anarchy Island",
        ns=0,
        timestamp="2016-02-01T10:00:00Z",
        text=r"""{{Short description|Island in the North Sea}}
{{Infobox island
| name = Anarchy Island
| population = {{circa|120}}
| area_km2 = {{convert|3|km2|sqmi}}
}}
'''Anarchy Island''' is a small ''island'' in the [[North Sea]].<ref name="survey">{{cite web |url=http://example.org/survey |title=Survey of islands}}</ref> Its harbour is run by a [[Cooperative society|cooperative]] of [[fishing|fishers]].<!-- check the date --> The island was settled in [[1848]].<ref name="survey" />
[[File:Anarchy_Island_coast.jpg|thumb|The [[coast]] in winter]]

== Economy ==
Most inhabitants work in [[fishing]] and [[tourism]]. The ferry timetable is published by [http://example.org/ferry the harbour office] and mirrored at http://example.org/mirror every week.

{| class="wikitable"
|-
! Year !! Visitors
|-
| 2019 || {{formatnum:1200}}
|}

=== Climate ===
Winters are mild&nbsp;and wet.

== References ==
{{reflist}}

== External links ==
* [http://example.org Official site]

[[Category:Islands of the North Sea]]
[[de:Anarchieinsel]]""",
    ),
    _Page(
        title="Anarchy Isle",
        ns=0,
        redirect="Anarchy Island",
        timestamp="2016-02-01T10:05:00Z",
        text=r"""#REDIRECT [[Anarchy Island]] {{R from alternative name}}""",
    ),
    _Page(
        title="Anarchist isle",
        ns=0,
        timestamp="2016-02-01T10:06:00Z",
        ip="192.0.2.7",
        text=r"""#redirect [[Anarchy Island]]""",
    ),
    _Page(
        title="Mercury",
        ns=0,
        timestamp="2016-02-02T09:00:00Z",
        text=r"""'''Mercury''' may refer to:
* [[Mercury (planet)]], the planet closest to the Sun
* [[Mercury (element)]], a chemical element with symbol Hg
* [[Mercury (mythology)]], a Roman god of commerce

{{Disambiguation|astronomy}}""",
    ),
    _Page(
        title="Springfield (disambiguation)",
        ns=0,
        timestamp="2016-02-02T09:10:00Z",
        text=r"""'''Springfield''' is the name of many places in the United States, among them:
* [[Springfield, Illinois]], the state capital
* [[Springfield, Massachusetts]], a city on the Connecticut River""",
    ),
    _Page(
        title="John Smith",
        ns=0,
        timestamp="2016-02-02T09:20:00Z",
        text=r"""'''John Smith''' may refer to several people who share this very common English name:
* [[John Smith (explorer)]], an English soldier and explorer of Virginia
* [[John Smith (footballer)]], a Scottish footballer

{{hndis|Smith, John}}""",
    ),
    _Page(
        title="Talk:Anarchy Island",
        ns=1,
        timestamp="2016-02-03T12:00:00Z",
        text=r"""== Population figure ==
Where does the population figure of one hundred and twenty people in the infobox come from? ~~~~""",
    ),
    _Page(
        title="Template:Infobox island",
        ns=10,
        timestamp="2016-02-03T12:30:00Z",
        text=r"""{{Infobox
| title = {{{name|}}}
| label1 = Population | data1 = {{{population|}}}
| label2 = Area | data2 = {{{area_km2|}}}
}}<noinclude>This template summarises the facts about an island in a box at the top of the article.</noinclude>""",
    ),
    _Page(
        title="Puffin Rock",
        ns=0,
        timestamp="2016-02-04T08:00:00Z",
        text=r"""'''Puffin Rock''' is a rock near [[Anarchy Island]].{{Island-stub}}
[[Category:Rocks]]""",
    ),
    _Page(
        title="North Sea",
        ns=0,
        timestamp="2016-02-05T08:00:00Z",
        text=r"""{{About|the sea|the band|North Sea (band)}}
The '''North Sea''' lies between [[Great_Britain|Great Britain]] and [[Scandinavia]].<ref>''Atlas of Europe'', p. 3</ref> Its area is about 570,000&nbsp;km<sup>2</sup>.<br />Its main banks are:
* [[Dogger Bank]]
* Fisher Bank
<gallery>
File:North Sea waves.jpg|Waves at [[Scheveningen]]
</gallery>
Its surface is <math>A = 5.7 \times 10^5</math> square kilometres.
__NOTOC__
== See also ==
* [[Baltic Sea]]""",
    ),
)


def _page_xml(k: int, page: _Page) -> str:
    contributor = (
        f"<ip>{page.ip}</ip>"
        if page.ip
        else "<username>Example</username>\n        <id>42</id>"
    )
    redirect = (
        f"\n    <redirect title={quoteattr(page.redirect)} />" if page.redirect else ""
    )
    return f"""  <page>
    <title>{escape(page.title)}</title>
    <ns>{page.ns}</ns>
    <id>{101 + k}</id>{redirect}
    <revision>
      <id>{9001 + k}</id>
      <timestamp>{page.timestamp}</timestamp>
      <contributor>
        {contributor}
      </contributor>
      <model>wikitext</model>
      <format>text/x-wiki</format>
      <text xml:space="preserve">{escape(page.text)}</text>
      <sha1>{k + 1:031d}</sha1>
    </revision>
  </page>
"""


def write_tiny_dump(path: Path) -> Path:
    """Write the dump (uncompressed XML) to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(_page_xml(k, page) for k, page in enumerate(PAGES))
    path.write_text(_HEADER + body + "</mediawiki>\n", encoding="utf-8")
    return path
