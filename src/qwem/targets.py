"""Probabilities and the V x V targets built from co-occurrence counts.

See docs/method.md#corpus-statistics and docs/method.md#targets.

* ``P_i = count_i / sum_k count_k`` over in-vocabulary tokens;
* ``P_ij = C_ij / (wbar * sum_ab N_ab)`` with ``wbar`` the mean distance weight
  over k = 1..L ((L + 1) / 2 for word2vec's linear weights), the paper's
  normalisation. ``sum P_ij`` is then the mean weight of the pairs actually
  counted divided by ``wbar`` (:func:`normalisation`): exactly 1 when no
  window is cut short by a document end, above 1 otherwise, because a cut
  window loses its far pairs, which weigh least;
* ``M*_ij = 2 (P_ij - ν P_i P_j) / (P_ij + ν P_i P_j)`` in [-2, 2], ν the weight
  of the negative pairs (1 in the paper's main runs); defined for every pair
  because every vocabulary word occurs (P_i > 0): unseen pairs give -2;
* ``PMI_ij = log(P_ij / (P_i P_j) + 1e-25)`` (the floor makes unseen pairs
  finite, about -57.6), ``PPMI = max(PMI, 0)`` (unseen pairs 0);
* ``SGNS_ij = log(P_ij / (ν P_i P_j) + e^-5)``, the target of the omniscient
  SGNS variant;
* ``G_ij = P_ij + ν P_i P_j``, the weighting that Setting 3.1 cancels.

Everything is float64. The V x V outputs are written row block by row block
(sequential appends to ``.npy`` files), so only P and one block of each target
are in memory at a time.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from qwem.cooccur import PairCounts, distance_weights, unpack_keys
from qwem.errors import QwemConfigError, QwemInputError
from qwem.io import atomic_path, save_npy
from qwem.runtime import check_memory, progress

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]
PMI_FLOOR = 1e-25
SGNS_SHIFT = float(np.exp(-5.0))
#: file stem -> function of (P_ij block, P_i of the block's rows, P_i, ν)
Target = Callable[[F64, F64, F64, float], F64]
TARGETS: dict[str, Target] = {}


_F = TypeVar("_F", bound=Target)


def _target(name: str) -> Callable[[_F], _F]:
    def register(fn: _F) -> _F:
        TARGETS[name] = fn
        return fn

    return register


def unigram_probs(unigram: NDArray[np.int64]) -> F64:
    """P_i from token counts; every vocabulary word must occur."""
    if unigram.size and unigram.min() <= 0:
        missing = int((unigram <= 0).sum())
        raise QwemInputError(
            f"{missing} vocabulary words never occur in the token shards, so P_i = 0 "
            "and M* is undefined; rebuild the vocabulary and shards together"
        )
    return unigram / unigram.sum()


def pair_probs(counts: PairCounts) -> F64:
    """Dense symmetric (V, V) P_ij = C_ij / (mean weight x sum N)."""
    V = counts.vocab_size
    w = distance_weights(counts.context_length, counts.weighting)
    mean_w = w[1:].mean()
    total_n = 2.0 * counts.pairs  # sum over the symmetric N
    lo, hi = unpack_keys(counts.keys)
    c = counts.weighted.astype(np.float64) / (mean_w * total_n)
    p = np.zeros((V, V), dtype=np.float64)
    p[lo, hi] += c
    p[hi, lo] += c  # the diagonal gets 2 c: both C[i, j] and C[j, i] are C[i, i]
    return p


def normalisation(counts: PairCounts) -> dict[str, float]:
    """How far ``sum P_ij`` is from 1, and why: the mean weight of the counted pairs.

    Args:
        counts: the co-occurrence counts.

    Returns:
        ``nominal_pair_weight`` (mean distance weight over k = 1..L, the
        denominator of P_ij: (L + 1) / 2 for linear weights),
        ``mean_pair_weight`` (sum C / sum N over the pairs counted) and
        ``pair_weight_ratio``, their ratio, which equals ``sum P_ij`` up to
        rounding.
    """
    nominal = float(
        distance_weights(counts.context_length, counts.weighting)[1:].mean()
    )
    pairs = counts.pairs
    mean = float(counts.weighted.sum()) / pairs if pairs else float("nan")
    return {
        "nominal_pair_weight": nominal,
        "mean_pair_weight": mean,
        "pair_weight_ratio": mean / nominal,
    }


@_target("P_ij")
def _p(p_ij: F64, p_row: F64, p_col: F64, nu: float) -> F64:
    return p_ij


@_target("M_star")
def m_star(p_ij: F64, p_row: F64, p_col: F64, nu: float) -> F64:
    """M* = 2 (P_ij - ν P_i P_j) / (P_ij + ν P_i P_j), the QWEM target."""
    outer = nu * np.outer(p_row, p_col)
    return 2.0 * (p_ij - outer) / (p_ij + outer)


@_target("pmi")
def pmi(p_ij: F64, p_row: F64, p_col: F64, nu: float) -> F64:
    """PMI = log(P_ij / (P_i P_j) + 1e-25) (a baseline: no ν)."""
    return np.log(p_ij / np.outer(p_row, p_col) + PMI_FLOOR)


@_target("ppmi")
def ppmi(p_ij: F64, p_row: F64, p_col: F64, nu: float) -> F64:
    """PPMI = max(PMI, 0) (a baseline: no ν)."""
    return np.maximum(pmi(p_ij, p_row, p_col, nu), 0.0)


@_target("sgns")
def sgns_target(p_ij: F64, p_row: F64, p_col: F64, nu: float) -> F64:
    """log(P_ij / (ν P_i P_j) + e^-5), the omniscient SGNS target."""
    return np.log(p_ij / (nu * np.outer(p_row, p_col)) + SGNS_SHIFT)


@_target("G")
def g_matrix(p_ij: F64, p_row: F64, p_col: F64, nu: float) -> F64:
    """G = P_ij + ν P_i P_j."""
    return p_ij + nu * np.outer(p_row, p_col)


def write_targets(
    counts: PairCounts,
    outputs: dict[str, Path],
    *,
    negative_weight: float,
    block_rows: int = 512,
) -> dict[str, Any]:
    """Write P_i (``unigram``) and every target in ``outputs`` (stem -> path).

    ``negative_weight`` is ν of M*, G and the SGNS target. Returns summary
    numbers for ``stats.json``: sum of P_ij and why it is not 1
    (:func:`normalisation`), M* range, the fraction of pairs never seen, ν.
    """
    if not negative_weight > 0:
        raise QwemConfigError(
            f"targets.negative_weight must be > 0, got {negative_weight}"
        )
    unknown = set(outputs) - set(TARGETS) - {"unigram"}
    if unknown:
        raise ValueError(f"unknown targets {sorted(unknown)}")
    p_i = unigram_probs(counts.unigram)
    p = pair_probs(counts)
    V = counts.vocab_size
    names = [n for n in outputs if n != "unigram"]
    summary: dict[str, Any] = {
        **normalisation(counts),
        "sum_P_ij": float(p.sum()),
        "unseen_pair_fraction": float((p == 0).mean()),
        "negative_weight": negative_weight,
    }
    with _row_writers({n: outputs[n] for n in names}, V) as writers:
        lo_m, hi_m = np.inf, -np.inf
        for r0 in progress(range(0, V, block_rows), desc="targets", unit="block"):
            rows = slice(r0, min(V, r0 + block_rows))
            for name in names:
                block = TARGETS[name](p[rows], p_i[rows], p_i, negative_weight)
                writers[name].append(block)
                if name == "M_star":
                    lo_m, hi_m = min(lo_m, block.min()), max(hi_m, block.max())
    if "unigram" in outputs:  # last, so a failure above leaves no output at all
        save_npy(outputs["unigram"], p_i)
    if "M_star" in names:
        summary["M_star_min"], summary["M_star_max"] = float(lo_m), float(hi_m)
    return summary


class _RowWriter:
    """Appends row blocks of a (V, V) float64 array to an ``.npy`` file.

    Rows are contiguous in C order, so blocks are plain sequential writes: the
    file never has to be mapped into memory.
    """

    def __init__(self, fh: Any, V: int) -> None:
        header = {"descr": "<f8", "fortran_order": False, "shape": (V, V)}
        np.lib.format.write_array_header_2_0(fh, header)
        self.fh = fh

    def append(self, block: F64) -> None:
        """Write the next rows."""
        self.fh.write(np.ascontiguousarray(block, dtype="<f8").tobytes())


@contextlib.contextmanager
def _row_writers(paths: dict[str, Path], V: int) -> Iterator[dict[str, _RowWriter]]:
    """Row-block writers at temporary paths, moved into place on success."""
    with contextlib.ExitStack() as stack:
        writers = {}
        for name, path in paths.items():
            fh = stack.enter_context(open(stack.enter_context(atomic_path(path)), "wb"))
            writers[name] = _RowWriter(fh, V)
        yield writers


#: Bytes per entry of P_ij held at the peak of :func:`write_targets`: P_ij
#: (float64, 8) and the unseen-pair mask of its summary (bool, 1).
DENSE_BYTES_PER_ENTRY = 9
#: Row blocks of one target alive at once in :func:`write_targets` (the block,
#: the outer product P_i P_j and the numerator/denominator temporaries).
LIVE_BLOCKS = 5
#: Interpreter, numpy and the writers' buffers, MiB (measured: 60-70).
BASE_MB = 100.0


def memory_needed_mb(
    vocab_size: int, *, counts_mb: float = 0.0, block_rows: int = 512
) -> float:
    """Peak memory of ``qwem targets build``, MiB.

    Held at once (:func:`write_targets`, docs/method.md#corpus-statistics): the
    dense float64 P_ij (8 V^2 bytes) and its unseen-pair mask (V^2 bytes),
    :data:`LIVE_BLOCKS` float64 row blocks of ``block_rows`` x V, and the
    counts twice over (the loaded arrays and :func:`pair_probs`'s index and
    value temporaries; ``counts_mb`` is the counts file's size, 0 when
    planning, before the counts exist). The V x V targets themselves are
    streamed to disk block by block.

    Measured peak RSS above the loaded interpreter (``tests/tools/peak_memory.py
    targets V``: synthetic counts of 2 M tokens, L = 4, most pairs seen):
    V = 2,000: 129 MiB (model 258 with :data:`BASE_MB`); V = 4,000: 328 MiB
    (model 521). At V = 50,000 the model gives 22,535 MiB + 2 x the counts.
    """
    V = vocab_size
    dense = DENSE_BYTES_PER_ENTRY * V * V
    blocks = LIVE_BLOCKS * 8 * min(block_rows, V) * V
    return (dense + blocks) / 2**20 + 2 * counts_mb + BASE_MB


#: What a user can do when the targets do not fit.
MEMORY_FIXES = (
    "lower vocab_size (the V x V targets are dense float64), or run the job on "
    "a node with more memory (raise resources.max_memory_mb and the profile's "
    "mem_mb for targets_build); the targets have no sparse path"
)


#: the files of ``qwem targets build``, in order (stem of ``<outdir>/<stem>.npy``)
TARGET_FILES = ("unigram", "P_ij", "M_star", "pmi", "ppmi", "sgns", "G")
#: their producer, as a reader's digest mismatch names it
TARGETS_MADE_BY = "rule targets_build (qwem targets build)"


def build_targets(
    counts_path: Path,
    outdir: Path,
    stats: Path,
    *,
    negative_weight: float,
    config_fingerprint: str,
    max_memory_mb: float | None = None,
) -> dict[str, Any]:
    """P_i, P_ij and every target of a counts file, and ``stats.json``.

    Refuses first (:class:`~qwem.errors.QwemResourceError`) when
    :func:`memory_needed_mb` exceeds the memory the job may use
    (:func:`qwem.runtime.check_memory`; ``max_memory_mb`` an explicit cap).

    Writes ``<outdir>/<stem>.npy`` for each of :data:`TARGET_FILES`
    (docs/method.md#targets) and the statistics: corpus totals, the files,
    the wall time of every job so far, and :func:`write_targets`'s summary,
    which it returns.
    """
    import time

    from qwem import cooccur
    from qwem.digests import write_sealed_meta
    from qwem.io import provenance, write_json

    start = time.perf_counter()
    V = int(cooccur.read_meta(counts_path)["vocab_size"])
    check_memory(
        f"targets for V = {V:,}",
        memory_needed_mb(V, counts_mb=counts_path.stat().st_size / 2**20),
        fixes=MEMORY_FIXES,
        limit_mb=max_memory_mb,
    )
    counts = cooccur.load(counts_path)
    outputs = {name: outdir / f"{name}.npy" for name in TARGET_FILES}
    summary = write_targets(counts, outputs, negative_weight=negative_weight)
    for path in outputs.values():  # each file's digest, which its readers check
        write_sealed_meta(path, {"counts": str(counts_path)})
    meta = cooccur.read_meta(counts_path)
    # wall time of every job so far: counting (all shards), merge, targets
    seconds = {**meta.get("wall_seconds", {}), "targets": time.perf_counter() - start}
    record = {"counts": str(counts_path), "config": config_fingerprint}
    write_json(
        stats,
        {
            **provenance(record),
            "V": counts.vocab_size,
            "L": counts.context_length,
            "weighting": counts.weighting,
            "tokens": counts.tokens,
            "documents": counts.documents,
            "pairs": counts.pairs,
            "distinct_pairs": int(counts.keys.size),
            "corpus_fingerprint": meta["fingerprint"],
            "files": {name: path.name for name, path in outputs.items()},
            "wall_seconds": seconds,
            **summary,
        },
    )
    logger.info("targets written: %s", summary)
    logger.info(
        "sum P_ij = %.6f: the counted pairs weigh %.4f on average against the "
        "nominal %.4f of P_ij's denominator (windows cut short by document ends "
        "lose their far, light pairs)",
        summary["sum_P_ij"],
        summary["mean_pair_weight"],
        summary["nominal_pair_weight"],
    )
    return summary
