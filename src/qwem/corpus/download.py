"""Resumable, verified downloads with the standard library.

A file is streamed into ``<dest>.part`` beside its target and moved to
``dest`` with ``os.replace`` only after its size and checksums match, so
``dest`` exists only when verified. Dropped connections, timeouts and
transient HTTP answers (5xx, 408, 429) are retried with exponential backoff,
resuming the ``.part`` with an HTTP ``Range: bytes=N-`` request; a rerun after
an interrupted one resumes the same way. ``file://`` URLs and plain paths are
copied with the same verification, which makes local mirrors easy.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from qwem import __version__
from qwem.errors import QwemChecksumError, QwemConfigError, QwemDownloadError
from qwem.runtime import progress

logger = logging.getLogger(__name__)

# HTTP answers worth retrying besides every 5xx: request timeout, rate limit.
_RETRY_STATUS = frozenset({408, 429})
_HEX_LENGTH = {"sha1": 40, "sha256": 64}
_FIX = "the server may serve a different file; check the checksum in the config or "
_FIX += "set a mirror"


@dataclass(frozen=True)
class DownloadResult:
    """What :func:`download` fetched and verified.

    Attributes:
        path: the verified file (``dest``).
        bytes: its size in bytes.
        sha1, sha256: its lowercase hex digests.
        attempts: HTTP requests made (1 when nothing failed; 1 for local copies).
        resumed: attempts that continued a partial file instead of starting over.
        seconds: wall-clock time of the whole call.
    """

    path: Path
    bytes: int
    sha1: str
    sha256: str
    attempts: int
    resumed: int
    seconds: float


class _TransientError(Exception):
    """A failure worth retrying (dropped connection, timeout, 5xx...)."""


@dataclass(frozen=True)
class _Job:
    """The parameters of one :func:`download` call, checked before any transfer."""

    url: str
    part_path: Path
    size: int | None
    sha1: str | None
    sha256: str | None
    retries: int
    backoff_s: float
    timeout_s: float
    chunk_bytes: int

    def __post_init__(self) -> None:
        for name in ("sha1", "sha256"):
            value, n = getattr(self, name), _HEX_LENGTH[name]
            if value is not None and not re.fullmatch(f"[0-9a-fA-F]{{{n}}}", value):
                raise QwemConfigError(
                    f"{name} for {self.url} must be {n} hex digits, got {value!r}; "
                    "fix the checksum in the config"
                )
        if (
            min(self.size or 0, self.retries, self.backoff_s) < 0
            or min(self.chunk_bytes, self.timeout_s) <= 0
        ):
            raise QwemConfigError(
                f"download of {self.url}: need size, retries, backoff_s >= 0 and "
                f"chunk_bytes, timeout_s > 0; got {self}"
            )


@dataclass
class _Part:
    """The ``.part`` file, the running digests of its bytes, and the progress bar."""

    path: Path
    bar: tqdm[Any]
    offset: int = 0
    attempts: int = 0
    resumed: int = 0
    sha1: hashlib._Hash = field(default_factory=hashlib.sha1)
    sha256: hashlib._Hash = field(default_factory=hashlib.sha256)

    def load(self) -> None:
        """Digest the bytes an earlier run left in the file (if any)."""
        if self.path.exists():
            with open(self.path, "rb") as fh:
                while block := fh.read(1 << 20):
                    self.update(block)

    def update(self, block: bytes) -> None:
        """Account for ``block`` just appended to the file."""
        self.sha1.update(block)
        self.sha256.update(block)
        self.offset += len(block)
        self.bar.update(len(block))

    def restart(self) -> None:
        """Truncate the file and start over from byte zero."""
        self.path.write_bytes(b"")
        self.offset = 0
        self.sha1 = hashlib.sha1()
        self.sha256 = hashlib.sha256()
        self.bar.reset(total=self.bar.total)


def download(
    url: str,
    dest: str | Path,
    *,
    sha1: str | None = None,
    sha256: str | None = None,
    size: int | None = None,
    retries: int,
    backoff_s: float,
    timeout_s: float,
    chunk_bytes: int = 1 << 20,
    desc: str | None = None,
) -> DownloadResult:
    """Download ``url`` to ``dest``, resuming and verifying; see the module doc.

    Args:
        url: ``http(s)://``, ``file://`` or a plain local path.
        dest: target file; its directory is created. The transfer goes to
            ``<dest>.part``, which survives a failed transfer so a rerun resumes.
        sha1, sha256: expected hex digests (any case), checked when given.
        size: expected size in bytes, checked against Content-Length too.
        retries: retries after the first attempt (at most ``retries + 1``
            requests); ``corpus.download.retries`` for corpus downloads.
        backoff_s: the k-th retry (k = 0, 1, ...) waits ``backoff_s * 2**k`` s
            (``corpus.download.backoff_s``).
        timeout_s: socket timeout of each connect and read, in seconds
            (``corpus.download.timeout_s``).
        chunk_bytes: bytes read per step (progress and hashing granularity).
        desc: progress-bar label; defaults to the file name.
    Returns:
        A :class:`DownloadResult` for the verified file.
    Raises:
        QwemChecksumError: wrong size or checksum (a QwemDownloadError; the
            ``.part`` is deleted);
        QwemDownloadError:
            a final HTTP error such as 404, or retries exhausted (the ``.part``
            is kept for the rerun).
        QwemConfigError: a malformed checksum or an out-of-range parameter.
    """
    start = time.perf_counter()
    target, tmp = Path(dest), Path(f"{dest}.part")
    job = _Job(url, tmp, size, sha1, sha256, retries, backoff_s, timeout_s, chunk_bytes)
    target.parent.mkdir(parents=True, exist_ok=True)
    logger.info("downloading %s -> %s (expected bytes: %s)", url, target, size or "?")
    bar: Iterator[Any] | tqdm[Any] = progress(
        desc=desc or target.name, total=size, unit="B", unit_scale=True
    )
    assert isinstance(bar, tqdm)  # progress() without an iterable is a bare bar
    part = _Part(tmp, bar)
    try:
        local = _local_source(url)
        if local is not None:
            _copy_local(job, local, part)
        else:
            _fetch_with_retries(job, part)
    finally:
        part.bar.close()
    _verify(job, part)
    os.replace(job.part_path, target)
    result = DownloadResult(
        target,
        part.offset,
        part.sha1.hexdigest(),
        part.sha256.hexdigest(),
        part.attempts,
        part.resumed,
        time.perf_counter() - start,
    )
    logger.info(
        "downloaded %s: %d bytes, sha256 %s, %.1f s, %d attempts",
        target,
        result.bytes,
        result.sha256,
        result.seconds,
        result.attempts,
    )
    return result


def _local_source(url: str) -> Path | None:
    """The local path behind a ``file://`` URL or a plain path; None for http."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        return Path(urllib.request.url2pathname(parsed.path))
    if parsed.scheme == "" or len(parsed.scheme) == 1:  # one letter: a drive (C:\)
        return Path(url)
    return None


def _copy_local(job: _Job, src: Path, part: _Part) -> None:
    """Copy a local file into the ``.part``, digesting it on the way."""
    part.attempts = 1
    try:
        part.restart()
        with open(src, "rb") as fh:
            _stream(fh.read, part, job.chunk_bytes)
    except OSError as exc:
        part.path.unlink(missing_ok=True)
        raise QwemDownloadError(
            f"{job.url}: cannot copy the local file {src} to {part.path} ({exc}); "
            "check the path of the mirror in the config"
        ) from exc


def _fetch_with_retries(job: _Job, part: _Part) -> None:
    """Run attempts until one completes; the k-th retry waits backoff_s * 2**k."""
    part.load()
    if part.offset:
        logger.info("resuming %s at byte %d", part.path, part.offset)
    last: _TransientError | None = None
    for attempt in range(1, job.retries + 2):
        part.attempts = attempt
        try:
            _fetch_once(job, part)
            return
        except _TransientError as exc:
            last = exc
            if attempt > job.retries:
                break
            delay = job.backoff_s * 2 ** (attempt - 1)
            logger.info(
                "%s: attempt %d failed (%s); retrying in %.2f s from byte %d",
                job.url,
                attempt,
                exc,
                delay,
                part.offset,
            )
            time.sleep(delay)
    raise QwemDownloadError(
        f"{job.url}: download failed after {part.attempts} attempts (last error: "
        f"{last}); {_kept(part)}; check the network or set a mirror"
    )


def _kept(part: _Part) -> str:
    """What a failed download leaves on disk, as the error states it.

    An empty ``.part`` is removed: only received bytes are worth resuming.
    """
    if size := part.path.stat().st_size if part.path.is_file() else 0:
        return f"{part.path} keeps the {size} bytes received; rerunning resumes"
    part.path.unlink(missing_ok=True)
    return "no bytes arrived and nothing was saved, so rerunning starts afresh"


def _fetch_once(job: _Job, part: _Part) -> None:
    """One HTTP request: resume or restart the ``.part`` and stream into it."""
    resp = _open(job.url, part.offset, job.timeout_s)
    if resp is None:  # 416: the part is at least as long as the file
        if job.size is not None and part.offset == job.size:
            part.resumed += 1
            return
        part.restart()
        raise _TransientError("HTTP 416 to a resume; restarting from byte zero")
    with resp:
        total = _expected_total(job.url, resp, part)
        if job.size is not None and total is not None and total != job.size:
            what = "size (bytes, per Content-Length)"
            raise _mismatch(job.url, part, what, str(job.size), str(total))
        if total is not None and part.bar.total != total:
            part.bar.reset(total=total)
            part.bar.update(part.offset)

        def read(n: int) -> bytes:
            try:
                return resp.read(n)
            except (OSError, http.client.HTTPException) as exc:
                raise _TransientError(_describe(exc)) from exc

        _stream(read, part, job.chunk_bytes)
    if total is not None and part.offset < total:
        raise _TransientError(f"connection closed at byte {part.offset} of {total}")


def _open(url: str, offset: int, timeout_s: float) -> Any:
    """Send the request (with Range when resuming); None means HTTP 416."""
    headers = {"User-Agent": f"qwem/{__version__}", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:
            return None
        if exc.code >= 500 or exc.code in _RETRY_STATUS:
            raise _TransientError(f"HTTP {exc.code} {exc.reason}") from exc
        raise QwemDownloadError(
            f"{url}: the server answered HTTP {exc.code} {exc.reason}, which is "
            "final; check the URL in the config or set a mirror"
        ) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise _TransientError(_describe(exc)) from exc


def _expected_total(url: str, resp: Any, part: _Part) -> int | None:
    """Total file size the answer implies; restarts the part when needed.

    A 206 must resume exactly at ``part.offset`` (``Content-Range: bytes N-``);
    a 200 to a Range request means the server ignored it, so start over.
    """
    length = resp.headers.get("Content-Length")
    body = int(length) if length is not None and length.isdigit() else None
    if resp.status == 206:
        content_range = resp.headers.get("Content-Range", "")
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range.strip())
        if match is None or int(match.group(1)) != part.offset:
            part.restart()
            raise _TransientError(
                f"HTTP 206 with Content-Range {content_range!r}, expected a "
                f"range starting at byte {part.offset}; restarting from byte zero"
            )
        part.resumed += 1
        if match.group(3) != "*":
            return int(match.group(3))
        return None if body is None else part.offset + body
    if part.offset:
        logger.info("%s ignored the Range request; restarting from byte zero", url)
        part.restart()
    return body


def _stream(read: Callable[[int], bytes], part: _Part, chunk_bytes: int) -> None:
    """Append blocks from ``read`` to the part file, digesting each one."""
    with open(part.path, "ab") as fh:
        while block := read(chunk_bytes):
            fh.write(block)
            part.update(block)


def _verify(job: _Job, part: _Part) -> None:
    """Compare size and digests with the job's; unset ones are not checked."""
    expected = {"size": job.size, "sha1": job.sha1, "sha256": job.sha256}
    actual = {
        "size": str(part.offset),
        "sha1": part.sha1.hexdigest(),
        "sha256": part.sha256.hexdigest(),
    }
    for name, want in expected.items():
        if want is not None and str(want).lower() != actual[name]:
            what = f"{name} (bytes)" if name == "size" else name
            raise _mismatch(job.url, part, what, str(want).lower(), actual[name])


def _mismatch(
    url: str, part: _Part, what: str, want: str, got: str
) -> QwemChecksumError:
    """Delete the part and build the error naming what differed."""
    part.path.unlink(missing_ok=True)
    dest = str(part.path).removesuffix(".part")
    return QwemChecksumError(
        f"{url} -> {dest}: {what} mismatch: expected {want}, got {got}; deleted "
        f"{part.path}; {_FIX}"
    )


def _describe(exc: BaseException) -> str:
    """A one-line reason for a network failure, e.g. 'TimeoutError: timed out'."""
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"
