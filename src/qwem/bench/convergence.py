"""QWEM's convergence to M*'s top-d eigenspace (the training issue's acceptance).

QWEM with Setting 3.1 (``omniscient``) from the paper's small initialisation
(1e-12) on the bundled corpus at the demo's V = 5,000 and d = 100, trained by
the real trainer (:func:`qwem.train.train`, minibatch SGD on pairs sampled
from the token stream, float32) on the best device present. At each of its
log-spaced checkpoints: theory time, the subspace overlap
``(1/k) ||U_k^T V_k||_F^2`` between M*'s top-k eigenvectors and W's top-k left
singular vectors for k = 1, 5, 10, 20, 50 and d, W's top singular values
against sqrt(λ_k), and the order in which modes rise (the step at which
s_k first reaches half of sqrt(λ_k)).

Negatives are shared (64 contexts per step, every word paired with each:
:mod:`qwem.train.sampler`), which cuts the gradient's variance about 16x
against 10,000 independent negative pairs at the same cost per step: the SGD
noise in W's subspace scales with the rate over the gap to the discarded
eigenvalues, so it decays slowest exactly for the modes near d, and gradient
flow itself needs t ~ 0.3 for an overlap of 0.95 at this d (the spectrum is
flat there: λ_100 = 140.27, λ_101 = 140.02). The rate falls in steps: 100
while the modes are learned (theory time t ~ 0.25, about τ_100), then 30,
then 10. About half an hour on two CPU cores.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qwem.bench.common import BENCH_DIR, report
from qwem.bench.train import demo_m_star_pairs, demo_training_corpus
from qwem.evaluate.features import subspace_overlap
from qwem.train import TrainConfig, train

#: (first step, learning rate): the schedule of the acceptance run.
SCHEDULE: tuple[tuple[int, float], ...] = (
    (0, 100.0),
    (30_000, 30.0),
    (90_000, 10.0),
)
STEPS = 150_000
#: shared negative contexts per step (qwem.train.sampler)
SHARED = 64


def run(
    *,
    vocab_size: int = 5_000,
    dim: int = 100,
    batch: int = 20_000,
    steps: int = STEPS,
    schedule: tuple[tuple[int, float], ...] = SCHEDULE,
    shared: int = SHARED,
) -> Path:
    """Train once; write results/bench/convergence.json (and the run's files)."""
    corpus = demo_training_corpus(vocab_size)
    pairs = demo_m_star_pairs(corpus, dim)
    lam = pairs.values
    w_star = pairs.vectors * np.sqrt(lam)  # distinct singular values: top-k = U_k
    cfg = TrainConfig.from_dict(
        {
            "loss": "qwem",
            "reweighting": "omniscient",
            "negative_weight": 1.0,
            "init": 1e-12,
            "lr": schedule,
            "batch_size": batch,
            "shared_negatives": shared,
            "steps": steps,
            "dim": dim,
            "seed": 0,
            "dtype": "float32",
            "trace_every": 250,
            "trace_log_points": 0,
            "checkpoints": 40,
            "state_every": 5_000,
            "name": "convergence",
        }
    )
    out_dir = BENCH_DIR / "convergence"
    shutil.rmtree(out_dir, ignore_errors=True)
    start = time.perf_counter()
    train(corpus, cfg, out_dir)
    seconds = time.perf_counter() - start
    ks = [k for k in (1, 5, 10, 20, 50, dim) if k <= dim]
    rows: list[dict[str, Any]] = []
    for _, mark in pd.read_csv(out_dir / "checkpoints.csv").iterrows():
        step = int(mark["step"])
        if step == 0:
            continue
        W = np.load(out_dir / "snapshots" / f"W_{step:09d}.npy")
        sv = np.linalg.svd(W, compute_uv=False)
        row: dict[str, Any] = {"step": step, "t": float(mark["t"])}
        row.update({f"overlap_{k}": subspace_overlap(W, w_star, k) for k in ks})
        row.update({f"s{k}/sqrt(lam)": sv[k - 1] / np.sqrt(lam[k - 1]) for k in ks})
        rows.append(row)
    trace = pd.read_csv(out_dir / "trace.csv")
    sv_cols = [c for c in trace.columns if c.startswith("sv_")]
    half = {
        int(c[3:]): _first_step(trace, c, 0.5 * np.sqrt(lam[int(c[3:]) - 1]))
        for c in sv_cols
    }
    order = [k for k, _ in sorted(half.items(), key=lambda kv: kv[1])]
    shutil.rmtree(out_dir / "snapshots")  # keep the tables and the final W only
    return report(
        "convergence",
        rows,
        vocab_size=vocab_size,
        dim=dim,
        batch_size=batch,
        shared_negatives=shared,
        steps=steps,
        schedule=[list(s) for s in schedule],
        seconds=round(seconds, 1),
        steps_per_s=round(steps / seconds, 1),
        final_overlap=rows[-1][f"overlap_{dim}"],
        half_way_steps=half,
        modes_in_theory_order=order == sorted(order),
        rise_order=order,
    )


def _first_step(trace: pd.DataFrame, column: str, level: float) -> int:
    """First traced step at which ``column`` reaches ``level`` (-1: never)."""
    hit = trace.index[trace[column] >= level]
    return int(trace.loc[hit[0], "step"]) if len(hit) else -1
