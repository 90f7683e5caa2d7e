"""Co-occurrence counting and the statistics stage on a text8-sized stream.

The stream is the bundled (demo) corpus tokenised at V = 10,000 and repeated,
document by document, to 17,005,207 tokens (text8's size); L = 16. Measured
side by side in one run:

* pair updates per second per core of :func:`qwem.cooccur.count` (one process,
  one shard) and of the straightforward compiled loop that updates C[i, j],
  C[j, i], N[i, j], N[j, i] in float64 for every pair (allocation included in
  both, as a user would run them);
* wall time of the counting stage as the pipeline runs it (``qwem cooccur
  count`` processes) on 1 shard and on 2 shards in parallel, then the merge and
  the targets (tokens -> M*), with each step's peak memory.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from qwem import cooccur, vocab
from qwem.bench.common import report
from qwem.cooccur import kernels
from qwem.corpus import dump, sources

TEXT8_TOKENS = 17_005_207


@functools.lru_cache(maxsize=2)
def demo_shards(
    *, vocab_size: int
) -> tuple[list[str], list[tuple[np.ndarray, np.ndarray]]]:
    """The bundled corpus at ``vocab_size``: the words and two (tokens, offsets).

    Extracted once per process and size (the extraction takes seconds); the
    arrays are shared between callers, which must not modify them.
    """
    with tempfile.TemporaryDirectory(dir=".") as name:
        sample, vital = Path(name, "sample.txt.gz"), Path(name, "vital.txt.gz")
        dump.extract_dump(
            sources.dump_sample_path(), sample, min_article_words=50, threads=2
        )
        sources.extract_summaries(sources.vital_summaries_path(), vital, min_words=10)
        counts = vocab.count_words(sample, digits="spell") + vocab.count_words(
            vital, digits="spell"
        )
        import pandas as pd

        words = list(
            vocab.select_vocabulary(pd.Series(dict(counts)), size=vocab_size)["word"]
        )
        parts = [vocab.tokenize_part(p, words, digits="spell") for p in (sample, vital)]
    return words, [(s.tokens, s.offsets) for s in parts]


def demo_stream(*, vocab_size: int, tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """The bundled corpus at ``vocab_size``, repeated to ``tokens`` tokens."""
    _, shards = demo_shards(vocab_size=vocab_size)
    base_tok = np.concatenate([t for t, _ in shards])
    base_len = np.concatenate([np.diff(o) for _, o in shards])
    if tokens <= 0:  # the corpus as it is, not repeated
        return base_tok, np.concatenate(([0], np.cumsum(base_len))).astype(np.int64)
    reps = -(-tokens // base_tok.size)
    tok = np.tile(base_tok, reps)[:tokens]
    lengths = np.tile(base_len, reps)
    ends = np.cumsum(lengths)
    keep = int(np.searchsorted(ends, tokens))  # the document that crosses the end
    lengths = lengths[: keep + 1]
    lengths[-1] -= int(ends[keep] - tokens)
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    return tok, offsets


def demo_corpus(
    vocab_size: int, context_length: int
) -> tuple[np.ndarray, np.ndarray, cooccur.PairCounts]:
    """The bundled corpus (not repeated) at this V: tokens, offsets, exact counts."""
    tok, off = demo_stream(vocab_size=vocab_size, tokens=0)
    return (
        tok,
        off,
        cooccur.count(
            tok,
            off,
            vocab_size=vocab_size,
            context_length=context_length,
            weighting="linear",
            max_memory_mb=1e9,
            method="auto",
        ),
    )


def _in_process(
    tok: np.ndarray, off: np.ndarray, V: int, L: int
) -> list[dict[str, Any]]:
    pairs, _ = cooccur.pair_totals(off, L, "linear")
    small = (tok[:1000], np.array([0, 1000], np.int64))
    cooccur.count(
        *small,
        vocab_size=V,
        context_length=L,
        weighting="linear",
        max_memory_mb=1e9,
        method="auto",
    )  # compile outside the timing
    kernels.baseline_float64(*small, L, np.zeros((V, V)), np.zeros((V, V)))

    def counter(method: str) -> Callable[[], cooccur.PairCounts]:
        """The whole stream counted by qwem's ``method`` path."""
        return lambda: cooccur.count(
            tok,
            off,
            vocab_size=V,
            context_length=L,
            weighting="linear",
            max_memory_mb=1e9,
            method=method,
        )

    contenders = (
        (
            "qwem counter (dense, packed, prefetch)",
            counter("dense"),
        ),
        (
            "straightforward float64 loop",
            lambda: kernels.baseline_float64(
                tok, off, L, np.zeros((V, V)), np.zeros((V, V))
            ),
        ),
        (
            "qwem counter (sparse path)",
            counter("sparse"),
        ),
    )
    best = dict.fromkeys((name for name, _ in contenders), float("inf"))
    for _ in range(3):  # interleaved, so a noisy moment hits every contender
        for name, fn in contenders:
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    rows = [
        {"step": name, "seconds": secs, "pair_updates_per_s_per_core": pairs / secs}
        for name, secs in best.items()
    ]
    return rows


def timed_procs(cmds: list[list[str]]) -> tuple[float, list[float]]:
    """Run commands in parallel: wall seconds and each one's peak RSS (MiB).

    The peak comes from GNU time (``/usr/bin/time -f %M``), which forks each
    command from a small process; a child of this (large) process would report
    the parent's pages as its own. Without GNU time the list is empty.
    """
    gnu_time = shutil.which("time", path="/usr/bin")
    with tempfile.TemporaryDirectory() as tmp:
        files = [Path(tmp, f"{i}.rss") for i in range(len(cmds))]
        if gnu_time:
            cmds = [
                [gnu_time, "-f", "%M", "-o", str(f), *c]
                for f, c in zip(files, cmds, strict=True)
            ]
        start = time.perf_counter()
        with tempfile.TemporaryFile() as errors:
            procs = [
                subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=errors)
                for c in cmds
            ]
            codes = [p.wait() for p in procs]
            wall = time.perf_counter() - start
            if any(codes):
                errors.seek(0)
                raise RuntimeError(errors.read().decode()[-2000:])
        peaks = [int(f.read_text().split()[-1]) / 1024.0 for f in files if f.exists()]
    return wall, peaks


def _peak(result: tuple[float, list[float]]) -> tuple[float, float | None]:
    """(wall, the largest peak or None) of :func:`timed_procs`."""
    wall, peaks = result
    return wall, max(peaks, default=None)


QWEM = [sys.executable, "-m", "qwem"]


def count_command(
    tokens: Path, offsets: Path, out: Path, vocab_size: int, context_length: int
) -> list[str]:
    """``qwem cooccur count`` of one shard, as the pipeline's rule runs it."""
    return [
        *QWEM,
        "cooccur",
        "count",
        str(tokens),
        str(offsets),
        "--out",
        str(out),
        "--vocab-size",
        str(vocab_size),
        "--context-length",
        str(context_length),
        "--weighting",
        "linear",
        "--max-memory-mb",
        "12000",
        "--method",
        "auto",
    ]


def merge_command(parts: list[Path], out: Path) -> list[str]:
    """``qwem cooccur merge`` of every shard's counts."""
    return [*QWEM, "cooccur", "merge", *map(str, parts), "--out", str(out)]


def targets_command(counts: Path, workdir: Path) -> list[str]:
    """``qwem targets build`` into ``workdir``/stats (ν = 1)."""
    return [
        *QWEM,
        "targets",
        "build",
        str(counts),
        "--outdir",
        str(workdir / "stats"),
        "--stats",
        str(workdir / "stats.json"),
        "--config-fingerprint",
        "bench",
        "--negative-weight",
        "1",
    ]


def _stage(
    tmp: Path, tok: np.ndarray, off: np.ndarray, V: int, L: int
) -> list[dict[str, Any]]:
    half = int(np.searchsorted(off, off[-1] // 2))
    shards = {"1": [(0, off.size - 1)], "2": [(0, half), (half, off.size - 1)]}
    rows = []
    for n, ranges in shards.items():
        cmds = []
        for i, (d0, d1) in enumerate(ranges):
            t, o = tmp / f"s{n}-{i}.npy", tmp / f"s{n}-{i}.offsets.npy"
            np.save(t, tok[off[d0] : off[d1]])
            np.save(o, off[d0 : d1 + 1] - off[d0])
            cmds.append(count_command(t, o, tmp / f"c{n}-{i}.npz", V, L))
        wall, rss = _peak(timed_procs(cmds))
        rows.append(
            {
                "step": f"count, {n} shard(s) in parallel",
                "seconds": wall,
                "peak_mb": rss,
            }
        )
    parts = [tmp / f"c2-{i}.npz" for i in range(2)]
    wall, rss = _peak(timed_procs([merge_command(parts, tmp / "counts.npz")]))
    rows.append({"step": "merge 2 shards", "seconds": wall, "peak_mb": rss})
    wall, rss = _peak(timed_procs([targets_command(tmp / "counts.npz", tmp)]))
    rows.append(
        {"step": "targets (P, M*, PMI, PPMI, SGNS, G)", "seconds": wall, "peak_mb": rss}
    )
    return rows


def run(*, vocab_size: int = 10_000, context_length: int = 16) -> Path:
    """Run the co-occurrence benchmark; write results/bench/cooccur.json."""
    with tempfile.TemporaryDirectory(dir=".") as name:
        tmp = Path(name)
        tok, off = demo_stream(vocab_size=vocab_size, tokens=TEXT8_TOKENS)
        rows = _in_process(tok, off, vocab_size, context_length)
        ratio = (
            rows[0]["pair_updates_per_s_per_core"]
            / rows[1]["pair_updates_per_s_per_core"]
        )
        stage = _stage(tmp, tok, off, vocab_size, context_length)
    count2, merge, targets = (
        stage[1]["seconds"],
        stage[2]["seconds"],
        stage[3]["seconds"],
    )
    pairs, _ = cooccur.pair_totals(off, context_length, "linear")
    return report(
        "cooccur",
        rows + stage,
        vocab_size=vocab_size,
        context_length=context_length,
        tokens=int(tok.size),
        documents=int(off.size - 1),
        pairs=pairs,
        speedup_vs_straightforward=round(ratio, 2),
        count_2_shards_plus_merge_s=round(count2 + merge, 2),
        statistics_stage_s=round(count2 + merge + targets, 2),
    )
