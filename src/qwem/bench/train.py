"""Training throughput: SGD steps and pairs per second of both losses.

The bundled corpus at V = 10,000 (not repeated); its exact P_i and P_ij; a
batch of 50,000 positive + 50,000 negative pairs (the paper's) on the best
device present (CUDA if PyTorch sees one, else CPU), float32 and float64; a
fixed number of steps after a warm-up. QWEM (Setting 3.1) with independent
and with 64 shared negative contexts (every word paired with each: V x 64
negative pairs per step), SGNS with word2vec's (minibatch, and the sequential
engine: word2vec's one-pair-at-a-time loop on one CPU thread, ``batch`` slots
per step, pair updates counted as it makes them); and, side by side, QWEM's
step as it was before the sparse-product update (four scattered row
additions, :func:`_rowwise_step`). On CUDA the GPU utilisation reported by
``nvidia-smi`` during the timed steps is recorded when available.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import torch

from qwem import spectral, targets
from qwem.bench.common import report
from qwem.bench.cooccur import demo_corpus
from qwem.runtime import pick_device
from qwem.train import TrainConfig, losses
from qwem.train.loop import Corpus, engine, initial_embedding, sampling, sgd_step
from qwem.train.sampler import PairSampler


def _gpu_utilisation() -> float | None:
    if not torch.cuda.is_available() or shutil.which("nvidia-smi") is None:
        return None
    out = subprocess.run(
        ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return float(out.stdout.split()[0])
    except (IndexError, ValueError):
        return None


def _rowwise_step(
    W: torch.Tensor,
    sampler: PairSampler,
    psi: losses.Reweighting,
    cfg: TrainConfig,
    lr: float,
    gen: torch.Generator,
) -> torch.Tensor:
    """The previous update, for comparison: gathered rows, four index_add_."""
    i, j, weight, iN, jN, weight_n = sampler.sample(cfg.batch_size, gen)
    Wi, Wj, WiN, WjN = W[i], W[j], W[iN], W[jN]
    wp = weight * psi.positive(i, j) / cfg.batch_size
    wn = cfg.negative_weight * weight_n * psi.negative(iN, jN) / cfg.batch_size
    gp = (wp * losses.positive_grad(cfg.loss, (Wi * Wj).sum(1)))[:, None]
    gn = (wn * losses.negative_grad(cfg.loss, (WiN * WjN).sum(1)))[:, None]
    W.index_add_(0, i, gp * Wj, alpha=-lr)
    W.index_add_(0, j, gp * Wi, alpha=-lr)
    W.index_add_(0, iN, gn * WjN, alpha=-lr)
    W.index_add_(0, jN, gn * WiN, alpha=-lr)
    return (wp.sum() + wn.sum()).detach()


#: (loss, reweighting, shared negatives, step function, dtypes)
CASES = (
    ("qwem", "omniscient", 0, "sparse", ("float32", "float64")),
    ("qwem", "omniscient", 64, "sparse", ("float32", "float64")),
    ("sgns", "sgns", 0, "sparse", ("float32", "float64")),
    ("sgns", "sgns", 0, "sequential", ("float32", "float64")),
    ("qwem", "omniscient", 0, "rowwise (previous)", ("float32",)),
)


def demo_training_corpus(vocab_size: int) -> Corpus:
    """What a run on the bundled corpus reads at this V (L = 16, linear)."""
    tok, off, counts = demo_corpus(vocab_size, 16)
    p_i = targets.unigram_probs(counts.unigram)
    return Corpus(tok, off, p_i, targets.pair_probs(counts), 16, "linear")


def demo_m_star_pairs(corpus: Corpus, k: int) -> spectral.Eigenpairs:
    """The top-k eigenpairs of the demo corpus's M* (residuals <= 1e-10 λ_1)."""
    assert corpus.p_ij is not None
    m_star = targets.m_star(corpus.p_ij, corpus.p_i, corpus.p_i, 1.0)
    return spectral.top_eigenpairs(m_star, k, method="auto", seed=0, tol=1e-10)


def _config(
    loss: str,
    scheme: str,
    shared: int,
    dtype: str,
    batch: int,
    steps: int,
    engine: str = "minibatch",
) -> TrainConfig:
    """A timed case's settings (d = 200, init 0.1)."""
    return TrainConfig.from_dict(
        {
            "loss": loss,
            "reweighting": scheme,
            "negative_weight": 1.0,
            "init": 0.1,
            "lr": 1.0,
            "batch_size": batch,
            "shared_negatives": shared,
            "steps": steps,
            "dim": 200,
            "seed": 0,
            "dtype": dtype,
            "engine": engine,
        }
    )


def _sequential_case(
    corpus: Corpus, loss: str, scheme: str, dtype_name: str, batch: int, steps: int
) -> dict[str, Any]:
    """Pair updates per second of the sequential engine (one CPU thread)."""
    cfg = _config(loss, scheme, 0, dtype_name, batch, steps, engine="sequential")
    dtype = torch.float64 if dtype_name == "float64" else torch.float32
    cpu = torch.device("cpu")
    step_fn, _, _ = engine(corpus, cfg, cpu, dtype)
    W = initial_embedding(cfg, corpus.p_i.size).to(cpu, dtype)
    gen = torch.Generator().manual_seed(0)
    step_fn(W, 1e-3, gen)  # warm-up (caches)
    pairs, start = 0, time.perf_counter()
    for _ in range(steps):
        pairs += step_fn(W, 1e-3, gen)[1]
    secs = time.perf_counter() - start
    return {
        "loss": loss,
        "reweighting": scheme,
        "negatives": "independent",
        "update": "sequential",
        "dtype": dtype_name,
        "device": "cpu (1 thread)",
        "steps_per_s": steps / secs,
        "positive_pairs_per_s": None,
        "pairs_per_s": pairs / secs,
        "gpu_utilisation_pct": None,
    }


def run(*, vocab_size: int = 10_000, batch: int = 50_000, steps: int = 40) -> Path:
    """Time ``steps`` SGD steps per configuration; write results/bench/train.json."""
    corpus = demo_training_corpus(vocab_size)
    device = pick_device("auto")
    rows: list[dict[str, Any]] = []
    for loss, scheme, shared, update, dtypes in CASES:
        if update == "sequential":
            rows += [
                _sequential_case(corpus, loss, scheme, dtype, batch, steps)
                for dtype in dtypes
            ]
            continue
        step_fn = sgd_step if update == "sparse" else _rowwise_step
        for dtype_name in dtypes:
            dtype = torch.float64 if dtype_name == "float64" else torch.float32
            cfg = _config(loss, scheme, shared, dtype_name, batch, steps)
            psi, sampler = sampling(corpus, cfg, device, dtype)
            W = initial_embedding(cfg, vocab_size).to(device, dtype)
            gen = torch.Generator(device).manual_seed(0)
            for _ in range(3):  # warm-up (allocations, kernels)
                step_fn(W, sampler, psi, cfg, 1e-3, gen)
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(steps):
                step_fn(W, sampler, psi, cfg, 1e-3, gen)
            util = _gpu_utilisation()
            if device.type == "cuda":
                torch.cuda.synchronize()
            secs = time.perf_counter() - start
            negatives = shared * vocab_size if shared else batch
            rows.append(
                {
                    "loss": loss,
                    "reweighting": scheme,
                    "negatives": f"shared {shared}" if shared else "independent",
                    "update": update,
                    "dtype": dtype_name,
                    "device": str(device),
                    "steps_per_s": steps / secs,
                    "positive_pairs_per_s": batch * steps / secs,
                    "pairs_per_s": (batch + negatives) * steps / secs,
                    "gpu_utilisation_pct": util,
                }
            )
    return report("train", rows, vocab_size=vocab_size, batch_size=batch, dim=200)
