"""Counting at the paper's scale: 10⁹ tokens through count -> merge -> targets.

The bundled corpus at V = 10,000, tokenised as the pipeline does, is written
as ``parts`` token shards of ``tokens / parts`` tokens each, the layout the
paper profile counts (``corpus/tokens/part-<part>.npy`` and its offsets, one
``qwem cooccur count`` job per part); each part is the corpus's documents
repeated from a different starting document, cut at the part's size. The
jobs run as the pipeline runs them, ``parallel`` at a time (2 on this
machine: one per core), then one ``qwem cooccur merge`` of every part and
``qwem targets build``. Per step: wall time and each job's peak resident
memory (GNU time's ``%M``; the largest over the count jobs).

Exactness, checked on the files: the merged file's pairs and weight sum equal
the totals the document lengths give (``pair_totals``, Python integers), and
equal the sums over the part files; its tokens are ``tokens``; and its cells
equal a dense int64 reference built independently from the part files
(``np.add.at`` over every part's keys, not the merge's sorted walk). Reported
too: the largest cell's count and how many cells pass 2²⁴ (float32's exact
integers end there; the counts are int64 throughout).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from qwem import cooccur
from qwem.bench.common import report
from qwem.bench.cooccur import (
    count_command,
    demo_shards,
    merge_command,
    targets_command,
    timed_procs,
)
from qwem.cooccur.pairs import tri_size


def write_parts(
    workdir: Path, *, vocab_size: int, tokens: int, parts: int
) -> list[tuple[Path, Path]]:
    """``parts`` shards of the bundled corpus, ``tokens`` in all (module doc)."""
    _, shards = demo_shards(vocab_size=vocab_size)
    base = np.concatenate([t for t, _ in shards])
    lengths = np.concatenate([np.diff(o) for _, o in shards])
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    out = []
    for p in range(parts):
        size = tokens // parts + (p < tokens % parts)
        first = (p * lengths.size) // parts  # each part starts at its own document
        order = np.roll(np.arange(lengths.size), -first)
        reps = -(-size // base.size) + 1
        docs = np.tile(order, reps)
        ends = np.cumsum(lengths[docs])
        n = int(np.searchsorted(ends, size)) + 1  # documents up to the one that crosses
        doc_len = lengths[docs[:n]].copy()
        doc_len[-1] -= int(ends[n - 1] - size)
        tok = np.concatenate(
            [
                base[starts[d] : starts[d] + k]
                for d, k in zip(docs[:n], doc_len, strict=True)
            ]
        )
        off = np.concatenate(([0], np.cumsum(doc_len))).astype(np.int64)
        t, o = workdir / f"part-{p:03d}.npy", workdir / f"part-{p:03d}.offsets.npy"
        np.save(t, tok)
        np.save(o, off)
        out.append((t, o))
    return out


def exactness(
    merged_path: Path, part_files: list[Path], offsets: list[Path], vocab_size: int
) -> dict[str, Any]:
    """The checks of the module docstring; ``exact`` is True when all pass."""
    merged = cooccur.load(merged_path)
    L, weighting = merged.context_length, merged.weighting
    pairs = weight = 0
    for o in offsets:
        p, w = cooccur.pair_totals(np.load(o), L, weighting)
        pairs, weight = pairs + p, weight + w
    ref_w = np.zeros(tri_size(vocab_size), np.int64)
    ref_n = np.zeros(tri_size(vocab_size), np.int64)
    part_pairs = part_weight = part_tokens = 0
    for f in part_files:
        part = cooccur.load(f)
        np.add.at(ref_w, part.keys.astype(np.int64), part.weighted)
        np.add.at(ref_n, part.keys.astype(np.int64), part.unweighted)
        part_pairs += part.pairs
        part_weight += int(part.weighted.sum())
        part_tokens += part.tokens
    keys = np.flatnonzero(ref_n)
    checks = {
        "pairs_equal_document_totals": merged.pairs == pairs,
        "weight_equals_document_totals": int(merged.weighted.sum()) == weight,
        "pairs_equal_sum_over_parts": merged.pairs == part_pairs,
        "weight_equals_sum_over_parts": int(merged.weighted.sum()) == part_weight,
        "tokens_equal_sum_over_parts": merged.tokens == part_tokens,
        "cells_equal_dense_reference": bool(
            np.array_equal(merged.keys.astype(np.int64), keys)
            and np.array_equal(merged.weighted, ref_w[keys])
            and np.array_equal(merged.unweighted, ref_n[keys])
        ),
    }
    return {
        **checks,
        "exact": all(checks.values()),
        "tokens": merged.tokens,
        "pairs": merged.pairs,
        "distinct_pairs": int(merged.keys.size),
        "largest_cell_count": int(merged.unweighted.max()),
        "largest_cell_weighted": int(merged.weighted.max()),
        "cells_past_2_24": int(np.count_nonzero(merged.unweighted > 2**24)),
    }


def run(
    *,
    tokens: int = 10**9,
    parts: int = 25,
    parallel: int = 2,
    vocab_size: int = 10_000,
    context_length: int = 16,
) -> Path:
    """Count ``tokens`` tokens in ``parts`` shards; write its JSON in results/bench."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(dir=".") as name:
        tmp = Path(name)
        start = time.perf_counter()
        files = write_parts(tmp, vocab_size=vocab_size, tokens=tokens, parts=parts)
        rows.append(
            {
                "step": f"write {parts} token parts",
                "seconds": time.perf_counter() - start,
            }
        )
        counts = [tmp / f"counts-{p:03d}.npz" for p in range(parts)]
        commands = [
            count_command(t, o, c, vocab_size, context_length)
            for (t, o), c in zip(files, counts, strict=True)
        ]
        wall, peaks = 0.0, []
        for i in range(0, parts, parallel):
            seconds, batch = timed_procs(commands[i : i + parallel])
            wall += seconds
            peaks += batch
            print(
                f"counted parts {i}..{i + len(batch) - 1}: {seconds:.1f} s", flush=True
            )
        rows.append(
            {
                "step": f"count {parts} parts, {parallel} jobs at a time",
                "seconds": wall,
                "peak_mb_per_job": max(peaks, default=None),
            }
        )
        merged = tmp / "counts.npz"
        seconds, peak = timed_procs([merge_command(counts, merged)])
        rows.append(
            {
                "step": f"merge {parts} parts",
                "seconds": seconds,
                "peak_mb_per_job": max(peak, default=None),
            }
        )
        seconds, peak = timed_procs([targets_command(merged, tmp)])
        rows.append(
            {
                "step": "targets (P, M*, PMI, PPMI, SGNS, G)",
                "seconds": seconds,
                "peak_mb_per_job": max(peak, default=None),
            }
        )
        checked = exactness(merged, counts, [o for _, o in files], vocab_size)
    total = sum(r["seconds"] for r in rows[1:])
    return report(
        "cooccur_scale",
        rows,
        tokens=tokens,
        parts=parts,
        parallel=parallel,
        vocab_size=vocab_size,
        context_length=context_length,
        count_merge_targets_s=round(total, 1),
        exactness=checked,
    )
