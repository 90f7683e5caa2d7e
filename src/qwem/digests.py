"""Content digests of the files passed between stages, and the readers that
check them.

Every writer records a digest (``sha256:<hex>``, read in 1 MiB blocks) of what
it wrote: in a ``.meta.json`` sidecar, inside an ``.npz``'s meta, or in a
token shard's ``part-*.json`` info. Every reader checks it before use; a
mismatch names the file, the rule that wrote it and the ``snakemake
--forcerun`` that rebuilds it and everything made from it. Files from an
earlier qwem, without a digest, are read with a warning.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qwem.errors import QwemInputError
from qwem.io import load_npy, meta_path, read_json, write_meta

logger = logging.getLogger(__name__)


def file_digest(
    path: str | Path, algorithm: str = "sha256", chunk: int = 1 << 20
) -> str:
    """Hex digest of a file, read in 1 MiB chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


#: how a recorded digest names its algorithm: ``"sha256:<hex>"``
DIGEST_ALGORITHM = "sha256"


def digest_of(path: str | Path) -> str:
    """The content digest recorded for a file: ``"sha256:<hex>"`` of its bytes.

    One streaming pass in 1 MiB blocks: a fraction of a second per 100 MB,
    small beside any job that writes or reads such a file.
    """
    return f"{DIGEST_ALGORITHM}:{file_digest(path, DIGEST_ALGORITHM)}"


class _HashingSink:
    """A write-only file object that only hashes what is written to it."""

    def __init__(self) -> None:
        self.hash = hashlib.new(DIGEST_ALGORITHM)

    def write(self, data: bytes | memoryview) -> int:
        self.hash.update(data)
        return len(data)


def npy_digest(array: NDArray[Any]) -> str:
    """The :func:`digest_of` the ``.npy`` file :func:`save_npy` writes for ``array``.

    Lets a writer record the digest before the file exists (its main output
    last) without writing the bytes twice.
    """
    sink = _HashingSink()
    np.save(sink, array, allow_pickle=False)
    return f"{DIGEST_ALGORITHM}:{sink.hash.hexdigest()}"


def array_digest(arrays: dict[str, NDArray[Any]]) -> str:
    """Digest of named arrays (name, dtype, shape and bytes, in the given order).

    For files whose record lives inside them (``.npz`` with a ``meta`` entry),
    where a digest of the file's own bytes cannot be stored.
    """
    h = hashlib.new(DIGEST_ALGORITHM)
    for name, array in arrays.items():
        a = np.ascontiguousarray(array)
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.data)
    return f"{DIGEST_ALGORITHM}:{h.hexdigest()}"


def rebuild_advice(path: str | Path) -> str:
    """How to rebuild a bad intermediate file and everything made from it.

    A plain ``snakemake`` finds results made from the file current even when
    the file is deleted (it is not a requested result), hence ``--forcerun``.
    """
    return (
        f"delete it and rebuild it and everything made from it with "
        f"'snakemake --forcerun {path}' (plus your usual --configfile/--profile)"
    )


def verify_digest(
    path: str | Path, expected: str | None, *, made_by: str, actual: str | None = None
) -> None:
    """Check that ``path`` still holds the bytes its writer recorded.

    Args:
        path: the file read.
        expected: the digest its writer recorded; None for a file written by
            an earlier qwem, which is read with a warning (not verified).
        made_by: its producer, e.g. "rule vocab_tokenize (qwem vocab tokenize)".
        actual: its digest when the caller computed it (arrays of an ``.npz``);
            else :func:`digest_of` the file.

    Raises:
        QwemInputError: naming the file, its producer and the fix.
    """
    if expected is None:
        logger.warning(
            "%s: no content digest recorded (written by an earlier qwem), read "
            "unverified; rerun %s to record one",
            path,
            made_by,
        )
        return
    if actual is None:
        actual = digest_of(path)
    if actual != expected:
        raise QwemInputError(
            f"{path}: contents changed after {made_by} wrote it (digest "
            f"{actual[:19]}... is not the recorded {expected[:19]}...); "
            + rebuild_advice(path)
        )


def write_sealed_meta(
    path: str | Path, params: dict[str, Any], *, made_by: str = "", **extra: Any
) -> None:
    """Write the sidecar of a finished file with its content digest.

    ``made_by`` (e.g. "rule train_run (qwem train run)") is recorded for
    readers that cannot tell the file's producer from its name.
    """
    named = {"made_by": made_by} if made_by else {}
    write_meta(path, params, digest=digest_of(path), **named, **extra)


def check_sidecar(path: str | Path, *, made_by: str | None = None) -> None:
    """Check an existing file against the digest in its sidecar.

    ``made_by`` names its producer in an error; else the sidecar's
    ``made_by``, else "the qwem command that wrote it".
    """
    if not Path(path).exists():
        return  # the reader names a missing file
    side = meta_path(path)
    record = read_json(side) if side.exists() else {}
    who = made_by or record.get("made_by") or "the qwem command that wrote it"
    verify_digest(path, record.get("digest"), made_by=str(who))


def load_verified_npy(
    path: str | Path, *, made_by: str | None = None, mmap: bool = False
) -> NDArray[Any]:
    """:func:`load_npy` after checking the digest in its sidecar."""
    check_sidecar(path, made_by=made_by)
    return load_npy(path, mmap=mmap)


TOKENS_MADE_BY = "rule vocab_tokenize (qwem vocab tokenize)"


def shard_info_path(tokens: str | Path) -> Path:
    """The JSON info beside a token shard: ``part-<p>.npy`` -> ``part-<p>.json``."""
    p = Path(tokens)
    return p.with_name(p.name.removesuffix(".npy") + ".json")


def record_digest(record: dict[str, Any]) -> str:
    """Digest of a JSON record's content, its own ``record_digest`` left out."""
    body = {k: v for k, v in record.items() if k != "record_digest"}
    text = json.dumps(body, sort_keys=True).encode()
    return f"{DIGEST_ALGORITHM}:{hashlib.new(DIGEST_ALGORITHM, text).hexdigest()}"


def sealed(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with its :func:`record_digest`, for a JSON file other stages read."""
    return {**record, "record_digest": record_digest(record)}


def read_sealed_json(path: str | Path, *, made_by: str) -> dict[str, Any]:
    """A JSON record written :func:`sealed`, checked against its digest."""
    record: dict[str, Any] = read_json(path)
    found = record_digest(record)
    verify_digest(path, record.get("record_digest"), made_by=made_by, actual=found)
    return record


def load_shard(
    tokens: str | Path, offsets: str | Path
) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """One token shard (memory-mapped) and its offsets, checked against the
    digests that ``qwem vocab tokenize`` recorded in the shard's JSON info."""
    info = shard_info_path(tokens)
    digests: dict[str, Any] = {}
    if info.exists():
        digests = read_sealed_json(info, made_by=TOKENS_MADE_BY).get("digests", {})
    for key, path in (("tokens", tokens), ("offsets", offsets)):
        if Path(path).exists():
            verify_digest(path, digests.get(key), made_by=TOKENS_MADE_BY)
    return load_npy(tokens, mmap=True), load_npy(offsets)


def load_shards(
    tokens: list[Path], offsets: list[Path]
) -> list[tuple[NDArray[Any], NDArray[np.int64]]]:
    """Token shards (memory-mapped) with their document offsets, in order,
    each checked as :func:`load_shard` does."""
    if len(tokens) != len(offsets):
        raise QwemInputError(
            f"{len(tokens)} token shards but {len(offsets)} offsets files; pass one "
            "offsets file per shard, in the same order"
        )
    return [load_shard(t, o) for t, o in zip(tokens, offsets, strict=True)]
