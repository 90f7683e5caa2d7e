"""File formats and atomic writes shared by every stage.

Every artefact is written under a temporary name beside its target and moved
into place with ``os.replace`` only when complete, so an interrupted run never
leaves a file that a later run could mistake for a good one. Every artefact
records the parameters and qwem version that made it in a JSON sidecar
``<file>.meta.json`` (or inside the file where the format allows).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import logging
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from qwem import __version__
from qwem.errors import (  # noqa: F401 (read helpers, re-exported)
    READ_ERRORS,
    QwemInputError,
    input_fix,
    read_error,
    reading,
)

logger = logging.getLogger(__name__)

logger = logging.getLogger(__name__)

META_SUFFIX = ".meta.json"
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGHUP}


def meta_path(path: str | Path) -> Path:
    """The JSON sidecar of an artefact: ``<path>.meta.json``."""
    return Path(str(path) + META_SUFFIX)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place on success.

    On any exception (and on SIGTERM/SIGHUP, which ``qwem`` turns into one)
    the temporary file is removed and ``path`` is untouched. The temporary
    name ``.<name>.<random>.tmp<suffixes>`` keeps the target's suffixes
    (numpy and gzip care).

    A process killed outright (SIGKILL, power loss) cannot clean up, so
    temporary files of the same target left by earlier runs are removed
    first (:func:`remove_stale_temps`). That is safe because only one job
    writes a given target at a time: Snakemake gives every output one rule
    and locks the directory, so a temporary file of this target that exists
    now belongs to a run that is over.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    # no SIGTERM between creating the file and knowing its name
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.",
            suffix=".tmp" + "".join(target.suffixes),
            dir=target.parent,
        )
        os.close(fd)
        tmp = Path(tmp_name)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def stale_temps(target: str | Path) -> list[Path]:
    """Temporary files of :func:`atomic_path` for ``target`` that exist now."""
    t = Path(target)
    pattern = re.compile(
        re.escape(f".{t.name}.")
        + r"[A-Za-z0-9_]{8}"
        + re.escape(".tmp" + "".join(t.suffixes))
    )
    if not t.parent.is_dir():
        return []
    return sorted(
        t.parent / name for name in os.listdir(t.parent) if pattern.fullmatch(name)
    )


def remove_stale_temps(target: str | Path) -> list[Path]:
    """Remove the temporary files an interrupted writer of ``target`` left.

    Only for the one job that writes ``target`` (see :func:`atomic_path`).
    Returns the paths removed (each is logged).
    """
    removed = []
    for stale in stale_temps(target):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
            removed.append(stale)
            logger.info("removed %s, left by an interrupted run", stale)
    return removed


@contextlib.contextmanager
def atomic_text(path: str | Path, *, compress: bool | None = None) -> Iterator[IO[str]]:
    """Open a text file for writing that appears at ``path`` only when complete.

    Args:
        path: target; gzip-compressed (level 3) when it ends in ``.gz`` unless
            ``compress`` says otherwise.
    """
    gz = str(path).endswith(".gz") if compress is None else compress
    with atomic_path(path) as tmp:
        if gz:
            # no file name and mtime 0 in the gzip header: same text, same bytes
            with (
                open(tmp, "wb") as raw,
                gzip.GzipFile(
                    fileobj=raw, mode="wb", filename="", mtime=0, compresslevel=3
                ) as gz_fh,
                io.TextIOWrapper(gz_fh, encoding="utf-8") as fh,
            ):
                yield fh
        else:
            with open(tmp, "w", encoding="utf-8") as fh:
                yield fh


class _NamedText(io.TextIOWrapper):
    """A text stream whose read errors name its file (they come mid-stream)."""

    qwem_path: Path

    def __next__(self) -> str:  # type: ignore[override]
        with reading(self.qwem_path):
            return super().__next__()

    def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]
        with reading(self.qwem_path):
            return super().readline(-1 if size is None else size)

    def read(self, size: int | None = -1, /) -> str:
        with reading(self.qwem_path):
            return super().read(size)

    def readlines(self, hint: int | None = -1, /) -> list[str]:  # type: ignore[override]
        with reading(self.qwem_path):
            return super().readlines(-1 if hint is None else hint)


def open_text(path: str | Path) -> IO[str]:
    """Open a UTF-8 text file for reading, gunzipping ``.gz`` files.

    A truncated or corrupt gzip stream or bytes that are not UTF-8 raise
    :class:`QwemInputError` naming the file and the fix, also mid-stream.
    """
    p = Path(path)
    if not p.exists():
        raise QwemInputError(f"{p}: file not found")
    raw: Any = gzip.GzipFile(p, "rb") if p.suffix == ".gz" else open(p, "rb")  # noqa: SIM115
    fh = _NamedText(raw, encoding="utf-8")
    fh.qwem_path = p
    return fh


def save_npy(path: str | Path, array: NDArray[Any]) -> None:
    """Write one array as ``.npy`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, array, allow_pickle=False)


def save_npz(path: str | Path, meta: dict[str, Any], **arrays: NDArray[Any]) -> None:
    """Write arrays and a JSON ``meta`` entry (last) as one ``.npz``, atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        entries: dict[str, Any] = {**arrays, "meta": np.array(json.dumps(meta))}
        np.savez(fh, **entries)


def load_npy(path: str | Path, *, mmap: bool = False) -> NDArray[Any]:
    """Read an ``.npy`` array, naming the file when it is missing or corrupt."""
    p = Path(path)
    if not p.exists():
        raise QwemInputError(f"{p}: file not found; rerun the stage that makes it")
    with reading(p, ".npy array"):
        return np.load(p, mmap_mode="r" if mmap else None, allow_pickle=False)


def read_csv(path: str | Path, *, columns: tuple[str, ...] = (), **kwargs: Any) -> Any:
    """``pandas.read_csv`` of an input, naming the file when it cannot be read.

    Args:
        path: a CSV (``.csv.gz`` is gunzipped by pandas).
        columns: columns the table must have (a QwemInputError names the
            missing ones and the file).
        kwargs: passed to :func:`pandas.read_csv`.
    """
    import pandas as pd

    side = meta_path(path)
    if side.exists() and "digest" in (record := read_json(side)):
        from qwem.digests import verify_digest  # a table another stage wrote

        who = record.get("made_by") or "the qwem command that wrote it"
        verify_digest(path, record["digest"], made_by=who)
    with reading(path, "table"):
        table = pd.read_csv(path, **kwargs)
    if missing := [c for c in columns if c not in table.columns]:
        raise QwemInputError(
            f"{path}: missing column(s) {', '.join(missing)} (has "
            f"{', '.join(map(str, table.columns))}); {input_fix(path)}"
        )
    return table


def write_json(path: str | Path, obj: Any) -> None:
    """Write JSON (sorted keys, indented) atomically."""
    with atomic_text(path, compress=False) as fh:
        json.dump(obj, fh, indent=2, sort_keys=True, default=_jsonable)
        fh.write("\n")


def read_json(path: str | Path) -> Any:
    """Read a JSON file, naming it when it is missing or corrupt."""
    p = Path(path)
    try:
        with open(p, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError as exc:
        raise QwemInputError(f"{p}: file not found") from exc
    except json.JSONDecodeError as exc:
        raise QwemInputError(
            f"{p}: not valid JSON ({exc}); delete it and rerun"
        ) from exc


def provenance(params: dict[str, Any]) -> dict[str, Any]:
    """The record every artefact carries: parameters and the qwem version."""
    return {"qwem_version": __version__, "params": params}


def write_meta(path: str | Path, params: dict[str, Any], **extra: Any) -> None:
    """Write the sidecar ``<path>.meta.json``: provenance plus measured facts."""
    write_json(meta_path(path), {**provenance(params), **extra})


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


def write_word2vec(path: str | Path, words: list[str], vectors: NDArray[Any]) -> None:
    """Write embeddings in word2vec text format (gensim ``load_word2vec_format``).

    First line ``V d``, then ``word x_1 ... x_d`` per word, 9 significant digits
    (gensim reads float32, whose precision this keeps).
    """
    if len(words) != vectors.shape[0]:
        raise ValueError(f"{len(words)} words for {vectors.shape[0]} vectors")
    with atomic_text(path, compress=False) as fh:
        fh.write(f"{vectors.shape[0]} {vectors.shape[1]}\n")
        for word, row in zip(words, vectors, strict=True):
            fh.write(word + " " + " ".join(f"{x:.9g}" for x in row) + "\n")


def read_word2vec(path: str | Path) -> tuple[list[str], NDArray[np.float64]]:
    """Read a word2vec text file: (words, (V, d) float64 vectors)."""
    with open_text(path) as fh:
        header = fh.readline().split()
        try:
            n, dim = int(header[0]), int(header[1])
        except (IndexError, ValueError) as exc:
            raise QwemInputError(
                f"{path}: first line must be '<count> <dim>' (word2vec text "
                f"format); {input_fix(path)}"
            ) from exc
        words: list[str] = []
        rows: list[NDArray[np.float64]] = []
        for line in fh:
            # the word2vec C tool and older gensim end every line with a space
            parts = line.rstrip().split(" ")
            if len(parts) != dim + 1:
                raise QwemInputError(
                    f"{path}: line {len(words) + 2} has {len(parts) - 1} values, "
                    f"expected {dim}: truncated or damaged; {input_fix(path)}"
                )
            words.append(parts[0])
            with reading(path, f"word2vec line {len(words) + 1}"):
                rows.append(np.asarray(parts[1:], dtype=np.float64))
    if len(words) != n:
        raise QwemInputError(
            f"{path}: header says {n} words, file has {len(words)}: truncated; "
            f"{input_fix(path)}"
        )
    return words, np.vstack(rows) if rows else np.zeros((0, dim))


#: the producer of the token shards, as a digest mismatch names it
