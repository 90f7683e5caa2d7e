"""``qwem plots``: the paper's figures and tables from the pipeline's tables.

Each action reads CSV tables (and, for Fig. 1, the embedding snapshots
``W_<step>.npy`` beside a run's ``trace.csv``) and writes a PNG and a PDF.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from qwem.cli.common import actions, add_command

logger = logging.getLogger(__name__)


def _csv(path: Path | None) -> pd.DataFrame | None:
    """A CSV table, or None when no path was given."""
    return None if path is None else pd.read_csv(path)


def _save(fig: Any, a: argparse.Namespace) -> None:
    from qwem.plots import save_figure

    save_figure(fig, a.png, a.pdf, dpi=a.dpi)
    logger.info("wrote %s and %s", a.png, a.pdf)


def _run_data(trace: Path | None, label: str, init: float | None, among: int) -> Any:
    """Fig. 1's view of a run: trace, final W, three snapshots at rank ~1, 2, 3."""
    import numpy as np

    from qwem.plots.dynamics import RunData, choose_snapshots

    if trace is None:
        return None
    table = pd.read_csv(trace)
    final_path = trace.parent / "W.npy"
    snaps = {int(p.stem.split("_")[1]): p for p in trace.parent.glob("W_*.npy")}
    run = RunData(label=label, trace=table, init=init)
    if final_path.exists():
        run.final = np.load(final_path)
    if snaps and run.final is not None:
        for step in choose_snapshots(table, list(snaps)):
            run.snapshots[step] = np.load(snaps[step])
    return run


def cmd_fig1(a: argparse.Namespace) -> None:
    from qwem.plots import fig1_dynamics
    from qwem.vocab import read_vocabulary

    words = read_vocabulary(a.vocab)
    qwem = _run_data(a.qwem_trace, "QWEM", a.qwem_init, a.among)
    sgns = _run_data(a.sgns_trace, "word2vec", None, a.among)
    fig = fig1_dynamics(
        qwem,
        sgns,
        pd.read_csv(a.theory),
        words,
        modes=a.modes,
        n_labels=a.labels,
        among=a.among,
    )
    _save(fig, a)


def cmd_fig2(a: argparse.Namespace) -> None:
    from qwem.plots import fig2_rescaled

    panels = [
        (a.large_init, {"word2vec": _csv(a.sgns_large), "QWEM": _csv(a.qwem_large)}),
        (a.small_init, {"word2vec": _csv(a.sgns_small), "QWEM": _csv(a.qwem_small)}),
    ]
    _save(fig2_rescaled(pd.read_csv(a.theory), panels, modes=a.modes), a)


def cmd_fig3(a: argparse.Namespace) -> None:
    from qwem.plots import fig3_concepts

    fig = fig3_concepts(pd.read_csv(a.concepts), directions=a.directions, words=a.words)
    _save(fig, a)


def cmd_fig4(a: argparse.Namespace) -> None:
    from qwem.plots import fig4_rmt

    fig = fig4_rmt(
        pd.read_csv(a.spectra),
        pd.read_csv(a.density),
        pd.read_csv(a.localisation),
        pd.read_csv(a.sweep),
        family=a.family,
        modes=a.modes,
        bins=a.bins,
    )
    _save(fig, a)


def cmd_ablation(a: argparse.Namespace) -> None:
    from qwem.plots import appendix_ablation

    traces = {
        "regular SGNS": _csv(a.sgns),
        "quartic loss only": _csv(a.quartic),
        "Setting 3.1 only": _csv(a.setting31),
        "both = QWEM": _csv(a.qwem),
    }
    _save(appendix_ablation(traces, modes=a.modes), a)


def cmd_top1(a: argparse.Namespace) -> None:
    from qwem.plots import appendix_top1

    _save(appendix_top1(pd.read_csv(a.sweep)), a)


def cmd_overlap(a: argparse.Namespace) -> None:
    from qwem.plots import appendix_overlap
    from qwem.plots.concepts import overlap_pairs

    table = pd.read_csv(a.overlap)
    _save(appendix_overlap(table, overlap_pairs(table, n=a.pairs)), a)


def cmd_spectra(a: argparse.Namespace) -> None:
    from qwem.plots import appendix_spectra

    _save(appendix_spectra(pd.read_csv(a.spectra), slope=a.slope), a)


def cmd_table1(a: argparse.Namespace) -> None:
    from qwem.plots import analogies_by_category
    from qwem.plots import tables as t

    bench, intervals = pd.read_csv(a.table), pd.read_csv(a.intervals)
    paired = pd.read_csv(a.paired)
    rows = t.table1_rows(bench["model"])  # TABLE1_ROWS, for now
    t1 = t.table1(bench, rows, intervals)
    vs = t.table1_paired(paired, rows)
    label = next((k for k, m in rows.items() if m in set(paired["reference"])), "")
    reference = f"{label} ({paired['reference'].iloc[0]})" if len(paired) else ""
    by_cat = analogies_by_category(pd.read_csv(a.analogies))
    _write_texts(
        (a.csv, t1.to_csv()),
        (a.md, t.table1_markdown(t1, t.interval_note(intervals))),
        (a.paired_csv, vs.to_csv()),
        (a.paired_md, t.paired_markdown(vs, t.interval_note(paired, reference))),
        (a.categories_csv, by_cat.to_csv()),
        (a.categories_md, t.analogies_markdown(by_cat)),
    )


def cmd_agreement(a: argparse.Namespace) -> None:
    from qwem.plots import tables as t

    table = t.agreement_table(
        pd.read_csv(a.subspace), reference=a.reference, models=a.models, ks=a.ks
    )
    print(table.to_string())
    _write_texts(
        (a.csv, table.to_csv()), (a.md, t.agreement_markdown(table, a.reference))
    )


def _write_texts(*outputs: tuple[Path, str]) -> None:
    """Write each (path, text) atomically."""
    from qwem.io import atomic_text

    for path, text in outputs:
        with atomic_text(path) as fh:
            fh.write(text)
        logger.info("wrote %s", path)


def _figure(sp: Any, name: str, func: Any, help_: str) -> argparse.ArgumentParser:
    """An action writing one figure: --png, --pdf, --dpi."""
    p = add_command(sp, name, func, help_)
    p.add_argument("--png", type=Path, required=True)
    p.add_argument("--pdf", type=Path, required=True)
    p.add_argument("--dpi", type=int, default=150)
    return p


def _register_dynamics(sp: Any) -> None:
    p = _figure(sp, "fig1", cmd_fig1, "Fig. 1: loss, singular values, embeddings")
    p.add_argument("--qwem-trace", type=Path, help="QWEM trace.csv (W_*.npy beside)")
    p.add_argument("--qwem-init", type=float, help="init of the QWEM run (theory)")
    p.add_argument("--sgns-trace", type=Path, help="word2vec trace.csv")
    p.add_argument("--theory", type=Path, required=True, help="theory.csv")
    p.add_argument("--vocab", type=Path, required=True, help="vocab.tsv")
    p.add_argument("--modes", type=int, default=10)
    p.add_argument("--labels", type=int, default=8, help="labelled words")
    p.add_argument("--among", type=int, default=1000, help="most frequent words")
    p = _figure(sp, "fig2", cmd_fig2, "Fig. 2: singular values vs t/tau_1")
    p.add_argument("--theory", type=Path, required=True, help="theory.csv")
    for run in ("sgns-large", "qwem-large", "sgns-small", "qwem-small"):
        p.add_argument(f"--{run}", type=Path, help=f"{run} trace.csv")
    p.add_argument("--large-init", type=float, default=0.1)
    p.add_argument("--small-init", type=float, default=1e-12)
    p.add_argument("--modes", type=int, default=10)
    p = _figure(sp, "ablation", cmd_ablation, "ablation grid of singular values")
    for run in ("sgns", "quartic", "setting31", "qwem"):
        p.add_argument(f"--{run}", type=Path, help=f"{run} trace.csv")
    p.add_argument("--modes", type=int, default=10)


def register(stages: Any) -> None:
    """Add ``qwem plots ...``."""
    sp = actions(stages, "plots", "figures and tables of the paper")
    _register_dynamics(sp)
    p = _figure(sp, "fig3", cmd_fig3, "Fig. 3: concepts of M*")
    p.add_argument("--concepts", type=Path, required=True, help="concepts_M_star.csv")
    p.add_argument("--directions", type=int, default=5)
    p.add_argument("--words", type=int, default=10)
    p = _figure(sp, "fig4", cmd_fig4, "Fig. 4: MP fits, localisation, SNR, accuracy")
    for table in ("spectra", "density", "localisation", "sweep"):
        p.add_argument(f"--{table}", type=Path, required=True, help=f"rmt/{table}.csv")
    p.add_argument("--family", default="past-tense")
    p.add_argument("--modes", type=int, default=30)
    p.add_argument("--bins", type=int, default=15)
    p = _figure(sp, "top1", cmd_top1, "top-1 scores vs d")
    p.add_argument("--sweep", type=Path, required=True, help="rmt/sweep.csv")
    p = _figure(sp, "overlap", cmd_overlap, "singular-vector overlap matrices")
    p.add_argument("--overlap", type=Path, required=True, help="overlap_matrix.csv")
    p.add_argument("--pairs", type=int, default=2)
    p = _figure(sp, "spectra", cmd_spectra, "eigenvalue spectra of the targets")
    p.add_argument(
        "--spectra", type=Path, required=True, help="closed_form/spectra.csv"
    )
    p.add_argument("--slope", type=float, default=-0.6)
    p = add_command(sp, "table1", cmd_table1, "Table 1 and analogies by category")
    p.add_argument("--table", type=Path, required=True, help="eval/table1.csv")
    p.add_argument("--analogies", type=Path, required=True, help="eval/analogies.csv")
    p.add_argument("--intervals", type=Path, required=True, help="eval/table1_ci.csv")
    p.add_argument("--paired", type=Path, required=True, help="eval/table1_paired.csv")
    for out in ("csv", "md", "paired-csv", "paired-md", "categories-csv"):
        p.add_argument(f"--{out}", type=Path, required=True)
    p.add_argument("--categories-md", type=Path, required=True)
    p = add_command(sp, "agreement", cmd_agreement, "overlap with M* at each k")
    p.add_argument(
        "--subspace", type=Path, required=True, help="eval/subspace_overlap.csv"
    )
    p.add_argument("--reference", required=True, help="model compared with")
    p.add_argument("--models", nargs="+", required=True, help="rows, in order")
    p.add_argument("--ks", type=int, nargs="+", required=True, help="columns")
    for out in ("csv", "md"):
        p.add_argument(f"--{out}", type=Path, required=True)
