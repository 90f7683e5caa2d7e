"""SGD gradient noise of the negative-sampling schemes, side by side.

At the closed-form optimum W* = U_d Λ_d^½ of QWEM with Setting 3.1 (demo
corpus, V = 5,000, d = 100, float64) the expected gradient is zero, so
everything a sampled step does there is noise. For each scheme: the variance
of the sampled gradient over ``draws`` independent steps (summed over W's
entries), the part of it in the directions of M*'s eigenvectors d+1 … d+30
(the noise that mixes the discarded modes nearest d into W's subspace, and
relaxes slowest), and seconds per step; ratios against 10,000 independent
negative pairs (the previous default).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

from qwem.bench.common import report
from qwem.bench.train import demo_m_star_pairs, demo_training_corpus
from qwem.runtime import pick_device
from qwem.train import TrainConfig
from qwem.train.loop import sampling, sgd_step

#: (positive pairs per step, shared contexts; 0 = as many independent negatives)
CASES = ((10_000, 0), (20_000, 0), (10_000, 64), (20_000, 64))
PAST_D = 30


def run(*, vocab_size: int = 5_000, dim: int = 100, draws: int = 200) -> Path:
    """Measure every case; write results/bench/noise.json."""
    corpus = demo_training_corpus(vocab_size)
    pairs = demo_m_star_pairs(corpus, dim + PAST_D)
    device = pick_device("auto")
    dt = torch.float64
    U = torch.as_tensor(pairs.vectors, device=device)
    lam = torch.as_tensor(pairs.values[:dim], device=device)
    w_star = U[:, :dim] * lam.sqrt()
    past = U[:, dim:]  # (V, PAST_D)
    rows: list[dict[str, Any]] = []
    for batch, shared in CASES:
        cfg = TrainConfig.from_dict(
            {
                "loss": "qwem",
                "reweighting": "omniscient",
                "negative_weight": 1.0,
                "init": 1e-12,
                "lr": 1.0,
                "batch_size": batch,
                "shared_negatives": shared,
                "steps": draws,
                "dim": dim,
                "seed": 0,
            }
        )
        psi, sampler = sampling(corpus, cfg, device, dt)
        gen = torch.Generator(device).manual_seed(0)
        total, total_sq = torch.zeros_like(w_star), torch.zeros_like(w_star)
        proj, proj_sq = torch.zeros(PAST_D, dim, device=device, dtype=dt), 0.0
        seconds = 0.0
        for _ in range(draws):
            W = w_star.clone()
            start = time.perf_counter()
            sgd_step(W, sampler, psi, cfg, 1.0, gen)
            if device.type == "cuda":
                torch.cuda.synchronize()
            seconds += time.perf_counter() - start
            g = w_star - W  # the sampled gradient at W*
            total += g
            total_sq += g * g
            p = past.T @ g
            proj += p
            proj_sq += float((p * p).sum())
        variance = float((total_sq / draws - (total / draws) ** 2).sum())
        past_variance = proj_sq / draws - float(((proj / draws) ** 2).sum())
        rows.append(
            {
                "positives": batch,
                "negatives": f"shared {shared}" if shared else f"{batch} independent",
                "variance": variance,
                f"variance_past_d_{PAST_D}": past_variance,
                "seconds_per_step": seconds / draws,
            }
        )
    base = rows[0]
    for row in rows:
        row["variance_ratio_vs_first"] = row["variance"] / base["variance"]
        key = f"variance_past_d_{PAST_D}"
        row["past_d_ratio_vs_first"] = row[key] / base[key]
        # noise per unit of compute: variance x time per step (lower is better)
        row["efficiency_vs_first"] = (base["variance"] * base["seconds_per_step"]) / (
            row["variance"] * row["seconds_per_step"]
        )
    return report(
        "noise", rows, vocab_size=vocab_size, dim=dim, draws=draws, device=str(device)
    )
