"""The counts file: ``.npz`` arrays with a JSON ``meta`` record."""

from __future__ import annotations

import contextlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from qwem.cooccur.pairs import PairCounts
from qwem.errors import QwemInputError
from qwem.io import provenance, save_npz


def save(
    path: str | Path,
    counts: PairCounts,
    params: dict[str, Any],
    *,
    wall_seconds: dict[str, float] | None = None,
) -> None:
    """Write counts as ``.npz`` (uncompressed) with a JSON ``meta`` entry.

    ``wall_seconds`` (job -> seconds: 'count', summed over shards, and
    'merge') goes into the meta record, where M*'s cost is read from.
    """
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
    }
    save_npz(
        path,
        meta,
        keys=counts.keys,
        weighted=counts.weighted,
        unweighted=counts.unweighted,
        unigram=counts.unigram,
    )


def load(path: str | Path) -> PairCounts:
    """Read counts written by :func:`save`, naming the file if it is corrupt."""
    meta = read_meta(path)
    with _readable(path), np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in ("keys", "weighted", "unweighted", "unigram")}
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


@contextlib.contextmanager
def _readable(path: str | Path) -> Iterator[None]:
    """Turn a failure to read the counts file into an error that names it."""
    try:
        yield
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise QwemInputError(
            f"{path}: unreadable co-occurrence counts ({exc!r}); delete it and rerun"
        ) from exc
