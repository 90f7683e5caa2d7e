"""The SGD loop: the learning-rate schedule applied step by step, and its records.

:func:`train` runs (or resumes) one run: at every step it takes the rate of
``cfg.lr_at`` (docs/method.md#training) and hands it to the run's engine,
assembled here by :func:`engine` (the minibatch :func:`sgd_step` on the
gradient of :mod:`qwem.train.minibatch`, or word2vec's sequential loop of
:mod:`qwem.train.sequential`); it writes traces, log-spaced snapshots and the
resumable state.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from numpy.typing import NDArray

from qwem import __version__
from qwem.digests import write_sealed_meta
from qwem.errors import QwemInputError
from qwem.io import save_npy, write_json
from qwem.runtime import pick_device, progress
from qwem.train import losses
from qwem.train.config import TrainConfig
from qwem.train.minibatch import batch_gradient
from qwem.train.psi import PsiFactors, psi_factors
from qwem.train.psi import kappa as psi_kappa
from qwem.train.records import (
    PARTIAL,
    TRAIN_MADE_BY,
    complete,
    saved_state,
    snapshot,
)
from qwem.train.records import save_state as _save_state
from qwem.train.sampler import PairSampler
from qwem.train.slots import slot_weights
from qwem.train.stream import SlotStream

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Corpus:
    """What training reads: token shards concatenated, and the statistics."""

    tokens: NDArray[np.integer]
    offsets: NDArray[np.int64]
    p_i: NDArray[np.float64]
    p_ij: NDArray[np.float64] | None
    context_length: int
    weighting: str


def checkpoint_steps(steps: int, count: int) -> list[int]:
    """0, then about ``count`` log-spaced steps up to ``steps`` (always included)."""
    marks = np.unique(np.geomspace(1, steps, max(count, 1)).round().astype(int))
    return sorted({0, *marks.tolist(), steps})


def initial_embedding(cfg: TrainConfig, vocab_size: int) -> torch.Tensor:
    """W0 with entries N(0, (init / sqrt(d))^2), drawn on the CPU from the seed."""
    gen = torch.Generator("cpu").manual_seed(cfg.seed)
    W = torch.randn(vocab_size, cfg.dim, generator=gen, dtype=torch.float64)
    return W * (cfg.init / cfg.dim**0.5)


def train(
    corpus: Corpus,
    cfg: TrainConfig,
    out_dir: Path,
    *,
    evaluate: Any = None,
) -> NDArray[np.float64]:
    """Run (or resume) one training run; returns the final W as float64.

    Writes into ``out_dir``: ``trace.csv`` (step, lr, t, loss, sv_k; every
    ``trace_every`` steps and at ``trace_log_points`` log-spaced steps),
    ``checkpoints.csv`` (step, t, seconds, pair_updates, analogy accuracy),
    ``snapshots/W_<step>.npy`` on the log-spaced schedule, ``W.npy`` (final)
    and ``config.json`` (settings, κ). While it runs, the resumable state
    (``state.pt``, refreshed every ``state_every`` steps) and the snapshots so
    far live in ``out_dir/.partial``, which survives a failed job (Snakemake
    deletes a failed job's declared outputs) and is moved into place, the
    state dropped, once the run is complete. ``seconds`` counts training only
    (not traces, snapshots or evaluation); ``pair_updates`` counts every
    positive and negative pair whose gradient was applied.

    Args:
        evaluate: optional callable W (V, d) float64 -> analogy accuracy.
    """
    device = _device(cfg)
    dtype = torch.float64 if cfg.dtype == "float64" else torch.float32
    torch.backends.cuda.matmul.allow_tf32 = False  # runs are compared with theory
    V = corpus.p_i.size
    step_fn, factors, kappa = engine(corpus, cfg, device, dtype)
    work = out_dir / PARTIAL
    (work / "snapshots").mkdir(parents=True, exist_ok=True)
    state = _resume(work, cfg, V, device, dtype)  # refuses before any write
    step_fn.restore(state.get("engine"))
    write_json(
        out_dir / "config.json",
        {
            "qwem_version": __version__,
            "params": cfg.as_dict(),
            "kappa": kappa,
            "mean_G": None if np.isnan(factors.mean_g) else factors.mean_g,
            "context_length": corpus.context_length,
        },
    )
    W, gen = state["W"], state["gen"]
    marks = set(checkpoint_steps(cfg.steps, cfg.checkpoints))
    traced = set(checkpoint_steps(cfg.steps, cfg.trace_log_points))
    if not cfg.trace_log_points:
        traced = {cfg.steps}
    step, t, window = state["step"], state["t"], list(state["window"])
    clock = _Clock(state["seconds"], state["pair_updates"])
    if step == 0:
        state["checkpoints"].append(snapshot(work, W, 0, 0.0, clock, evaluate))
    bar = progress(range(step, cfg.steps), desc=f"train {cfg.name}", unit="step")
    for step in bar:
        lr = cfg.lr_at(step)
        with clock.running():
            loss, pairs = step_fn(W, lr, gen)
        window.append(loss)
        clock.pairs += pairs
        t += lr * kappa
        done = step + 1
        if done % cfg.trace_every == 0 or done in traced:
            if not bool(torch.isfinite(W).all()):
                raise QwemInputError(
                    f"train.runs.{cfg.name} diverged by step {done} (W is no longer "
                    f"finite at learning rate {lr:g}); lower its lr (or raise "
                    "train.batch_size) and rerun"
                )
            state["trace"].append(_trace_row(W, done, lr, t, window, cfg))
            window = []
        if done in marks:
            row = snapshot(work, W, done, t, clock, evaluate)
            state["checkpoints"].append(row)
        if done % cfg.state_every == 0 or done == cfg.steps:
            progress_ = {"step": done, "t": t, "window": window, "clock": clock}
            _save_state(work, cfg, W, gen, step_fn, state, progress_)
    W_final = W.detach().to("cpu", torch.float64).numpy()
    pd.DataFrame(state["trace"]).to_csv(out_dir / "trace.csv", index=False)
    pd.DataFrame(state["checkpoints"]).to_csv(out_dir / "checkpoints.csv", index=False)
    save_npy(out_dir / "W.npy", W_final)
    write_sealed_meta(out_dir / "W.npy", {"run": cfg.name}, made_by=TRAIN_MADE_BY)
    complete(work, out_dir / "snapshots")
    return W_final


class _Clock:
    """Training seconds (only while :meth:`running`) and pair updates so far."""

    def __init__(self, seconds: float, pairs: int) -> None:
        self.seconds, self.pairs = seconds, pairs

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds += time.perf_counter() - start


def _device(cfg: TrainConfig) -> torch.device:
    """The run's device: the sequential engine is a CPU loop."""
    if cfg.engine == "sequential":
        logger.info("engine sequential: training on the CPU (one thread)")
        return torch.device("cpu")
    return pick_device(cfg.device)


class _Step:
    """One SGD step of a run's engine: (W, lr, gen) -> (loss tensor, pairs)."""

    def __init__(self, fn: Any, stream: SlotStream | None = None) -> None:
        self.fn, self.stream = fn, stream

    def __call__(
        self, W: torch.Tensor, lr: float, gen: torch.Generator
    ) -> tuple[torch.Tensor | float, int]:
        return self.fn(W, lr, gen)

    def state(self) -> dict[str, list[int]] | None:
        return None if self.stream is None else self.stream.state()

    def restore(self, state: dict[str, list[int]] | None) -> None:
        if self.stream is not None and state is not None:
            self.stream.restore(state)


def engine(
    corpus: Corpus, cfg: TrainConfig, device: torch.device, dtype: torch.dtype
) -> tuple[_Step, PsiFactors, float]:
    """The run's step function, its Ψ factors and its theory-time factor κ."""
    factors = run_factors(corpus, cfg)
    if corpus.p_ij is None:  # kappa needs the pair probabilities
        raise QwemInputError("training needs P_ij (stats/P_ij.npy) for its κ")
    p_ij = np.asarray(corpus.p_ij)
    kappa = psi_kappa(
        loss=cfg.loss,
        p_ij=p_ij,
        p_i=corpus.p_i,
        psi=factors,
        negative_weight=cfg.negative_weight,
    )
    if cfg.engine == "sequential":
        weights = slot_weights(
            factors,
            corpus.p_i,
            negatives=_negatives(cfg),
            negative_weight=cfg.negative_weight,
            positive_scale=SlotStream.positive_scale(
                corpus.offsets, corpus.context_length, corpus.weighting
            ),
        )
        np_dtype = np.float64 if dtype == torch.float64 else np.float32
        stream = SlotStream(
            corpus.tokens,
            corpus.offsets,
            weights,
            factors.pair,
            loss=cfg.loss,
            negatives=cfg.negative_samples,
            context_length=corpus.context_length,
            weighting=corpus.weighting,
            seed=cfg.seed,
            dtype=np_dtype,
        )

        def sequential_step(
            W: torch.Tensor, lr: float, gen: torch.Generator
        ) -> tuple[float, int]:
            A = W.numpy()
            loss, pairs = stream.run(A, A, lr / cfg.batch_size, cfg.batch_size)
            return loss / cfg.batch_size, pairs

        return _Step(sequential_step, stream), factors, kappa
    psi, sampler = sampling(corpus, cfg, device, dtype, factors)
    V = corpus.p_i.size
    pairs = cfg.batch_size + (V * cfg.shared_negatives or cfg.batch_size)

    def minibatch_step(
        W: torch.Tensor, lr: float, gen: torch.Generator
    ) -> tuple[torch.Tensor, int]:
        return sgd_step(W, sampler, psi, cfg, lr, gen), pairs

    return _Step(minibatch_step), factors, kappa


def run_factors(corpus: Corpus, cfg: TrainConfig) -> PsiFactors:
    """The run's Ψ factors (:mod:`qwem.train.psi`)."""
    omniscient = cfg.reweighting == "omniscient" and corpus.p_ij is not None
    return psi_factors(
        cfg.reweighting,
        corpus.p_i,
        np.asarray(corpus.p_ij) if omniscient else None,
        negative_weight=cfg.negative_weight,
        subsample=cfg.subsample,
    )


def _negatives(cfg: TrainConfig) -> str:
    """P^(3/4) with the positives' centres for word2vec's ``sgns`` scheme,
    uniform pairs otherwise (see :mod:`qwem.train.sampler`)."""
    return "smoothed" if cfg.reweighting == "sgns" else "uniform"


def sampling(
    corpus: Corpus,
    cfg: TrainConfig,
    device: torch.device,
    dtype: torch.dtype,
    factors: PsiFactors | None = None,
) -> tuple[losses.Reweighting, PairSampler]:
    """A minibatch run's Ψ and pair sampler, on its device and in its dtype."""
    factors = run_factors(corpus, cfg) if factors is None else factors
    p_i = torch.as_tensor(corpus.p_i, device=device, dtype=dtype)
    psi = losses.Reweighting(factors, p_i, device=device)
    sampler = PairSampler(
        corpus.tokens,
        corpus.offsets,
        context_length=corpus.context_length,
        weighting=corpus.weighting,
        p_i=corpus.p_i,
        device=device,
        dtype=dtype,
        negatives=_negatives(cfg),
    )
    return psi, sampler


def sgd_step(
    W: torch.Tensor,
    sampler: PairSampler,
    psi: losses.Reweighting,
    cfg: TrainConfig,
    lr: float,
    gen: torch.Generator,
) -> torch.Tensor:
    """One plain SGD step on the batch's loss (:func:`batch_gradient`); its loss."""
    grad, loss = batch_gradient(W, sampler, psi, cfg, gen)
    W.sub_(grad, alpha=lr)
    return loss


def _trace_row(
    W: torch.Tensor,
    step: int,
    lr: float,
    t: float,
    window: list[float | torch.Tensor],
    cfg: TrainConfig,
) -> dict[str, float]:
    sv = torch.linalg.svdvals(W.to(torch.float64)).cpu().numpy()[: cfg.singular_values]
    loss = float(np.mean([float(v) for v in window]))  # one sync per trace row
    row = {"step": step, "lr": lr, "t": t, "loss": loss}
    row.update({f"sv_{k + 1}": float(s) for k, s in enumerate(sv)})
    return row


def _resume(
    work: Path, cfg: TrainConfig, V: int, device: torch.device, dtype: torch.dtype
) -> dict:
    """The saved state if it matches this run's config, else a fresh start."""
    gen = torch.Generator(device).manual_seed(cfg.seed)
    blob = saved_state(work, cfg)
    if blob is not None:
        gen.set_state(blob["gen"])
        return {**blob, "W": blob["W"].to(device, dtype), "gen": gen}
    W = initial_embedding(cfg, V).to(device, dtype)
    fresh = {"step": 0, "t": 0.0, "trace": [], "checkpoints": [], "window": []}
    return {
        "W": W,
        "gen": gen,
        "engine": None,
        **fresh,
        "seconds": 0.0,
        "pair_updates": 0,
    }
