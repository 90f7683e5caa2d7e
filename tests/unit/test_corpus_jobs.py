"""qwem.corpus.jobs: the dump index, fetched or given as a local file."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwem.cli import main
from qwem.corpus.jobs import Retry, fetch_dump_index, read_dump_index
from qwem.errors import QwemInputError

DATE = "20240101"
INDEX = (
    f"aa11  enwiki-{DATE}-pages-articles-multistream2.xml-p41243p151573.bz2\n"
    f"bb22  enwiki-{DATE}-pages-articles-multistream1.xml-p1p41242.bz2\n"
    f"cc33  enwiki-{DATE}-pages-articles-multistream-index1.txt-p1p41242.bz2\n"
)
RETRY = Retry(retries=0, timeout_s=1.0, backoff_s=0.0)


def test_local_source_is_checked_and_copied(tmp_path: Path) -> None:
    source = tmp_path / "sha1sums.txt"
    source.write_text(INDEX)
    out = tmp_path / "out" / "index.txt"
    parts = fetch_dump_index(
        out, base_url="https://x.invalid", date=DATE, source=source, retry=RETRY
    )
    assert [p.part for p in parts] == ["enwiki-01-p1p41242", "enwiki-02-p41243p151573"]
    assert [p.sha1 for p in parts] == ["bb22", "aa11"]
    assert out.read_text() == INDEX
    assert read_dump_index(out, date=DATE) == parts


def test_a_file_that_does_not_parse_leaves_no_output(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("hello\n")
    out = tmp_path / "index.txt"
    with pytest.raises(QwemInputError, match=r"notes.txt: the dump index lists no"):
        fetch_dump_index(out, base_url="u", date=DATE, source=source, retry=RETRY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_downloaded_index_of_another_date_is_refused(tmp_path: Path) -> None:
    # a base URL that is a local directory: the download copies the file
    served = tmp_path / "mirror" / "enwiki" / DATE
    served.mkdir(parents=True)
    (served / f"enwiki-{DATE}-sha1sums.txt").write_text(INDEX.replace(DATE, "20230101"))
    out = tmp_path / "index.txt"
    with pytest.raises(QwemInputError, match=r"sha1sums.txt: dump index lists"):
        fetch_dump_index(
            out, base_url=str(tmp_path / "mirror"), date=DATE, source=None, retry=RETRY
        )
    assert not out.exists() and not Path(f"{out}.download").exists()


def test_cli_index_with_source(tmp_path: Path) -> None:
    source = tmp_path / "sha1sums.txt"
    source.write_text(INDEX)
    out = tmp_path / "index.txt"
    argv = ["corpus", "index", str(out), "--base-url", "u", "--date", DATE]
    argv += ["--source", str(source), "--retries", "0", "--timeout", "1"]
    assert main([*argv, "--backoff", "0"]) == 0
    assert out.read_text() == INDEX
