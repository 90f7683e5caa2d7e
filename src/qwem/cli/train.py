"""``qwem train``: one SGD training run of QWEM or SGNS.

The work is :func:`qwem.train.jobs.train_run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qwem.cli.common import actions, add_command, add_memory_limit

PATHS = ("tokens", "offsets", "vocab", "unigram", "p_ij", "out_dir", "w2v")


def cmd_run(a: argparse.Namespace) -> None:
    from qwem.train.jobs import train_run

    keys = (*PATHS, "context_length", "weighting", "max_memory_mb")
    opts = {k: getattr(a, k) for k in keys}
    train_run(a.run, a.config, threads=a.threads, **opts)


def register(stages: Any) -> None:
    """Add ``qwem train ...``."""
    tr = actions(stages, "train", "SGD training of QWEM / SGNS")
    p = add_command(tr, "run", cmd_run, "train one run, resuming from its last state")
    p.add_argument("--run", required=True, help="run name (train.runs.<run>)")
    p.add_argument("--config", required=True, help="the run's settings as JSON")
    p.add_argument("--tokens", type=Path, nargs="+", required=True)
    p.add_argument("--offsets", type=Path, nargs="+", required=True)
    p.add_argument("--vocab", type=Path, required=True)
    p.add_argument("--unigram", type=Path, required=True, help="stats/unigram.npy")
    p.add_argument(
        "--p-ij", dest="p_ij", type=Path, required=True, help="stats/P_ij.npy"
    )
    p.add_argument("--context-length", type=int, required=True)
    p.add_argument("--weighting", required=True, choices=("linear", "flat"))
    p.add_argument("--out-dir", type=Path, required=True)
    p.add_argument("--w2v", type=Path, required=True)
    p.add_argument(
        "--threads", type=int, required=True, help="torch CPU threads (0: default)"
    )
    add_memory_limit(p)
