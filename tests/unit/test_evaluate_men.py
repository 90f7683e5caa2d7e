"""``qwem evaluate fetch-men`` against an HTTP server on 127.0.0.1."""

from __future__ import annotations

import functools
import hashlib
import io
import socket
import tarfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from qwem.cli import main
from qwem.evaluate import load_men

SHARED_MEN = Path(__file__).parents[3] / "shared/data/MEN_dataset_natural_form_full.txt"
# a MEN-format file written here, so the tests run without the shared copy
PAIRS = "\n".join(f"w{k} v{k} {k % 50}" for k in range(300)) + "\n"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No request log in the test output."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, served directory) of a server on 127.0.0.1."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


def _fetch(out: Path, url: str, *extra: str) -> int:
    return main(["evaluate", "fetch-men", "--url", url, "--out", str(out), *extra])


def test_plain_file_with_checksum(served: tuple[str, Path], tmp_path: Path) -> None:
    base, root = served
    (root / "MEN.txt").write_text(PAIRS)
    digest = hashlib.sha256(PAIRS.encode()).hexdigest()
    out = tmp_path / "eval" / "MEN.txt"
    assert _fetch(out, f"{base}/MEN.txt", "--sha256", digest) == 0
    pairs = load_men(out)
    assert pairs is not None and len(pairs) == 300
    assert not out.with_name("MEN.txt.download").exists()


def test_member_of_a_tar_gz(served: tuple[str, Path], tmp_path: Path) -> None:
    base, root = served
    data = (
        SHARED_MEN.read_bytes() if SHARED_MEN.is_file() else PAIRS.encode()
    )  # the real file when the shared reference data is present
    with tarfile.open(root / "MEN.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("MEN/MEN_dataset_natural_form_full")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    out = tmp_path / "MEN.txt"
    member = ["--member", "MEN/MEN_dataset_natural_form_full"]
    assert _fetch(out, f"{base}/MEN.tar.gz", *member) == 0
    pairs = load_men(out)
    assert pairs is not None
    assert len(pairs) == (3000 if SHARED_MEN.is_file() else 300)


def test_unreachable_source_leaves_an_empty_marker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "MEN.txt"
    args = ["--retries", "0", "--timeout", "2"]
    assert _fetch(out, f"http://127.0.0.1:{port}/MEN.txt", *args) == 0
    assert out.read_bytes() == b""
    assert [p.name for p in tmp_path.iterdir()] == ["MEN.txt"]  # no .part left
    assert "MEN is not available" in capsys.readouterr().err
    assert load_men(out) is None  # the table shows MEN as missing


def test_wrong_checksum_is_an_error_and_leaves_nothing(
    served: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, root = served
    (root / "MEN.txt").write_text(PAIRS)
    out = tmp_path / "MEN.txt"
    assert _fetch(out, f"{base}/MEN.txt", "--sha256", "0" * 64) == 2
    assert "sha256 mismatch" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == [root.parent / "www"]


def test_not_a_men_file_is_refused(served: tuple[str, Path], tmp_path: Path) -> None:
    base, root = served
    (root / "index.html").write_text("<html>moved</html>\n")
    out = tmp_path / "MEN.txt"
    assert _fetch(out, f"{base}/index.html") == 2
    assert not out.exists()
