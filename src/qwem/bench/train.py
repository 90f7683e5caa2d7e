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

Side by side with gensim (:func:`versus_gensim`, the ``versus_gensim`` rows):
SGNS on the same corpus at d = 100 and 200, window 16 drawn as word2vec draws
it (the ``linear`` weighting), 5 negatives from P^(3/4), subsampling
threshold 1e-4, one thread on each side, in interleaved rounds (ours, then
gensim, per dimension and round) so that a load change on the shared machine
hits both. Rates are pair updates per CPU second of the process (``time.
process_time``; gensim's producer thread included), i.e. per core. A pair
update is one (centre, context) dot product with its two row updates: ours
counts them as the compiled loop makes them (a kept slot's positive and its
negatives); gensim's are the expected count of its epoch, (1 + negative) per
kept (centre, context) pair less the negatives that hit the centre word
(:func:`qwem.baseline.pairs.expected_pair_updates`). The reported ratio is
the median over rounds of the two rates of one round.

On CUDA a minibatch row also reports the memory traffic it implies: at least
``6 d b + 24`` bytes per pair (gather the two rows, read and write them back in
the scatter-add, b bytes an entry; two int64 indices and a weight), times
pairs/s, as a fraction of the device-to-device copy bandwidth measured in the
same run (:func:`_copy_bandwidth`).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import torch

from qwem import baseline, spectral, targets
from qwem.baseline.pairs import expected_pair_updates
from qwem.bench.common import report
from qwem.bench.cooccur import demo_corpus, demo_shards
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


def _copy_bandwidth(device: torch.device) -> float | None:
    """Bytes/s of a device-to-device copy of 1 GiB (read + write), CUDA only."""
    if device.type != "cuda":
        return None
    src = torch.empty(2**28, dtype=torch.float32, device=device)
    dst = torch.empty_like(src)
    dst.copy_(src)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(10):
        dst.copy_(src)
    torch.cuda.synchronize()
    return 10 * 2 * src.numel() * 4 / (time.perf_counter() - start)


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
    *,
    dim: int = 200,
    negatives: int = 1,
    subsample: float = 1e-5,
) -> TrainConfig:
    """A timed case's settings (init 0.1; d = 200 unless given)."""
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
            "dim": dim,
            "seed": 0,
            "dtype": dtype,
            "engine": engine,
            "negative_samples": negatives,
            "subsample": subsample,
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
        "bandwidth_fraction": None,
    }


#: the side-by-side settings (module docstring)
GENSIM_WINDOW, GENSIM_NEGATIVE, GENSIM_SAMPLE = 16, 5, 1e-4


def _ours_rate(
    corpus: Corpus, dim: int, dtype_name: str, batch: int, steps: int
) -> float:
    """Pair updates per CPU second of the sequential SGNS engine (one thread)."""
    cfg = _config(
        "sgns",
        "sgns",
        0,
        dtype_name,
        batch,
        steps,
        engine="sequential",
        dim=dim,
        negatives=GENSIM_NEGATIVE,
        subsample=GENSIM_SAMPLE,
    )
    dtype = torch.float64 if dtype_name == "float64" else torch.float32
    step_fn, _, _ = engine(corpus, cfg, torch.device("cpu"), dtype)
    W = initial_embedding(cfg, corpus.p_i.size).to(dtype)
    gen = torch.Generator().manual_seed(0)
    step_fn(W, 1e-3, gen)  # warm-up (caches)
    pairs, start = 0, time.process_time()
    for _ in range(steps):
        pairs += step_fn(W, 1e-3, gen)[1]
    return pairs / (time.process_time() - start)


def _gensim_rate(
    shards: list[tuple[Any, Any]], words: list[str], dim: int, epochs: int
) -> float:
    """Expected pair updates per CPU second of gensim's skip-gram, one worker."""
    cfg = baseline.GensimConfig(
        dim=dim,
        window=GENSIM_WINDOW,
        negative=GENSIM_NEGATIVE,
        sample=GENSIM_SAMPLE,
        alpha=0.025,
        min_alpha=1e-4,
        epochs=epochs,
        seed=0,
        threads=1,
    )
    model = baseline.build_model(shards, words, cfg)
    keep, noise = baseline.sampling_probabilities(model, words)
    pairs = expected_pair_updates(
        shards, keep=keep, noise=noise, window=cfg.window, negative=cfg.negative
    )
    documents = baseline.token_documents(shards, words)
    start = time.process_time()
    model.train(documents, total_examples=model.corpus_count, epochs=epochs)
    return epochs * pairs / (time.process_time() - start)


def versus_gensim(
    vocab_size: int,
    *,
    dims: tuple[int, ...] = (100, 200),
    rounds: int = 3,
    batch: int = 50_000,
    steps: int = 60,
    gensim_epochs: int = 1,
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Rows of the side-by-side rounds and the median ratio per dimension."""
    corpus = demo_training_corpus(vocab_size)
    words, shards = demo_shards(vocab_size=vocab_size)
    rows: list[dict[str, Any]] = []
    ratios: dict[str, list[float]] = {}
    for r in range(rounds):
        for dim in dims:
            f32 = _ours_rate(corpus, dim, "float32", batch, steps)
            f64 = _ours_rate(corpus, dim, "float64", batch, steps)
            theirs = _gensim_rate(shards, words, dim, gensim_epochs)
            ratios.setdefault(str(dim), []).append(f32 / theirs)
            rows.append(
                {
                    "round": r,
                    "dim": dim,
                    "ours_float32_pairs_per_cpu_s": f32,
                    "ours_float64_pairs_per_cpu_s": f64,
                    "gensim_float32_pairs_per_cpu_s": theirs,
                    "ratio_float32": f32 / theirs,
                    "ratio_float64": f64 / theirs,
                }
            )
            print(rows[-1], flush=True)  # progress of a minutes-long stage
    return rows, {dim: statistics.median(v) for dim, v in ratios.items()}


def run(
    *,
    vocab_size: int = 10_000,
    batch: int = 50_000,
    steps: int = 40,
    rounds: int = 3,
    gensim_steps: int = 60,
    gensim_dims: tuple[int, ...] = (100, 200),
) -> Path:
    """Time ``steps`` SGD steps per configuration and the rounds against gensim
    (``gensim_steps`` steps of ``batch`` slots a round); write
    results/bench/train.json."""
    corpus = demo_training_corpus(vocab_size)
    device = pick_device("auto")
    bandwidth = _copy_bandwidth(device)
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
            pairs_per_s = (batch + negatives) * steps / secs
            item = 8 if dtype_name == "float64" else 4
            traffic = (6 * cfg.dim * item + 24) * pairs_per_s
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
                    "pairs_per_s": pairs_per_s,
                    "gpu_utilisation_pct": util,
                    "bandwidth_fraction": traffic / bandwidth if bandwidth else None,
                }
            )
    side, ratio = versus_gensim(
        vocab_size, dims=gensim_dims, rounds=rounds, batch=batch, steps=gensim_steps
    )
    out = report(
        "train",
        rows,
        vocab_size=vocab_size,
        batch_size=batch,
        dim=200,
        copy_bandwidth_bytes_per_s=bandwidth,
        versus_gensim=side,
        gensim_ratio=ratio,
    )
    shown = ", ".join(f"d = {d}: {v:.2f}x" for d, v in ratio.items())
    print(
        f"project/gensim pair updates per core (sequential SGNS float32, median "
        f"of {rounds} rounds): {shown}"
    )
    return out
