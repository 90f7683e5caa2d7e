"""The eigenpairs file ``<target>.eig.npz``: its one writer and its readers.

An uncompressed ``.npz`` with, in this order, ``values`` (k,) float64
eigenvalues (largest first), ``vectors`` (V, k) float64 eigenvectors as
columns, ``residuals`` (k,) ``||M u_k - λ_k u_k||``, ``excluded`` the
eigenvalues among the top k that are not positive (left out of
W = U Λ^{1/2}, docs/method.md#models) and ``meta``, a 0-d string array
holding a JSON object (provenance, Frobenius norm, solver, timings).

The meta record holds ``digest``, :func:`qwem.digests.array_digest` of the four
arrays, and ``made_by``, the rule and command that wrote it;
:func:`load_eigenpairs` checks the arrays against it (the zip's CRC catches a
flipped byte, the digest a file rewritten with other arrays).

Readers accept files with only ``values`` and ``vectors`` (and the meta
accessor a file with only ``meta``): tests and older tools write those
(without a digest: read with a warning).
"""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from qwem.digests import array_digest, rebuild_advice, verify_digest
from qwem.errors import QwemInputError
from qwem.io import save_npz
from qwem.spectral import Eigenpairs

SUFFIX = ".eig.npz"
#: the arrays of an eigenpairs file, in the order they are written and digested
ARRAYS = ("values", "vectors", "residuals", "excluded")


def made_by(path: str | Path, meta: dict[str, Any] | None = None) -> str:
    """The rule and command that wrote an eigenpairs file: from its record, or
    its folder (``rmt/`` holds the random-matrix basis)."""
    if meta and meta.get("made_by"):
        return str(meta["made_by"])
    if Path(path).parent.name == "rmt":
        return "rule rmt_basis (qwem rmt basis)"
    return "rule spectral_solve (qwem spectral solve)"


def save_eigenpairs(path: str | Path, pairs: Eigenpairs, **meta: Any) -> None:
    """Write ``pairs`` and ``meta`` (a JSON object) to ``path``, atomically.

    ``excluded`` is derived from ``pairs``: its eigenvalues that are not
    positive, in order (as :func:`qwem.spectral.closed_form.embed` leaves out).
    """
    arrays = {
        "values": pairs.values,
        "vectors": pairs.vectors,
        "residuals": pairs.residuals,
        "excluded": pairs.values[~(pairs.values > 0)],
    }
    record = {**meta, "made_by": made_by(path, meta), "digest": array_digest(arrays)}
    save_npz(path, record, **arrays)


def _refuse(path: str | Path, why: str) -> QwemInputError:
    return QwemInputError(
        f"{path}: not a valid eigenpairs file written by {made_by(path)} ({why}); "
        + rebuild_advice(path)
    )


def _read(path: str | Path, keys: tuple[str, ...]) -> dict[str, Any]:
    """The arrays ``keys`` of an ``.npz`` that are present (``values`` etc.)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in keys if k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise _refuse(path, str(exc)) from exc


def _meta(path: str | Path, raw: Any) -> dict[str, Any]:
    try:
        meta = json.loads(str(raw))
    except json.JSONDecodeError as exc:
        raise _refuse(path, f"'meta' is not JSON: {exc}") from exc
    if not isinstance(meta, dict):
        raise _refuse(path, "'meta' is not a JSON object")
    return meta


def load_eigen_meta(path: str | Path) -> dict[str, Any]:
    """The ``meta`` record of an eigenpairs file (a KeyError-free, clear error)."""
    arrays = _read(path, ("meta",))
    if "meta" not in arrays:
        raise _refuse(path, "no 'meta' record")
    return _meta(path, arrays["meta"])


def load_eigenpairs(path: str | Path) -> Eigenpairs:
    """The eigenpairs of ``path``, checked: shapes agree, entries finite.

    ``method`` and ``seconds`` come from the meta record ("unknown" and NaN
    when it has none); missing residuals read as NaN.

    Raises:
        QwemInputError: naming the file, when it is not an eigenpairs file or
            its arrays are not those its writer recorded (digest).
    """
    arrays = _read(path, (*ARRAYS, "meta"))
    meta = _meta(path, arrays["meta"]) if "meta" in arrays else {}
    if meta.get("digest") is not None:
        actual = array_digest({k: arrays[k] for k in ARRAYS if k in arrays})
        verify_digest(path, meta["digest"], made_by=made_by(path, meta), actual=actual)
    elif "meta" in arrays:  # tests and older tools write files without a record
        verify_digest(path, None, made_by=made_by(path, meta))
    for key in ("values", "vectors"):
        if key not in arrays:
            raise _refuse(path, f"no {key!r} array")
    try:
        values = np.asarray(arrays["values"], dtype=np.float64)
        vectors = np.asarray(arrays["vectors"], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise _refuse(path, f"non-numeric arrays: {exc}") from exc
    if values.ndim != 1 or vectors.ndim != 2 or vectors.shape[1] != values.size:
        raise _refuse(
            path,
            f"{values.shape} eigenvalues for eigenvectors of shape {vectors.shape}",
        )
    if not (np.isfinite(values).all() and np.isfinite(vectors).all()):
        raise _refuse(path, "non-finite eigenvalues or eigenvectors")
    residuals = np.full(values.shape, np.nan)
    if "residuals" in arrays:
        residuals = np.asarray(arrays["residuals"], dtype=np.float64)
        if residuals.shape != values.shape:
            raise _refuse(path, f"residuals of shape {residuals.shape}")
    return Eigenpairs(
        values,
        vectors,
        residuals,
        str(meta.get("method", "unknown")),
        float(meta.get("seconds", np.nan)),
    )


def target_name(path: str | Path) -> str:
    """A target's name from its file: ``.../M_star.eig.npz`` -> ``M_star``."""
    return Path(path).name.split(".")[0]
