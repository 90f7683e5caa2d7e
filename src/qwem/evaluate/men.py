"""Download of the MEN similarity set (plain text, or a member of an archive)."""

from __future__ import annotations

import logging
import tarfile
import zipfile
from pathlib import Path

logger = logging.getLogger(__name__)


def _member_bytes(raw: Path, member: str | None) -> bytes:
    """The bytes of ``member`` in a .tar.gz / .zip, or the whole file."""
    if tarfile.is_tarfile(raw):
        with tarfile.open(raw) as tar:
            handle = tar.extractfile(member or "")
            return handle.read() if handle else b""
    if zipfile.is_zipfile(raw):
        with zipfile.ZipFile(raw) as zf:
            return zf.read(member or "")
    return raw.read_bytes()


def fetch_men(
    url: str,
    out: Path,
    *,
    member: str | None,
    sha256: str | None,
    retries: int,
    timeout_s: float,
) -> int | None:
    """Download MEN to ``out``; the number of pairs, or None when unreachable.

    Unreachable source (offline, 404, retries exhausted): an EMPTY ``out`` and
    a warning, so the benchmark table shows MEN as unavailable; delete the file
    and rerun once online. A wrong checksum or an unreadable file is an error
    and leaves nothing behind.
    """
    from qwem.corpus.download import download
    from qwem.errors import QwemChecksumError, QwemDownloadError, QwemInputError
    from qwem.evaluate.similarity import load_men
    from qwem.io import atomic_path

    raw = out.with_name(out.name + ".download")
    try:
        download(
            url, raw, sha256=sha256, retries=retries, timeout_s=timeout_s, backoff_s=2.0
        )
    except QwemChecksumError:
        raise  # the source answered with other bytes: an error, not "offline"
    except QwemDownloadError as exc:
        Path(f"{raw}.part").unlink(missing_ok=True)
        logger.warning(
            "MEN is not available (%s); the table reports it as missing. "
            "Delete %s and rerun when %s can be reached.",
            exc,
            out,
            url,
        )
        with atomic_path(out) as tmp:
            tmp.write_bytes(b"")
        return None
    try:
        data = _member_bytes(raw, member)
    except (KeyError, OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
        raise QwemInputError(
            f"{url}: cannot read member {member!r} of the archive ({exc}); "
            "set evaluate.men.member to the path of the MEN text file inside it"
        ) from exc
    finally:
        raw.unlink(missing_ok=True)
    with atomic_path(out) as tmp:
        tmp.write_bytes(data)
        pairs = load_men(tmp)
        if pairs is None or len(pairs) < 100:
            raise QwemInputError(
                f"{url}: not a MEN file (expected ~3,000 'word1 word2 score' "
                "lines); check evaluate.men.url / member"
            )
    logger.info("MEN: %d pairs -> %s", len(pairs), out)
    return len(pairs)
