"""``qwem rmt``: the random-matrix basis and the spiked-model tables.

``basis`` is ``qwem spectral solve`` (the D eigenpairs of M*); ``tables`` is
:func:`qwem.rmt.jobs.rmt_tables` (docs/method.md#random-matrix-analyses).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qwem.cli.common import (
    actions,
    add_command,
    input_arg,
    params_of,
    pick,
    vocab_and_questions,
)
from qwem.cli.spectral import add_solve

OUTPUTS = ("sweep", "spectra", "fits", "density", "localisation")


def cmd_tables(a: argparse.Namespace) -> None:
    from qwem.rmt.jobs import RmtOutputs, RmtSettings, rmt_tables

    keys = ("families", "d_min", "d_max", "points", "hist_dims", "modes", "margin")
    settings = RmtSettings(
        **pick(a, *keys, "max_outliers", "edge_shift", "density_points")
    )
    outputs = RmtOutputs(**{name: getattr(a, f"{name}_out") for name in OUTPUTS})
    fits = rmt_tables(
        a.input,
        vocab=a.vocab,
        questions=a.questions,
        settings=settings,
        outputs=outputs,
        params=params_of(a),
    )
    print(fits.to_string(index=False))


def register(stages: Any) -> None:
    """Add ``qwem rmt ...``."""
    sp = actions(stages, "rmt", "random-matrix basis and spiked-model tables")
    add_solve(sp, "basis", "the D eigenpairs of the random-matrix basis (as solve)")
    p = add_command(sp, "tables", cmd_tables, "spiked-model tables of analogy families")
    input_arg(p, "eigenpairs .npz (or an embedding already in the eigenbasis)")
    vocab_and_questions(p)
    # not in the config: the paper's protocol (docs/method.md#random-matrix-analyses)
    p.add_argument(
        "--families",
        nargs="+",
        metavar="FAMILY",
        help="keys of qwem.rmt.FAMILIES or Google categories (default: all five)",
    )
    p.add_argument("--d-min", type=int, default=4)
    p.add_argument("--d-max", type=int, required=True, help="rmt.dim, clipped to D")
    p.add_argument("--points", type=int, required=True, help="log-grid points")
    p.add_argument("--hist-dims", type=int, nargs="+", required=True)
    p.add_argument("--modes", type=int, required=True, help="localisation modes")
    p.add_argument("--margin", type=float, default=6.0, help="Tracy-Widom units")
    p.add_argument("--max-outliers", type=int, default=10)
    p.add_argument(
        "--edge-shift",
        type=float,
        help="Tracy-Widom units added to the top bulk eigenvalue to estimate λ+ "
        "(default -E[TW1] = 1.2065; 0 is the paper's literal estimator)",
    )
    p.add_argument("--density-points", type=int, default=200)
    for name in OUTPUTS:
        p.add_argument(f"--{name}-out", type=Path, required=True)
