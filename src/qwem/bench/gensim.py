"""Convergence of the gensim baseline: analogy accuracy against epochs.

gensim's skip-gram on the demo corpus (bundled, V = 5,000, d = 100, L = 16,
5 negatives, alpha 0.025 -> 1e-4, one worker: bitwise reproducible, seed 0)
for each subsampling threshold of ``grid`` and each of its epoch counts.
Every point is a separate full run with that many epochs: the learning rate
decays linearly over the whole run, so epoch e of a longer run is not an
e-epoch run. Per point: protocol (a) accuracy on the Google
analogies, wall seconds of training (and of the whole call: vocabulary,
expected pair count, training), words trained on and pair updates.

Per threshold, ``converged_epochs`` is the smallest E of the grid whose run
and the (E + 1)-epoch run differ by less than ``tolerance`` in accuracy (the
issue's criterion: one more epoch changes the accuracy by < 1 point); None
when no such pair was measured. The default grid takes about 45 minutes of
one core, so the stage is not in the default set.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qwem import baseline, evaluate
from qwem.bench.common import report
from qwem.bench.cooccur import demo_shards

EPOCHS = (1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 15, 16, 20, 21)
#: sample -> epoch counts; 1e-5 keeps few tokens per epoch and needs more
GRID: dict[float, tuple[int, ...]] = {
    1e-5: (*EPOCHS, 30, 31, 40, 41),
    1e-4: EPOCHS,
    1e-3: EPOCHS,
}
TOLERANCE = 0.01


def converged_epochs(
    rows: Sequence[dict[str, Any]], sample: float, tolerance: float
) -> int | None:
    """Smallest E with |acc(E + 1) - acc(E)| < tolerance among rows of ``sample``."""
    acc = {r["epochs"]: r["analogy_accuracy"] for r in rows if r["sample"] == sample}
    for e in sorted(acc):
        if e + 1 in acc and abs(acc[e + 1] - acc[e]) < tolerance:
            return e
    return None


def run(
    *,
    vocab_size: int = 5_000,
    dim: int = 100,
    window: int = 16,
    grid: Mapping[float, Sequence[int]] = GRID,
    tolerance: float = TOLERANCE,
) -> Path:
    """Train every (sample, epochs) point; write results/bench/gensim.json."""
    words, shards = demo_shards(vocab_size=vocab_size)
    questions = evaluate.load_analogies()
    rows: list[dict[str, Any]] = []
    for sample, epochs in grid.items():
        for n_epochs in epochs:
            cfg = baseline.GensimConfig(
                dim=dim,
                window=window,
                negative=5,
                sample=sample,
                alpha=0.025,
                min_alpha=1e-4,
                epochs=n_epochs,
                seed=0,
                threads=1,
            )
            start = time.perf_counter()
            result = baseline.train_gensim(shards, words, cfg, evaluate=None)
            total = time.perf_counter() - start
            acc, _ = evaluate.analogy_accuracy(result.vectors, words, questions)
            last = result.trace.iloc[-1]
            rows.append(
                {
                    "sample": sample,
                    "epochs": n_epochs,
                    "analogy_accuracy": acc,
                    "seconds": float(last["seconds"]),
                    "total_seconds": total,
                    "effective_words": int(last["effective_words"]),
                    "pair_updates": float(last["pair_updates"]),
                }
            )
            print(rows[-1], flush=True)  # progress of a long benchmark
    return report(
        "gensim",
        rows,
        vocab_size=vocab_size,
        dim=dim,
        window=window,
        tokens=int(sum(t.size for t, _ in shards)),
        tolerance=tolerance,
        converged_epochs={str(s): converged_epochs(rows, s, tolerance) for s in grid},
    )
