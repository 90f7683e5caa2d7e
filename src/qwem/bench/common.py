"""Helpers shared by the benchmarks: timing, machine facts, the result table."""

from __future__ import annotations

import json
import os
import platform
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from qwem import __version__
from qwem.io import write_json

T = TypeVar("T")
BENCH_DIR = Path("results/bench")


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import numpy as np
    import torch

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "qwem": __version__,
        "processor": platform.processor() or platform.machine(),
    }


def best_of(fn: Callable[[], T], *, repeat: int = 3) -> tuple[float, T]:
    """Smallest wall time of ``repeat`` calls (the least disturbed), and a result."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_rss_mb() -> float:
    """Peak resident memory of this process (and waited-for children), MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0


def report(stage: str, rows: list[dict[str, Any]], **extra: Any) -> Path:
    """Write ``results/bench/<stage>.json`` and print its rows as a table."""
    out = BENCH_DIR / f"{stage}.json"
    write_json(out, {"stage": stage, "machine": machine(), "rows": rows, **extra})
    keys = list(dict.fromkeys(k for row in rows for k in row))
    widths = {k: max(len(k), *(len(_fmt(r.get(k))) for r in rows)) for k in keys}
    print(f"\n== {stage} ({out})")
    print("  ".join(k.ljust(widths[k]) for k in keys))
    for row in rows:
        print("  ".join(_fmt(row.get(k)).ljust(widths[k]) for k in keys))
    for key, value in extra.items():
        print(f"{key}: {json.dumps(value)}")
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)
