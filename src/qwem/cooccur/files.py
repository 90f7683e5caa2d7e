"""The counts file: ``.npz`` arrays with a JSON ``meta`` record.

The record holds ``digest``, :func:`qwem.digests.array_digest` of the arrays, and
``made_by``, the rule and command that wrote the file; :func:`load` checks
the arrays against it (the zip's CRC catches a flipped byte, the digest a
file rewritten with other arrays).
"""

from __future__ import annotations

import contextlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from qwem.cooccur.pairs import PairCounts
from qwem.digests import array_digest, rebuild_advice, verify_digest
from qwem.errors import QwemInputError
from qwem.io import provenance, save_npz

#: the arrays of a counts file, in the order they are written and digested
ARRAYS = ("keys", "weighted", "unweighted", "unigram")
#: the producers of counts files, as a digest mismatch names them
COUNT_MADE_BY = "rule cooccur_count (qwem cooccur count)"
MERGE_MADE_BY = "rule cooccur_merge (qwem cooccur merge)"


def save(
    path: str | Path,
    counts: PairCounts,
    params: dict[str, Any],
    *,
    wall_seconds: dict[str, float] | None = None,
    made_by: str = COUNT_MADE_BY,
) -> None:
    """Write counts as ``.npz`` (uncompressed) with a JSON ``meta`` entry.

    ``wall_seconds`` (job -> seconds: 'count', summed over shards, and
    'merge') goes into the meta record, where M*'s cost is read from;
    ``made_by`` names the writer in the record, for readers' errors.
    """
    arrays = {
        "keys": counts.keys,
        "weighted": counts.weighted,
        "unweighted": counts.unweighted,
        "unigram": counts.unigram,
    }
    meta = {
        **provenance(params),
        "wall_seconds": dict(wall_seconds or {}),
        "vocab_size": counts.vocab_size,
        "context_length": counts.context_length,
        "weighting": counts.weighting,
        "documents": counts.documents,
        "tokens": counts.tokens,
        "pairs": counts.pairs,
        "distinct_pairs": int(counts.keys.size),
        "fingerprint": counts.fingerprint(),
        "made_by": made_by,
        "digest": array_digest(arrays),
    }
    save_npz(path, meta, **arrays)


def load(path: str | Path) -> PairCounts:
    """Read counts written by :func:`save`, checked against the digest in its
    record; naming the file and its writer if it is corrupt."""
    meta = read_meta(path)
    with _readable(path), np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in ARRAYS}
    expected = meta.get("digest")
    verify_digest(
        path,
        expected,
        made_by=made_by(path, meta),
        actual=array_digest(arrays) if expected is not None else None,
    )
    with _readable(path):
        return PairCounts(
            meta["vocab_size"],
            meta["context_length"],
            meta["weighting"],
            arrays["keys"],
            arrays["weighted"],
            arrays["unweighted"],
            arrays["unigram"],
            meta["documents"],
        )


def read_meta(path: str | Path) -> dict[str, Any]:
    """The ``meta`` record of a counts file, naming the file if it is corrupt."""
    with _readable(path), np.load(path, allow_pickle=False) as z:
        meta: dict[str, Any] = json.loads(str(z["meta"]))
    return meta


def made_by(path: str | Path, meta: dict[str, Any] | None = None) -> str:
    """The rule and command that wrote a counts file (from its record, or
    its name: shards are ``part-*.npz``)."""
    if meta and meta.get("made_by"):
        return str(meta["made_by"])
    return COUNT_MADE_BY if Path(path).name.startswith("part-") else MERGE_MADE_BY


@contextlib.contextmanager
def _readable(path: str | Path) -> Iterator[None]:
    """Turn a failure to read the counts file into an error that names it."""
    try:
        yield
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise QwemInputError(
            f"{path}: unreadable co-occurrence counts written by {made_by(path)} "
            f"({exc!r}); " + rebuild_advice(path)
        ) from exc
