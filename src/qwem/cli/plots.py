"""``qwem plots``: the paper's figures and tables from the pipeline's tables.

The work is :mod:`qwem.plots.figures` and :mod:`qwem.plots.table_files`.
Options naming one run or slot take ``KEY=VALUE`` and may repeat
(``--trace qwem-small=results/.../trace.csv``).
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from qwem.cli.common import actions, add_command, keyed, pick, required


def _figures() -> ModuleType:
    """:mod:`qwem.plots.figures`, imported when a command runs (matplotlib)."""
    return importlib.import_module("qwem.plots.figures")


def _tables() -> ModuleType:
    """:mod:`qwem.plots.table_files`, imported when a command runs."""
    return importlib.import_module("qwem.plots.table_files")


def _files(a: argparse.Namespace) -> Any:
    return _figures().FigureFiles(a.png, a.pdf, a.dpi)


def cmd_fig1(a: argparse.Namespace) -> None:
    qwem = (a.qwem_trace, a.qwem_checkpoints, a.qwem_snapshots, a.qwem_init)
    sgns = (a.sgns_trace, a.sgns_checkpoints, a.sgns_snapshots)
    opts = pick(a, "modes", "labels", "among")
    _figures().fig1_file(a.theory, a.vocab, _files(a), qwem=qwem, sgns=sgns, **opts)


def cmd_fig2(a: argparse.Namespace) -> None:
    _figures().fig2_file(a.theory, a.trace, a.init, _files(a), modes=a.modes)


def cmd_fig3(a: argparse.Namespace) -> None:
    _figures().fig3_file(a.concepts, _files(a), directions=a.directions, words=a.words)


def cmd_fig4(a: argparse.Namespace) -> None:
    tables = pick(a, *RMT_TABLES)
    _figures().fig4_file(
        tables, _files(a), **pick(a, "family", "min_pairs", "modes", "bins")
    )


def cmd_ablation(a: argparse.Namespace) -> None:
    _figures().ablation_file(a.trace, _files(a), modes=a.modes)


def cmd_top1(a: argparse.Namespace) -> None:
    _figures().top1_file(a.sweep, _files(a))


def cmd_overlap(a: argparse.Namespace) -> None:
    _figures().overlap_file(a.overlap, a.prefer, _files(a), pairs=a.pairs)


def cmd_spectra(a: argparse.Namespace) -> None:
    slopes = _figures().spectra_file(a.spectra, a.slopes_csv, _files(a), slope=a.slope)
    print(slopes.to_string(index=False))


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
    print(_tables().compute_files(*slots, files=_files(a), **opts).to_string())


RMT_TABLES = ("spectra", "density", "fits", "localisation", "sweep")
TABLE1_OUTPUTS = (
    *("csv", "md", "paired-csv", "paired-md"),
    *("categories-csv", "categories-md"),
)


def _repeated(p: argparse.ArgumentParser, *names: str, help_: str = "") -> None:
    for name in names:
        p.add_argument(f"--{name}", type=keyed, action="append", default=[], help=help_)


def register(stages: Any) -> None:
    """Add ``qwem plots ...``: figures (--png, --pdf, --dpi) and tables."""
    sp = actions(stages, "plots", "figures and tables of the paper")

    def figure(name: str, func: Any, help_: str, *ints: str) -> argparse.ArgumentParser:
        p = add_command(sp, name, func, help_)
        required(p, Path, "png", "pdf")
        required(p, int, "dpi", *ints)
        return p

    p = figure("fig1", cmd_fig1, "Fig. 1: loss, singular values, embeddings", "modes")
    for run in ("qwem", "sgns"):
        p.add_argument(f"--{run}-trace", type=Path, help=f"{run} trace.csv")
        p.add_argument(f"--{run}-checkpoints", type=Path, help=f"{run} checkpoints.csv")
        p.add_argument(f"--{run}-snapshots", type=Path, help="its W_<step>.npy dir")
    p.add_argument("--qwem-init", type=float, help="init of the QWEM run (theory)")
    required(p, Path, "theory", "vocab")
    required(p, int, "labels", "among")
    p = figure("fig2", cmd_fig2, "Fig. 2: singular values vs t/tau_1", "modes")
    required(p, Path, "theory")
    _repeated(p, "trace", "init", help_="SLOT=trace.csv, SLOT=init")
    p = figure("ablation", cmd_ablation, "ablation grid of singular values", "modes")
    _repeated(p, "trace", help_="CELL=trace.csv (sgns, quartic, setting31, qwem)")
    p = figure("fig3", cmd_fig3, "Fig. 3: concepts of M*", "directions", "words")
    required(p, Path, "concepts")
    p = figure("fig4", cmd_fig4, "Fig. 4: MP fits, localisation, SNR", "min-pairs")
    required(p, Path, *RMT_TABLES)
    required(p, str, "family")
    required(p, int, "modes", "bins")
    p = figure("top1", cmd_top1, "top-1 scores vs d")
    required(p, Path, "sweep")
    p = figure("overlap", cmd_overlap, "singular-vector overlap matrices", "pairs")
    required(p, Path, "overlap")
    p.add_argument("--prefer", action="append", default=[], help="MODEL_A:MODEL_B")
    p = figure("spectra", cmd_spectra, "eigenvalue spectra of the targets")
    required(p, Path, "spectra", "slopes-csv")
    required(p, float, "slope")

    p = add_command(sp, "theory-time", cmd_theory_time, "half-rise time vs tau_1")
    required(p, Path, "theory", "csv", "md")
    _repeated(p, "trace", "meta", "init", "loss", help_="RUN=trace, config, init, loss")
    p = figure("compute", cmd_compute, "analogy accuracy against compute")
    _repeated(p, "checkpoints", "run", help_="SLOT=checkpoints.csv, SLOT=run")
    required(p, Path, "gensim", "table", "stats", "eig", "csv", "md")
    required(p, float, "fraction")
    p = add_command(sp, "table1", cmd_table1, "Table 1 and analogies by category")
    _repeated(p, "trained", help_="SLOT=run of a trained row (sgns, qwem)")
    required(p, Path, "table", "analogies", "intervals", "paired", *TABLE1_OUTPUTS)
    p = add_command(sp, "agreement", cmd_agreement, "overlap with M* at each k")
    required(p, Path, "subspace", "csv", "md")
    p.add_argument("--reference", required=True, help="model compared with")
    p.add_argument("--models", nargs="+", required=True, help="rows, in order")
    p.add_argument("--ks", type=int, nargs="+", required=True, help="columns")
