"""Exceptions a user can hit; the CLI prints them as one line and exits 2."""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path


class QwemError(Exception):
    """Base class: the message names the bad input, what was expected, and the fix."""


class QwemConfigError(QwemError):
    """A parameter value is out of range or inconsistent (names the config key)."""


class QwemInputError(QwemError):
    """An input file is missing, corrupt, truncated or of the wrong shape."""


#: What reading a damaged input raises: a truncated or corrupt gzip, bz2 or zip
#: stream (``EOFError``, ``gzip.BadGzipFile``, ``zlib.error``, ``OSError``,
#: ``zipfile.BadZipFile``), bytes that are not UTF-8 (``UnicodeDecodeError``),
#: a table or array that does not parse (``ValueError``, pandas' ``ParserError``).
READ_ERRORS: tuple[type[Exception], ...] = (
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    zipfile.BadZipFile,
)

#: ``results/<name>/<folder>/``: the stages whose rules write that folder.
_WRITERS = {
    "download": ("corpus",),
    "text": ("corpus",),
    "corpus": ("vocab",),
    "cooccur": ("cooccur",),
    "stats": ("targets",),
    "closed_form": ("spectral",),
    "train": ("train", "baseline"),
    "eval": ("evaluate",),
    "rmt": ("rmt",),
}


def input_fix(path: str | Path) -> str:
    """How to replace a bad input: rerun the rule that wrote it, or replace it.

    >>> input_fix("results/tiny/text/part-0.txt.gz")[:50]
    'it was written by rule corpus_* (workflow/rules/co'
    >>> input_fix("my/questions.txt")
    'replace it with a complete, valid copy'
    """
    parts = Path(path).parts
    for i, part in enumerate(parts[:-2]):
        if part == "results" and parts[i + 2] in _WRITERS:
            stages = _WRITERS[parts[i + 2]]
            rules = " or ".join(f"{s}_*" for s in stages)
            smk = ", ".join(f"workflow/rules/{s}.smk" for s in stages)
            return (
                f"it was written by rule {rules} ({smk}): delete it and rerun snakemake"
            )
    return "replace it with a complete, valid copy"


def read_error(path: str | Path, exc: BaseException, what: str = "") -> QwemInputError:
    """The one-line error for an input that could not be read: file, damage, fix.

    Args:
        path: the input.
        exc: what the reader raised (one of :data:`READ_ERRORS`).
        what: what the file should hold ("word counts"), for the message.
    """
    p = Path(path)
    kind = f" {what}" if what else ""
    if isinstance(exc, FileNotFoundError) or not p.exists():
        return QwemInputError(f"{p}: file not found; {input_fix(p)}")
    if isinstance(exc, UnicodeDecodeError):
        damage = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    elif isinstance(exc, zipfile.BadZipFile):
        damage = f"truncated or corrupt zip{kind} ({exc})"
    elif p.suffix in (".gz", ".bz2") and isinstance(
        exc, (EOFError, OSError, zlib.error)
    ):
        codec = "gzip" if p.suffix == ".gz" else "bz2"
        damage = f"truncated or corrupt {codec}{kind} ({exc})"
    else:
        damage = f"unreadable{kind or ' file'}, truncated or corrupt ({exc})"
    return QwemInputError(f"{p}: {damage}; {input_fix(p)}")


@contextlib.contextmanager
def reading(path: str | Path, what: str = "") -> Iterator[None]:
    """Turn a failure to read ``path`` inside the block into a one-line error.

    Wrap only the reading (not the computing on what was read): the errors
    mapped (:data:`READ_ERRORS`) include ``ValueError``.
    """
    try:
        yield
    except READ_ERRORS as exc:
        raise read_error(path, exc, what) from exc


class QwemDownloadError(QwemError):
    """A download failed for good: bad checksum, wrong size, or out of retries."""


class QwemChecksumError(QwemDownloadError):
    """The bytes arrived but are not the expected ones (size or digest differs)."""


class QwemResourceError(QwemError):
    """A job needs more memory than it may use (names the figure and the fixes)."""
