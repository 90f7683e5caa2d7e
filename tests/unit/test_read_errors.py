"""Damaged inputs give one line naming the file and the fix; exit status 2.

Issue 17: a truncated gzip, bz2, zip, .npy, .npz or word2vec file must not
end a ``qwem`` command with a traceback, and must not leave a partial output
or a temporary file behind (also when the job is cancelled with SIGTERM).
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import wikidump
from conftest import ROOT
from qwem.cli import main
from qwem.cooccur import files as cooccur_files
from qwem.corpus.sources import split_text8
from qwem.errors import QwemInputError
from qwem.io import (
    atomic_text,
    load_npy,
    open_text,
    read_csv,
    read_word2vec,
    save_npy,
    save_npz,
    stale_temps,
)
from qwem.spectral.files import load_eigen_meta
from qwem.vocab import count_words, read_counts

FIX = "delete it and rerun snakemake"


def _truncate(path: Path, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def _text_part(tmp_path: Path, lines: int = 5000) -> Path:
    path = tmp_path / "results" / "tiny" / "text" / "part-0.txt.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(b"the cat sat on the mat\n" * lines, mtime=0))
    return path


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run ``qwem argv`` in this process: (exit status, stderr)."""
    status = main(list(argv))
    return status, capsys.readouterr().err


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("qwem: error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_truncated_gzip_text_names_the_file_and_the_rule(tmp_path: Path) -> None:
    part = _truncate(_text_part(tmp_path))
    with pytest.raises(QwemInputError) as caught:
        count_words(part, digits="spell")
    message = str(caught.value)
    assert message.startswith(f"{part}: truncated or corrupt gzip (")
    assert "rule corpus_* (workflow/rules/corpus.smk)" in message
    assert message.endswith(FIX)


def test_non_utf8_text_is_named(tmp_path: Path) -> None:
    path = tmp_path / "part.txt"
    path.write_bytes(b"fine line\n\xff\xfe broken\n")
    with pytest.raises(QwemInputError, match=r"part.txt: not UTF-8 text \(invalid"):
        list(open_text(path))


def test_open_text_reads_valid_files_as_before(tmp_path: Path) -> None:
    text = "one\r\ntwo\nthree é\n"
    for name in ("a.txt", "a.txt.gz"):
        path = tmp_path / name
        with atomic_text(path) as fh:
            fh.write(text)
        with open_text(path) as fh:
            assert fh.readline() == "one\n"
            assert list(fh) == ["two\n", "three é\n"]


def test_cli_vocab_count_on_truncated_gzip_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    part = _truncate(_text_part(tmp_path))
    out = tmp_path / "results" / "tiny" / "corpus" / "counts" / "part-0.tsv.gz"
    status, err = _cli(
        capsys, "vocab", "count", str(part), str(out), "--digits", "spell"
    )
    assert status == 2
    line = _one_error_line(err)
    assert str(part) in line and FIX in line
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_cli_verbose_adds_the_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    part = _truncate(_text_part(tmp_path))
    out = tmp_path / "counts.tsv.gz"
    status, err = _cli(
        capsys, "-v", "vocab", "count", str(part), str(out), "--digits", "spell"
    )
    assert status == 2
    assert "Traceback" in err and "EOFError" in err
    assert err.rstrip().splitlines()[-1].startswith("qwem: error: ")


def test_cli_extract_dump_on_truncated_bz2_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = wikidump.write_tiny_dump(tmp_path / "dump.xml").read_bytes()
    dump = tmp_path / "dump.xml.bz2"
    dump.write_bytes(bz2.compress(xml))
    _truncate(dump, 0.6)
    out = tmp_path / "text" / "part-0.txt.gz"
    argv = ["corpus", "extract-dump", str(dump), str(out)]
    status, err = _cli(capsys, *argv, "--min-words", "0", "--threads", "1")
    assert status == 2
    line = _one_error_line(err)
    assert str(dump) in line and "truncated or corrupt" in line
    assert list(out.parent.iterdir()) == []  # no output, no temporary file


def test_bad_text8_zip_is_named(tmp_path: Path) -> None:
    archive = tmp_path / "text8.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("text8", " anarchism originated as a term " * 1000)
    _truncate(archive)
    outs = [tmp_path / "part-0.txt.gz"]
    with pytest.raises(QwemInputError, match=r"text8.zip: truncated or corrupt zip"):
        split_text8(archive, outs, doc_words=10, expected_words=None)
    assert not outs[0].exists()


def test_truncated_npy_is_named(tmp_path: Path) -> None:
    path = tmp_path / "results" / "tiny" / "corpus" / "tokens" / "part-0.npy"
    save_npy(path, np.arange(1000, dtype=np.int32))
    _truncate(path)
    for mmap in (False, True):
        with pytest.raises(QwemInputError) as caught:
            load_npy(path, mmap=mmap)
        assert str(caught.value).startswith(f"{path}: unreadable .npy array")
        assert "rule vocab_*" in str(caught.value)


@pytest.mark.parametrize("keep", [0.5, 0.02])
def test_truncated_npz_is_named(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "eigen.npz"
    save_npz(path, {"k": 1}, values=np.ones(50), vectors=np.ones((50, 3)))
    _truncate(path, keep)
    with pytest.raises(QwemInputError, match=r"eigen.npz: not a valid eigenpairs"):
        load_eigen_meta(path)
    with pytest.raises(QwemInputError, match=r"eigen.npz: unreadable co-occurrence"):
        cooccur_files.load(path)


def test_truncated_word2vec_is_named(tmp_path: Path) -> None:
    path = tmp_path / "results" / "tiny" / "train" / "run.w2v.txt"
    path.parent.mkdir(parents=True)
    path.write_text("3 2\na 0.5 1.25\nb 1e-3 2\nc 4 5\n")
    path.write_text(path.read_text()[:-5])  # "c 4 5\n" -> "c"
    with pytest.raises(QwemInputError, match=r"run.w2v.txt: line 4 has 0 values.*"):
        read_word2vec(path)
    path.write_text("3 2\na 0.5 1.25\nb 1e-3 2\nc 4 5e\n")  # cut inside a number
    with pytest.raises(QwemInputError) as caught:
        read_word2vec(path)
    assert "run.w2v.txt: unreadable word2vec line 4" in str(caught.value)
    assert "rule train_* or baseline_*" in str(caught.value)


def test_corrupt_gzip_word_counts_are_named(tmp_path: Path) -> None:
    path = tmp_path / "part-0.tsv.gz"
    body = "word\tcount\n" + "".join(f"w{i}\t{i}\n" for i in range(5000))
    data = bytearray(gzip.compress(body.encode(), mtime=0))
    data[len(data) // 2 : len(data) // 2 + 8] = b"\x00" * 8  # damage the deflate
    path.write_bytes(bytes(data))
    with pytest.raises(QwemInputError, match=r"part-0.tsv.gz: truncated or corrupt"):
        read_counts(path)


def test_csv_inputs_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "results" / "tiny" / "eval" / "table1.csv"
    path.parent.mkdir(parents=True)
    path.write_text("model,analogy_a\nqwem,0.5\n")
    with pytest.raises(QwemInputError, match=r"table1.csv: missing column\(s\) x"):
        read_csv(path, columns=("model", "x"))
    path.write_text('model,analogy_a\n"qwem,0.5\n')  # an unclosed quote
    with pytest.raises(QwemInputError, match=r"table1.csv: unreadable table.*evaluate"):
        read_csv(path)
    path.write_bytes(b"")
    with pytest.raises(QwemInputError, match=r"table1.csv: unreadable table"):
        read_csv(path)


def test_stale_temp_of_the_target_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "part-0.npy"
    stale = tmp_path / ".part-0.npy.abc_0123.tmp.npy"  # a SIGKILLed writer's
    other = tmp_path / ".part-1.npy.abc_0123.tmp.npy"  # another target's
    stale.write_bytes(b"half")
    other.write_bytes(b"half")
    assert stale_temps(target) == [stale]
    save_npy(target, np.arange(3))
    assert not stale.exists()
    assert other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, target.name]


def test_sigterm_during_extraction_leaves_no_temporary_file(tmp_path: Path) -> None:
    """A cancelled job (Snakemake/SLURM send SIGTERM) cleans up and exits != 0."""
    small = wikidump.write_tiny_dump(tmp_path / "small.xml").read_text()
    head, _, rest = small.partition("  <page>")
    pages = "  <page>" + rest.rpartition("</mediawiki>")[0]
    dump = tmp_path / "dump.xml"
    with open(dump, "w", encoding="utf-8") as fh:
        fh.write(head)
        for _ in range(3000):
            fh.write(pages)
        fh.write("</mediawiki>\n")
    out = tmp_path / "text" / "part-0.txt.gz"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    argv = ["corpus", "extract-dump", str(dump), str(out), "--min-words", "0"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "qwem", *argv, "--threads", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not stale_temps(out) and proc.poll() is None:
            assert time.monotonic() < deadline, "no temporary file appeared"
            time.sleep(0.02)
        assert proc.poll() is None, "extraction finished before the signal"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert "terminated by SIGTERM" in err and "Traceback" not in err
    assert list(out.parent.iterdir()) == []


def test_unexpected_exceptions_keep_their_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import qwem.vocab

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(qwem.vocab, "count_part", broken)
    with pytest.raises(ZeroDivisionError):
        main(["vocab", "count", "a.txt", "b.tsv", "--digits", "spell"])


def test_read_errors_stream_is_a_text_stream(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("x\n")
    with open_text(path) as fh:
        assert isinstance(fh, io.TextIOBase)
