"""``qwem plots`` tables: Table 1, agreement, theory time and compute (CSV + MD)."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from qwem.cli.common import add_command, pick, required
from qwem.cli.plots.figures import figure, files, repeated

TABLE1_OUTPUTS = (
    *("csv", "md", "paired-csv", "paired-md"),
    *("categories-csv", "categories-md"),
)


def _tables() -> ModuleType:
    """:mod:`qwem.plots.table_files`, imported when a command runs."""
    return importlib.import_module("qwem.plots.table_files")


def cmd_theory_time(a: argparse.Namespace) -> None:
    meta, init, loss = dict(a.meta), dict(a.init), dict(a.loss)
    runs = {
        n: _tables().TimedRunFiles(Path(t), Path(meta[n]), float(init[n]), loss[n])
        for n, t in a.trace
    }
    print(_tables().theory_time_files(a.theory, runs, a.csv, a.md).to_string())


def cmd_table1(a: argparse.Namespace) -> None:
    out = _tables().Table1Files(**pick(a, *TABLE1_OUTPUTS))
    inputs = (a.table, a.analogies, a.intervals, a.paired)
    _tables().table1_files(*inputs, trained=dict(a.trained), out=out)


def cmd_agreement(a: argparse.Namespace) -> None:
    opts = pick(a, "reference", "models", "ks", "csv", "md")
    print(_tables().agreement_files(a.subspace, **opts).to_string())


def cmd_compute(a: argparse.Namespace) -> None:
    opts = pick(a, "gensim", "table", "stats", "eig", "fraction", "csv", "md")
    slots = dict(a.checkpoints), dict(a.run)
    print(_tables().compute_files(*slots, files=files(a), **opts).to_string())


def register(sp: Any) -> None:
    """Add the table commands to ``qwem plots``."""
    p = add_command(sp, "theory-time", cmd_theory_time, "half-rise time vs tau_1")
    required(p, Path, "theory", "csv", "md")
    repeated(p, "trace", "meta", "init", "loss", help_="RUN=trace, config, init, loss")
    p = figure(sp, "compute", cmd_compute, "analogy accuracy against compute")
    repeated(p, "checkpoints", "run", help_="SLOT=checkpoints.csv, SLOT=run")
    required(p, Path, "gensim", "table", "stats", "eig", "csv", "md")
    required(p, float, "fraction")
    p = add_command(sp, "table1", cmd_table1, "Table 1 and analogies by category")
    repeated(p, "trained", help_="SLOT=run of a trained row (sgns, qwem)")
    required(p, Path, "table", "analogies", "intervals", "paired", *TABLE1_OUTPUTS)
    p = add_command(sp, "agreement", cmd_agreement, "overlap with M* at each k")
    required(p, Path, "subspace", "csv", "md")
    p.add_argument("--reference", required=True, help="model compared with")
    p.add_argument("--models", nargs="+", required=True, help="rows, in order")
    p.add_argument("--ks", type=int, nargs="+", required=True, help="columns")
