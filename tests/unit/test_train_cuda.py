"""On CUDA the minibatch step and its sampler never wait for the host.

``torch.cuda.set_sync_debug_mode("error")`` turns every synchronising call
(``.item()``, a device-to-host copy, ``nonzero``) into an error, so a step
that passes ran sampler and update on the device without one. Skipped where
PyTorch sees no GPU (this project's own machine has none); the same steps on
the CPU check the test's own set-up there.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qwem.train import TrainConfig
from qwem.train.loop import Corpus, initial_embedding, sampling, sgd_step

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=CUDA)])
@pytest.mark.parametrize(
    ("loss", "scheme", "shared"),
    [("sgns", "sgns", 0), ("qwem", "omniscient", 0), ("qwem", "omniscient", 16)],
)
def test_a_cuda_step_has_no_host_synchronisation(
    loss: str, scheme: str, shared: int, device: str
) -> None:
    rng = np.random.default_rng(0)
    V, T = 50, 5_000
    tokens = rng.zipf(1.3, T) % V
    offsets = np.array([0, 2_000, T], np.int64)
    counts = np.bincount(tokens, minlength=V) + 1.0
    p_i = counts / counts.sum()
    p_ij = np.outer(p_i, p_i) * 0.5 + np.diag(p_i) * 0.5 / V
    corpus = Corpus(tokens, offsets, p_i, p_ij / p_ij.sum(), 4, "linear")
    cfg = TrainConfig.from_dict(
        {
            "loss": loss,
            "reweighting": scheme,
            "init": 0.1,
            "lr": 1.0,
            "batch_size": 1_000,
            "shared_negatives": shared,
            "steps": 3,
            "dim": 8,
            "seed": 0,
            "dtype": "float32",
        }
    )
    dev = torch.device(device)
    psi, sampler = sampling(corpus, cfg, dev, torch.float32)
    W = initial_embedding(cfg, V).to(dev, torch.float32)
    W0 = W.clone()
    gen = torch.Generator(dev).manual_seed(0)
    sgd_step(W, sampler, psi, cfg, 0.1, gen)  # first call: allocations, caches
    if dev.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(3):
            sgd_step(W, sampler, psi, cfg, 0.1, gen)
    finally:
        if dev.type == "cuda":
            torch.cuda.set_sync_debug_mode("default")
    assert torch.isfinite(W).all() and not torch.equal(W, W0)
