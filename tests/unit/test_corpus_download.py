"""Tests of qwem.corpus.download against an HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qwem.corpus.download import DownloadResult, download
from qwem.errors import QwemConfigError, QwemDownloadError

DATA = np.random.default_rng(0).bytes(200_000)
HALF = len(DATA) // 2
SHA256 = hashlib.sha256(DATA).hexdigest()
SHA1 = hashlib.sha1(DATA).hexdigest()
# Tiny backoff and chunks: retries cost milliseconds and drops land mid-stream.
FAST: dict[str, Any] = {
    "retries": 5,
    "backoff_s": 0.01,
    "timeout_s": 5.0,
    "chunk_bytes": 8192,
}


@dataclass
class Behaviour:
    """How the test server answers; ``ranges`` records each request's Range."""

    drops: int = 0  # requests that announce the full length but send half of it
    stall_s: float = 0.0  # a drop first waits this long (client timeouts fire)
    ignore_range: bool = False  # always answer 200 with the whole file
    statuses: list[int] = field(default_factory=list)  # error answers, in order
    ranges: list[str | None] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        how: Behaviour = self.server.behaviour  # type: ignore[attr-defined]
        requested = self.headers.get("Range")
        how.ranges.append(requested)
        if how.statuses:
            self.send_error(how.statuses.pop(0))
            return
        start = 0
        if requested and not how.ignore_range:
            start = int(requested.removeprefix("bytes=").rstrip("-"))
            if start >= len(DATA):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(DATA)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header(
                "Content-Range", f"bytes {start}-{len(DATA) - 1}/{len(DATA)}"
            )
        else:
            self.send_response(200)
        body = DATA[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if how.drops > 0:
            how.drops -= 1
            body = body[: len(body) // 2]
            self.close_connection = True
            self.wfile.write(body)
            self.wfile.flush()
            time.sleep(how.stall_s)
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@dataclass
class Server:
    url: str
    behaviour: Behaviour


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A threaded HTTP server on a free port of 127.0.0.1 serving ``DATA``."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    behaviour = Behaviour()
    httpd.behaviour = behaviour  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    port = httpd.server_address[1]
    yield Server(f"http://127.0.0.1:{port}/data.bin", behaviour)
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _check(result: DownloadResult, dest: Path) -> None:
    assert result.path == dest
    assert dest.read_bytes() == DATA
    assert (result.bytes, result.sha256, result.sha1) == (len(DATA), SHA256, SHA1)
    assert not Path(f"{dest}.part").exists()


def _nothing_left(dest: Path) -> bool:
    return not dest.exists() and not Path(f"{dest}.part").exists()


def test_plain_download_is_verified(server: Server, tmp_path: Path) -> None:
    dest = tmp_path / "sub" / "data.bin"
    result = download(
        server.url, dest, sha256=SHA256.upper(), sha1=SHA1, size=len(DATA), **FAST
    )
    _check(result, dest)
    assert (result.attempts, result.resumed) == (1, 0)
    assert server.behaviour.ranges == [None]


def test_dropped_connection_resumes_with_range(
    server: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="qwem")
    server.behaviour.drops = 1
    dest = tmp_path / "data.bin"
    result = download(server.url, dest, sha256=SHA256, size=len(DATA), **FAST)
    _check(result, dest)
    assert server.behaviour.ranges == [None, f"bytes={HALF}-"]
    assert result.attempts == 2
    assert result.resumed >= 1
    assert f"connection closed at byte {HALF} of {len(DATA)}" in caplog.text


def test_stalled_transfer_times_out_and_resumes(server: Server, tmp_path: Path) -> None:
    server.behaviour.drops, server.behaviour.stall_s = 1, 0.5
    dest = tmp_path / "data.bin"
    result = download(server.url, dest, sha256=SHA256, **{**FAST, "timeout_s": 0.1})
    _check(result, dest)
    # A read cut by the timeout drops its partial block, so the resume starts at
    # a block boundary at or before HALF, never after it.
    first, resume = server.behaviour.ranges
    offset = int(str(resume).removeprefix("bytes=").rstrip("-"))
    assert first is None and 0 < offset <= HALF and result.resumed == 1


def test_existing_part_is_resumed(server: Server, tmp_path: Path) -> None:
    dest = tmp_path / "data.bin"
    Path(f"{dest}.part").write_bytes(DATA[:50_000])
    result = download(server.url, dest, sha256=SHA256, **FAST)
    _check(result, dest)
    assert server.behaviour.ranges == ["bytes=50000-"]
    assert result.resumed == 1


def test_server_ignoring_range_restarts_from_zero(
    server: Server, tmp_path: Path
) -> None:
    server.behaviour.drops, server.behaviour.ignore_range = 1, True
    dest = tmp_path / "data.bin"
    result = download(server.url, dest, sha256=SHA256, **FAST)
    _check(result, dest)
    assert server.behaviour.ranges == [None, f"bytes={HALF}-"]
    assert result.resumed == 0


def test_complete_part_with_known_size_needs_no_body(
    server: Server, tmp_path: Path
) -> None:
    dest = tmp_path / "data.bin"
    Path(f"{dest}.part").write_bytes(DATA)
    result = download(server.url, dest, sha256=SHA256, size=len(DATA), **FAST)
    _check(result, dest)
    assert server.behaviour.ranges == [f"bytes={len(DATA)}-"]  # answered 416


def test_too_long_part_without_size_restarts(server: Server, tmp_path: Path) -> None:
    dest = tmp_path / "data.bin"
    Path(f"{dest}.part").write_bytes(DATA + b"junk")
    result = download(server.url, dest, sha256=SHA256, **FAST)
    _check(result, dest)
    assert server.behaviour.ranges == [f"bytes={len(DATA) + 4}-", None]


def test_transient_status_is_retried(server: Server, tmp_path: Path) -> None:
    server.behaviour.statuses = [503, 429]
    dest = tmp_path / "data.bin"
    result = download(server.url, dest, sha256=SHA256, **FAST)
    _check(result, dest)
    assert result.attempts == 3


def test_wrong_sha256_names_url_and_both_values(server: Server, tmp_path: Path) -> None:
    dest = tmp_path / "data.bin"
    wrong = "ab" * 32
    pattern = f"{re.escape(server.url)}.*sha256.*expected {wrong}, got {SHA256}"
    with pytest.raises(QwemDownloadError, match=pattern):
        download(server.url, dest, sha256=wrong, **FAST)
    assert _nothing_left(dest)


def test_wrong_size_names_url_and_both_values(server: Server, tmp_path: Path) -> None:
    dest = tmp_path / "data.bin"
    pattern = f"{re.escape(server.url)}.*expected {len(DATA) + 1}, got {len(DATA)}"
    with pytest.raises(QwemDownloadError, match=pattern):
        download(server.url, dest, size=len(DATA) + 1, **FAST)
    assert _nothing_left(dest)


def test_404_is_final(server: Server, tmp_path: Path) -> None:
    server.behaviour.statuses = [404, 404, 404]
    dest = tmp_path / "data.bin"
    with pytest.raises(QwemDownloadError, match=re.escape(server.url) + ".*404"):
        download(server.url, dest, **FAST)
    assert _nothing_left(dest)
    assert server.behaviour.ranges == [None]


def test_persistent_drops_exhaust_retries(server: Server, tmp_path: Path) -> None:
    server.behaviour.drops = 100
    dest = tmp_path / "data.bin"
    with pytest.raises(QwemDownloadError, match=r"after 3 attempts.*resumes"):
        download(server.url, dest, **{**FAST, "retries": 2})
    assert not dest.exists()
    # The bytes received are kept, so a rerun resumes instead of starting over.
    part = Path(f"{dest}.part").read_bytes()
    assert len(server.behaviour.ranges) == 3
    assert len(part) > HALF and DATA.startswith(part)


def test_exhausted_retries_without_bytes_name_no_part_file(
    server: Server, tmp_path: Path
) -> None:
    # issue 17: the error named a .part file that was never written
    server.behaviour.statuses = [503] * 3
    dest = tmp_path / "enwiki-sha1sums.txt.download"
    with pytest.raises(QwemDownloadError) as caught:
        download(server.url, dest, **{**FAST, "retries": 2})
    message = str(caught.value)
    assert "nothing was saved, so rerunning starts afresh" in message
    assert ".part" not in message
    assert sorted(tmp_path.iterdir()) == []


def test_file_url_and_plain_path_are_copied(tmp_path: Path) -> None:
    src = tmp_path / "mirror" / "data.bin"
    src.parent.mkdir()
    src.write_bytes(DATA)
    for url, name in ((src.as_uri(), "a.bin"), (str(src), "b.bin")):
        dest = tmp_path / name
        result = download(url, dest, sha256=SHA256, sha1=SHA1, size=len(DATA), **FAST)
        _check(result, dest)
    with pytest.raises(QwemDownloadError, match="sha256 mismatch"):
        download(src.as_uri(), tmp_path / "c.bin", sha256="0" * 64, **FAST)
    assert _nothing_left(tmp_path / "c.bin")
    with pytest.raises(
        QwemDownloadError, match=re.escape(str(tmp_path / "missing.bin"))
    ):
        download(str(tmp_path / "missing.bin"), tmp_path / "d.bin", **FAST)
    assert _nothing_left(tmp_path / "d.bin")


def test_malformed_checksum_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(QwemConfigError, match=r"sha256 .* 64 hex digits"):
        download("http://127.0.0.1:9/x", tmp_path / "x", sha256="abc", **FAST)
    assert _nothing_left(tmp_path / "x")
