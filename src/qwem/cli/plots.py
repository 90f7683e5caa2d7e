"""``qwem plots``: the paper's figures and tables from the pipeline's tables.

Each action reads CSV tables (and, for Fig. 1, the embedding snapshots
``W_<step>.npy`` listed by a run's ``checkpoints.csv``) and writes a PNG and
a PDF, or a table as CSV and Markdown. Options that name one run or slot take
``KEY=VALUE`` and may repeat (``--trace qwem-small=results/.../trace.csv``).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from qwem.cli.common import actions, add_command, keyed, save_plot, write_texts
from qwem.cli.tables import register_tables

logger = logging.getLogger(__name__)


def _snapshot_path(checkpoints: Path, step: int) -> Path:
    """``W_<step:09d>.npy`` beside a run's ``checkpoints.csv``."""
    return checkpoints.parent / f"W_{step:09d}.npy"


def _run_data(
    trace: Path | None, checkpoints: Path | None, label: str, init: float | None
) -> Any:
    """Fig. 1's view of a run: trace, last snapshot, snapshots at rank 1, 2, 3."""
    import numpy as np

    from qwem.errors import QwemInputError
    from qwem.plots.dynamics import RunData
    from qwem.plots.traces import choose_snapshots

    if trace is None or checkpoints is None:
        return None
    table = pd.read_csv(trace)
    steps = [int(s) for s in pd.read_csv(checkpoints)["step"]]
    snaps = choose_snapshots(table, steps)
    paths = {
        s: _snapshot_path(checkpoints, s) for s in (steps[-1], *(x.step for x in snaps))
    }
    if missing := sorted(str(path) for path in paths.values() if not path.exists()):
        raise QwemInputError(
            f"{checkpoints} lists snapshots that are missing ({', '.join(missing)}); "
            "delete the run's directory and rerun snakemake"
        )
    run = RunData(label=label, trace=table, init=init, final=np.load(paths[steps[-1]]))
    for snap in snaps:
        run.snapshots.append((snap, np.load(paths[snap.step])))
        logger.info("%s: step %d, effective rank %d", label, snap.step, snap.rank)
    return run


def cmd_fig1(a: argparse.Namespace) -> None:
    from qwem.plots import fig1_dynamics
    from qwem.vocab import read_vocabulary

    words = read_vocabulary(a.vocab)
    qwem = _run_data(a.qwem_trace, a.qwem_checkpoints, "QWEM", a.qwem_init)
    sgns = _run_data(a.sgns_trace, a.sgns_checkpoints, "word2vec", None)
    fig = fig1_dynamics(
        qwem,
        sgns,
        pd.read_csv(a.theory),
        words,
        modes=a.modes,
        n_labels=a.labels,
        among=a.among,
    )
    save_plot(fig, a)


def cmd_fig2(a: argparse.Namespace) -> None:
    from qwem.plots import fig2_rescaled

    inits = {k: float(v) for k, v in a.init}
    runs = {k: (pd.read_csv(v), inits[k]) for k, v in a.trace}
    save_plot(fig2_rescaled(pd.read_csv(a.theory), runs, modes=a.modes), a)


def cmd_fig3(a: argparse.Namespace) -> None:
    from qwem.plots import fig3_concepts

    fig = fig3_concepts(pd.read_csv(a.concepts), directions=a.directions, words=a.words)
    save_plot(fig, a)


def cmd_fig4(a: argparse.Namespace) -> None:
    from qwem.plots import fig4_rmt
    from qwem.plots.rmt import pick_mp_family

    fits = pd.read_csv(a.fits)
    pick = pick_mp_family(fits, preferred=a.family, min_pairs=a.min_pairs)
    logger.info(
        "MP panels: %s (N = %d) at d = %s%s",
        pick.family,
        pick.pairs,
        pick.dims,
        f"; {pick.note}" if pick.note else "",
    )
    fig = fig4_rmt(
        pd.read_csv(a.spectra),
        pd.read_csv(a.density),
        fits,
        pd.read_csv(a.localisation),
        pd.read_csv(a.sweep),
        family=a.family,
        min_pairs=a.min_pairs,
        modes=a.modes,
        bins=a.bins,
    )
    save_plot(fig, a)


def cmd_ablation(a: argparse.Namespace) -> None:
    from qwem.plots import appendix_ablation
    from qwem.plots.dynamics import ABLATION_TITLES

    given = dict(a.trace)
    if unknown := sorted(set(given) - set(ABLATION_TITLES)):
        raise argparse.ArgumentTypeError(f"unknown ablation cells {unknown}")
    traces = {
        title: pd.read_csv(given[slot]) if slot in given else None
        for slot, title in ABLATION_TITLES.items()
    }
    save_plot(appendix_ablation(traces, modes=a.modes), a)


def cmd_top1(a: argparse.Namespace) -> None:
    from qwem.plots import appendix_top1

    save_plot(appendix_top1(pd.read_csv(a.sweep)), a)


def cmd_overlap(a: argparse.Namespace) -> None:
    from qwem.plots import appendix_overlap
    from qwem.plots.concepts import overlap_pairs

    table = pd.read_csv(a.overlap)
    wanted = [tuple(p.split(":", 1)) for p in a.prefer]
    save_plot(appendix_overlap(table, overlap_pairs(table, wanted, n=a.pairs)), a)


def cmd_spectra(a: argparse.Namespace) -> None:
    from qwem.plots import appendix_spectra
    from qwem.plots.concepts import spectrum_slopes

    spectra = pd.read_csv(a.spectra)
    slopes = spectrum_slopes(spectra)
    print(slopes.to_string(index=False))
    write_texts((a.slopes_csv, slopes.to_csv(index=False)))
    save_plot(appendix_spectra(spectra, slope=a.slope), a)


def _figure(sp: Any, name: str, func: Any, help_: str) -> argparse.ArgumentParser:
    """An action writing one figure: --png, --pdf, --dpi."""
    p = add_command(sp, name, func, help_)
    p.add_argument("--png", type=Path, required=True)
    p.add_argument("--pdf", type=Path, required=True)
    p.add_argument("--dpi", type=int, default=150)
    return p


def _register_dynamics(sp: Any) -> None:
    p = _figure(sp, "fig1", cmd_fig1, "Fig. 1: loss, singular values, embeddings")
    for run in ("qwem", "sgns"):
        p.add_argument(f"--{run}-trace", type=Path, help=f"{run} trace.csv")
        p.add_argument(
            f"--{run}-checkpoints",
            type=Path,
            help=f"{run} checkpoints.csv (W_<step>.npy beside)",
        )
    p.add_argument("--qwem-init", type=float, help="init of the QWEM run (theory)")
    p.add_argument("--theory", type=Path, required=True, help="theory.csv")
    p.add_argument("--vocab", type=Path, required=True, help="vocab.tsv")
    p.add_argument("--modes", type=int, default=10)
    p.add_argument("--labels", type=int, default=8, help="labelled words")
    p.add_argument("--among", type=int, default=1000, help="most frequent words")
    p = _figure(sp, "fig2", cmd_fig2, "Fig. 2: singular values vs t/tau_1")
    p.add_argument("--theory", type=Path, required=True, help="theory.csv")
    p.add_argument(
        "--trace", type=keyed, action="append", default=[], help="SLOT=trace.csv"
    )
    p.add_argument("--init", type=keyed, action="append", default=[], help="SLOT=init")
    p.add_argument("--modes", type=int, default=10)
    p = _figure(sp, "ablation", cmd_ablation, "ablation grid of singular values")
    p.add_argument(
        "--trace",
        type=keyed,
        action="append",
        default=[],
        help="CELL=trace.csv (cells sgns, quartic, setting31, qwem)",
    )
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
    for table in ("spectra", "density", "fits", "localisation", "sweep"):
        p.add_argument(f"--{table}", type=Path, required=True, help=f"rmt/{table}.csv")
    p.add_argument("--family", default="past-tense", help="preferred MP family")
    p.add_argument("--min-pairs", type=int, required=True, help="N for MP panels")
    p.add_argument("--modes", type=int, default=30)
    p.add_argument("--bins", type=int, default=15)
    p = _figure(sp, "top1", cmd_top1, "top-1 scores vs d")
    p.add_argument("--sweep", type=Path, required=True, help="rmt/sweep.csv")
    p = _figure(sp, "overlap", cmd_overlap, "singular-vector overlap matrices")
    p.add_argument("--overlap", type=Path, required=True, help="overlap_matrix.csv")
    p.add_argument(
        "--prefer", action="append", default=[], help="MODEL_A:MODEL_B shown first"
    )
    p.add_argument("--pairs", type=int, default=2)
    p = _figure(sp, "spectra", cmd_spectra, "eigenvalue spectra of the targets")
    p.add_argument(
        "--spectra", type=Path, required=True, help="closed_form/spectra.csv"
    )
    p.add_argument("--slope", type=float, default=-0.6, help="reference exponent")
    p.add_argument(
        "--slopes-csv", type=Path, required=True, help="fitted exponent per target"
    )
    register_tables(sp, _figure)
