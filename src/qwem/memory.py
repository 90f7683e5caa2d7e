"""The memory of a config's dense jobs, planned before any job runs.

Each dense stage owns its memory model (MiB from V, d, dtype, ...); this
module only collects them for a config, for :func:`qwem.config.cross_check`
(which refuses a config whose jobs cannot fit ``resources.max_memory_mb``)
and for the report. Counting is bounded by ``cooccur.max_memory_mb``; the
targets, the eigensolves and training hold dense V x V float64 arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def dense_needs_mb(config: Mapping[str, Any], runs: Sequence[str]) -> dict[str, float]:
    """Planned peak memory (MiB) of each dense job of a config, by job name.

    The stages' own models, at planning time (no counts or shards yet):
    :func:`qwem.cooccur.counting.memory_needed_mb` (the dense triangle, capped
    by cooccur.max_memory_mb, beyond which counting goes sparse),
    :func:`qwem.targets.memory_needed_mb`,
    :func:`qwem.spectral.memory.solve_memory_mb` (each solve and the RMT basis)
    and :func:`qwem.train.config.train_memory_mb` (the largest run).
    """
    from qwem.cooccur.counting import memory_needed_mb as counting_mb
    from qwem.spectral.memory import basis_method, solve_memory_mb
    from qwem.targets import memory_needed_mb as targets_mb
    from qwem.train.config import train_memory_mb

    V, dim = config["vocab_size"], config["dim"]
    dense_count = counting_mb(V, config["context_length"], 0, "dense")
    solver = config["spectral"]["solver"]
    depth = min(config["rmt"]["dim"], V - 1)
    needs = {
        "cooccur counting": min(dense_count, config["cooccur"]["max_memory_mb"]),
        "targets": targets_mb(V),
        "spectral solve": solve_memory_mb(V, dim, solver),
        "rmt basis": solve_memory_mb(V, depth, basis_method(V, depth, solver)),
    }
    runs_mb = {}
    train = config["train"]
    for run in runs:
        s = {**train, **train["runs"][run]}  # a run's keys over the section's
        runs_mb[run] = train_memory_mb(
            V, dim, s["dtype"], loss=s["loss"], reweighting=s["reweighting"]
        )
    if runs_mb:
        largest = max(runs_mb, key=lambda r: runs_mb[r])
        needs[f"training (largest: run {largest})"] = runs_mb[largest]
    return needs


def memory_problems(config: Mapping[str, Any], runs: Sequence[str]) -> list[str]:
    """Dense jobs whose planned memory exceeds ``resources.max_memory_mb``
    (null: this machine's MemTotal; no check where that is unknown)."""
    from qwem.runtime import physical_memory_mb

    explicit = config.get("resources", {}).get("max_memory_mb")
    limit = explicit or physical_memory_mb()
    if not limit or config["dim"] >= config["vocab_size"]:
        return []
    source = (
        "resources.max_memory_mb"
        if explicit
        else "this machine's memory (resources.max_memory_mb: null)"
    )
    V = config["vocab_size"]
    return [
        f"{job} for V = {V:,} needs about {need:,.0f} MiB, over the {limit:,.0f} "
        f"MiB of {source}; lower vocab_size, or run on nodes with more memory "
        "and set resources.max_memory_mb to their size"
        for job, need in dense_needs_mb(config, runs).items()
        if need > limit
    ]
