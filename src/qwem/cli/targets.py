"""``qwem targets``: P_i, P_ij and the V x V targets from the pair counts.

The work is :func:`qwem.targets.build_targets`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qwem.cli.common import actions, add_command, add_memory_limit, pick


def cmd_build(a: argparse.Namespace) -> None:
    from qwem.targets import build_targets

    opts = pick(a, "negative_weight", "config_fingerprint", "max_memory_mb")
    build_targets(a.counts, a.outdir, a.stats, **opts)


def register(stages: Any) -> None:
    """Add ``qwem targets ...``."""
    tg = actions(stages, "targets", "M*, PMI, PPMI, SGNS target, G from counts")
    p = add_command(tg, "build", cmd_build, "write P_i, P_ij and the V x V targets")
    p.add_argument("counts", type=Path)
    p.add_argument("--outdir", type=Path, required=True)
    p.add_argument("--stats", type=Path, required=True, help="stats.json")
    p.add_argument(
        "--config-fingerprint",
        dest="config_fingerprint",
        required=True,
        help="fingerprint of the config sections behind the statistics",
    )
    p.add_argument(
        "--negative-weight",
        type=float,
        required=True,
        help="ν of M*, G and the SGNS target (targets.negative_weight)",
    )
    add_memory_limit(p)
