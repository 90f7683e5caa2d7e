"""A whole English Wikipedia dump index (``enwiki-<date>-sha1sums.txt``), written
by the tests in the real file's format rather than tracked as data.

One ``<40 hex>  <file>`` line per file of a dump: the SQL tables, titles,
abstracts, stubs and logging in 27 numbered files each, the article and
current-page dumps, the multistream dump with its index, all of these in the
69 page ranges of the 20251220 dump (files 1-27, pages 1-81,895,635; taken
from public listings of that dump, not from its index file), and the full
history split in two halves of each range (the real dump has several hundred
history parts: this split is made up), as ``.bz2`` and ``.7z``. The checksums
are the sha1 of each file's name: no real file matches them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: (file number, last page) of each multistream part, in order; every part
#: starts one page after the previous part's last
PARTS = (
    (1, 41242), (2, 151573), (3, 311329), (4, 558391), (5, 958045),
    (6, 1483661), (7, 2134111), (8, 2936260), (9, 4045402), (10, 5399366),
    (11, 6899366), (11, 7054859), (12, 8554859), (12, 9172788),
    (13, 10672788), (13, 11659682), (14, 13159682), (14, 14324602),
    (15, 15824602), (15, 17324602), (15, 17460152),
    (16, 18960152), (16, 20460152), (16, 20570392),
    (17, 22070392), (17, 23570392), (17, 23716197),
    (18, 25216197), (18, 26716197), (18, 27121850),
    (19, 28621850), (19, 30121850), (19, 31308442),
    (20, 32808442), (20, 34308442), (20, 35522432),
    (21, 37022432), (21, 38522432), (21, 39996245),
    (22, 41496245), (22, 42996245), (22, 44496245), (22, 44788941),
    (23, 46288941), (23, 47788941), (23, 49288941), (23, 50564553),
    (24, 52064553), (24, 53564553), (24, 55064553), (24, 56564553), (24, 57025655),
    (25, 58525655), (25, 60025655), (25, 61525655), (25, 62585850),
    (26, 63975909),
    (27, 65475909), (27, 66975909), (27, 68475909), (27, 69975909),
    (27, 71475909), (27, 72975909), (27, 74475909), (27, 75975909),
    (27, 77475909), (27, 78975909), (27, 80475909), (27, 81895635),
)  # fmt: skip

TABLES = (
    "site_stats", "image", "pagelinks", "categorylinks", "imagelinks",
    "templatelinks", "externallinks", "langlinks", "user_groups",
    "user_former_groups", "category", "page", "page_restrictions", "page_props",
    "protected_titles", "redirect", "iwlinks", "geo_tags", "change_tag",
    "change_tag_def", "wbc_entity_usage", "sites", "linktarget",
)  # fmt: skip


def ranges() -> list[tuple[int, int, int]]:
    """(file number, first page, last page) of each part."""
    out, first = [], 1
    for n, last in PARTS:
        out.append((n, first, last))
        first = last + 1
    return out


def files(date: str) -> list[str]:
    """Every file name of the dump's index, in the index's order."""
    pre = f"enwiki-{date}-"
    names = [f"{pre}{t}.sql.gz" for t in TABLES]
    names += [f"{pre}all-titles-in-ns0.gz", f"{pre}all-titles.gz"]
    names.append(f"{pre}siteinfo-namespaces.json.gz")
    for kind in ("abstract", "stub-meta-history", "stub-meta-current"):
        names += [f"{pre}{kind}{n}.xml.gz" for n in range(1, 28)]
        names.append(f"{pre}{kind}.xml.gz")
    for kind in ("stub-articles", "pages-logging"):
        names += [f"{pre}{kind}{n}.xml.gz" for n in range(1, 28)]
        names.append(f"{pre}{kind}.xml.gz")
    for kind in ("pages-articles", "pages-meta-current"):
        names += [f"{pre}{kind}{n}.xml-p{a}p{b}.bz2" for n, a, b in ranges()]
        names.append(f"{pre}{kind}.xml.bz2")
    names += [
        f"{pre}pages-articles-multistream.xml.bz2",
        f"{pre}pages-articles-multistream-index.txt.bz2",
    ]
    for n, a, b in ranges():
        names.append(f"{pre}pages-articles-multistream{n}.xml-p{a}p{b}.bz2")
        names.append(f"{pre}pages-articles-multistream-index{n}.txt-p{a}p{b}.bz2")
    halves = []
    for n, a, b in ranges():
        mid = (a + b) // 2
        halves += [(n, a, mid), (n, mid + 1, b)]
    for ext in ("bz2", "7z"):
        history = f"{pre}pages-meta-history"
        names += [f"{history}{n}.xml-p{a}p{b}.{ext}" for n, a, b in halves]
    return names


def write_index(path: Path, date: str = "20261101") -> Path:
    """Write the index (``<sha1 of the name>  <name>`` lines) to ``path``."""
    lines = [f"{hashlib.sha1(f.encode()).hexdigest()}  {f}\n" for f in files(date)]
    path.write_text("".join(lines))
    return path
