"""A training run's files besides its tables: snapshots and the resumable state.

While a run trains, its state (``state.pt``) and the snapshots so far live in
``<out_dir>/.partial``: Snakemake deletes the declared outputs of a failed
job, and this work directory is what lets the retry resume. A complete run
moves its snapshots to ``<out_dir>/snapshots`` (a declared directory output)
and drops the state, so that a finished job leaves only declared files.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

import torch

from qwem import __version__
from qwem.digests import write_sealed_meta
from qwem.io import atomic_path, save_npy
from qwem.train.config import TrainConfig

logger = logging.getLogger(__name__)
# a running job's resumable state and snapshots so far, inside its out_dir
PARTIAL = ".partial"
#: the producer of a run's files, recorded in their sidecars with their digests
TRAIN_MADE_BY = "rule train_run (qwem train run)"


def snapshot(
    out_dir: Path, W: torch.Tensor, step: int, t: float, clock: Any, evaluate: Any
) -> dict:
    """Save W at ``step`` into ``out_dir/snapshots``; its checkpoints.csv row."""
    W64 = W.detach().to("cpu", torch.float64).numpy()
    path = out_dir / "snapshots" / f"W_{step:09d}.npy"
    save_npy(path, W64)
    write_sealed_meta(path, {"step": step}, made_by=TRAIN_MADE_BY)
    acc = float(evaluate(W64)) if evaluate is not None else float("nan")
    logger.info(
        "step %d (t = %.4g, %.1f s, %.3g pair updates): analogy accuracy %.4f",
        *(step, t, clock.seconds, clock.pairs, acc),
    )
    return {
        "step": step,
        "t": t,
        "seconds": clock.seconds,
        "pair_updates": clock.pairs,
        "analogy_accuracy": acc,
    }


def save_state(
    out_dir: Path,
    cfg: TrainConfig,
    W: torch.Tensor,
    gen: torch.Generator,
    step_fn: Any,
    state: dict[str, Any],
    progress_: dict[str, Any],
) -> None:
    """Write the resumable state of a run (atomically) into ``work/state.pt``."""
    clock = progress_["clock"]
    blob = {
        "W": W.detach().cpu(),
        "gen": gen.get_state(),
        "engine": step_fn.state(),
        "step": progress_["step"],
        "t": progress_["t"],
        "seconds": clock.seconds,
        "pair_updates": clock.pairs,
        "window": [float(v) for v in progress_["window"]],
        "trace": state["trace"],
        "checkpoints": state["checkpoints"],
        "config": cfg.as_dict(),
        "qwem_version": __version__,
    }
    with atomic_path(out_dir / "state.pt") as tmp:
        torch.save(blob, tmp)


def saved_state(work: Path, cfg: TrainConfig) -> dict[str, Any] | None:
    """The state saved in ``work`` if it matches this run's config, else None.

    A state saved for other settings (or by an older qwem) is obsolete
    (Snakemake reruns the job because a parameter changed): it is discarded,
    with the snapshots of that run, and training starts over.
    """
    path = work / "state.pt"
    if path.exists():
        blob = torch.load(path, weights_only=False)
        if blob["config"] == cfg.as_dict() and blob["qwem_version"] == __version__:
            logger.info("resuming %s at step %d", cfg.name, blob["step"])
            return dict(blob)
        logger.warning(
            "%s was saved for other settings of run %s; starting over", path, cfg.name
        )
        path.unlink()
    for stale in (work / "snapshots").glob("W_*.npy"):  # of an earlier run
        stale.unlink()
    return None


def complete(work: Path, snapshots: Path) -> None:
    """Move a finished run's snapshots into place and drop its resumable state."""
    shutil.rmtree(snapshots, ignore_errors=True)
    os.replace(work / "snapshots", snapshots)
    (work / "state.pt").unlink(missing_ok=True)
    work.rmdir()
