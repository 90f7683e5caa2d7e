"""Peak resident memory of one dense stage at a small V, for the memory models.

    python tests/tools/peak_memory.py STAGE V [--dim D] [--solver S] [--run KIND]

Run it in a fresh interpreter: in a long-lived one, freed heap memory is
reused without raising the peak.

STAGE is ``targets``, ``solve`` (``qwem spectral solve`` / ``qwem rmt basis``)
or ``train`` (a run's setup: Ψ, κ and its sampler, where the dense V x V
arrays live). The inputs are synthetic: a token stream of 2 M tokens
(P_i ∝ 1 / (i + V / 4), flatter than Zipf, so that most pairs are seen)
counted with L = 4, its targets, and for ``train`` its P_ij. Prints one JSON
line: the process's RSS just before the stage (``base_mib``), the stage's
peak RSS above it (``peak_mib``; the peak is reset through
``/proc/self/clear_refs`` first, Linux only) and the library's prediction for
the same V (``model_mib``, which includes the interpreter).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
from pathlib import Path

import numpy as np


def _status(key: str) -> float:
    """A ``kB`` field of /proc/self/status, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def _reset_peak() -> float:
    """Reset VmHWM to the current RSS and return that RSS (MiB)."""
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS")


def synthetic_stats(V: int, workdir: Path, tokens: int = 2_000_000) -> Path:
    """Counts of a Zipf stream and its targets, written under ``workdir``."""
    from qwem import cooccur
    from qwem.targets import TARGET_FILES, write_targets

    rng = np.random.default_rng(0)
    n = tokens
    p = 1.0 / np.arange(V // 4, V + V // 4)  # flatter than Zipf: most pairs seen
    tokens = rng.choice(V, size=n, p=p / p.sum()).astype(np.int32)
    tokens[:V] = np.arange(V)  # every word occurs
    offsets = np.array([0, n], np.int64)
    counts = cooccur.count(
        tokens,
        offsets,
        vocab_size=V,
        context_length=4,
        weighting="linear",
        max_memory_mb=1e9,
        method="dense",
    )
    cooccur.save(workdir / "counts.npz", counts, {"synthetic": True})
    outputs = {name: workdir / f"{name}.npy" for name in TARGET_FILES}
    write_targets(counts, outputs, negative_weight=1.0)
    return workdir / "counts.npz"


def measure(
    stage: str, V: int, dim: int, solver: str, run: str, tokens: int = 2_000_000
) -> dict[str, float]:
    """Peak RSS of ``stage`` above the RSS before it, and the model's figure."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        counts = synthetic_stats(V, work, tokens)
        size_mb = counts.stat().st_size / 2**20
        if stage == "targets":
            from qwem import cooccur
            from qwem.targets import memory_needed_mb, write_targets

            outputs = {"P_ij": work / "out_P.npy", "M_star": work / "out_M.npy"}
            outputs.update(
                {n: work / f"out_{n}.npy" for n in ("pmi", "ppmi", "sgns", "G")}
            )
            base = _reset_peak()
            write_targets(cooccur.load(counts), outputs, negative_weight=1.0)
            model = memory_needed_mb(V, counts_mb=size_mb)
        elif stage == "solve":
            from qwem.spectral.jobs import solve_target
            from qwem.spectral.memory import solve_memory_mb

            (work / "vocab.txt").write_text("".join(f"w{i} 1\n" for i in range(V)))
            base = _reset_peak()
            solve_target(
                work / "M_star.npy",
                vocab=work / "vocab.txt",
                dim=dim,
                solver=solver,
                seed=0,
                tol=1e-8,
                eig=work / "M.eig.npz",
            )
            model = solve_memory_mb(V, dim, solver)
        elif stage == "train":
            import torch

            from qwem.io import load_npy
            from qwem.train import TrainConfig
            from qwem.train.config import train_memory_mb
            from qwem.train.loop import Corpus, engine

            loss, reweighting = run.split("-")
            cfg = TrainConfig.from_dict(
                {
                    "name": run,
                    "loss": loss,
                    "reweighting": reweighting,
                    "dim": dim,
                    "lr": 1.0,
                    "steps": 10,
                    "init": 0.1,
                }
            )
            tokens = np.arange(10 * V, dtype=np.int32) % V
            corpus = Corpus(
                tokens,
                np.array([0, tokens.size], np.int64),
                load_npy(work / "unigram.npy"),
                load_npy(work / "P_ij.npy", mmap=True),
                4,
                "linear",
            )
            base = _reset_peak()
            engine(corpus, cfg, torch.device("cpu"), torch.float64)
            model = train_memory_mb(
                V, dim, "float64", loss=loss, reweighting=reweighting
            )
        else:
            raise SystemExit(f"unknown stage {stage!r}")
        peak = _status("VmHWM") - base
    return {
        "V": V,
        "base_mib": round(base, 1),
        "peak_mib": round(peak, 1),
        "model_mib": round(model, 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("stage", choices=("targets", "solve", "train"))
    p.add_argument("V", type=int)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--solver", default="krylov")
    p.add_argument("--run", default="qwem-omniscient", help="LOSS-REWEIGHTING")
    p.add_argument("--tokens", type=int, default=2_000_000)
    a = p.parse_args(argv)
    print(json.dumps(measure(a.stage, a.V, a.dim, a.solver, a.run, a.tokens)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
