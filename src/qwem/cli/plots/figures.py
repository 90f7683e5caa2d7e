"""``qwem plots`` figures: each draws one figure (PNG and PDF) from tables."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from qwem.cli.common import add_command, keyed, pick, required

RMT_TABLES = ("spectra", "density", "fits", "localisation", "sweep")


def _figures() -> ModuleType:
    """:mod:`qwem.plots.figures`, imported when a command runs (matplotlib)."""
    return importlib.import_module("qwem.plots.figures")


def files(a: argparse.Namespace) -> Any:
    """The figure's --png, --pdf and --dpi."""
    return _figures().FigureFiles(a.png, a.pdf, a.dpi)


def cmd_fig1(a: argparse.Namespace) -> None:
    qwem = (a.qwem_trace, a.qwem_checkpoints, a.qwem_snapshots, a.qwem_init)
    sgns = (a.sgns_trace, a.sgns_checkpoints, a.sgns_snapshots)
    opts = pick(a, "modes", "labels", "among")
    _figures().fig1_file(a.theory, a.vocab, files(a), qwem=qwem, sgns=sgns, **opts)


def cmd_fig2(a: argparse.Namespace) -> None:
    _figures().fig2_file(a.theory, a.trace, a.init, files(a), modes=a.modes)


def cmd_fig3(a: argparse.Namespace) -> None:
    _figures().fig3_file(a.concepts, files(a), directions=a.directions, words=a.words)


def cmd_fig4(a: argparse.Namespace) -> None:
    opts = pick(a, "family", "min_pairs", "modes", "bins")
    _figures().fig4_file(pick(a, *RMT_TABLES), files(a), **opts)


def cmd_ablation(a: argparse.Namespace) -> None:
    _figures().ablation_file(a.trace, files(a), modes=a.modes)


def cmd_top1(a: argparse.Namespace) -> None:
    _figures().top1_file(a.sweep, files(a))


def cmd_overlap(a: argparse.Namespace) -> None:
    _figures().overlap_file(a.overlap, a.prefer, files(a), pairs=a.pairs)


def cmd_spectra(a: argparse.Namespace) -> None:
    slopes = _figures().spectra_file(a.spectra, a.slopes_csv, files(a), slope=a.slope)
    print(slopes.to_string(index=False))


def repeated(p: argparse.ArgumentParser, *names: str, help_: str = "") -> None:
    """Options ``--NAME KEY=VALUE`` that may repeat."""
    for name in names:
        p.add_argument(f"--{name}", type=keyed, action="append", default=[], help=help_)


def figure(
    sp: Any, name: str, func: Any, help_: str, *ints: str
) -> argparse.ArgumentParser:
    """A figure command: --png, --pdf, --dpi and the integer options ``ints``."""
    p = add_command(sp, name, func, help_)
    required(p, Path, "png", "pdf")
    required(p, int, "dpi", *ints)
    return p


def register(sp: Any) -> None:
    """Add the figure commands to ``qwem plots``."""
    p = figure(sp, "fig1", cmd_fig1, "Fig. 1: loss, singular values, W", "modes")
    for run in ("qwem", "sgns"):
        p.add_argument(f"--{run}-trace", type=Path, help=f"{run} trace.csv")
        p.add_argument(f"--{run}-checkpoints", type=Path, help=f"{run} checkpoints.csv")
        p.add_argument(f"--{run}-snapshots", type=Path, help="its W_<step>.npy dir")
    p.add_argument("--qwem-init", type=float, help="init of the QWEM run (theory)")
    required(p, Path, "theory", "vocab")
    required(p, int, "labels", "among")
    p = figure(sp, "fig2", cmd_fig2, "Fig. 2: singular values vs t/tau_1", "modes")
    required(p, Path, "theory")
    repeated(p, "trace", "init", help_="SLOT=trace.csv, SLOT=init")
    p = figure(sp, "ablation", cmd_ablation, "ablation grid", "modes")
    repeated(p, "trace", help_="CELL=trace.csv (sgns, quartic, setting31, qwem)")
    p = figure(sp, "fig3", cmd_fig3, "Fig. 3: concepts of M*", "directions", "words")
    required(p, Path, "concepts")
    p = figure(sp, "fig4", cmd_fig4, "Fig. 4: MP fits, localisation, SNR", "min-pairs")
    required(p, Path, *RMT_TABLES)
    required(p, str, "family")
    required(p, int, "modes", "bins")
    p = figure(sp, "top1", cmd_top1, "top-1 scores vs d")
    required(p, Path, "sweep")
    p = figure(sp, "overlap", cmd_overlap, "singular-vector overlaps", "pairs")
    required(p, Path, "overlap")
    p.add_argument("--prefer", action="append", default=[], help="MODEL_A:MODEL_B")
    p = figure(sp, "spectra", cmd_spectra, "eigenvalue spectra of the targets")
    required(p, Path, "spectra", "slopes-csv")
    required(p, float, "slope")
