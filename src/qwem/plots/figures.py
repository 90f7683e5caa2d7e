"""The figures of ``qwem plots``, file to file: read the tables, draw, save.

Each function reads the pipeline's CSV tables (and, for Fig. 1, the
embedding snapshots ``W_<step>.npy`` listed by a run's ``checkpoints.csv``)
and saves a PNG and a PDF (:class:`~qwem.plots.common.FigureFiles`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

import pandas as pd

from qwem.io import read_csv
from qwem.plots.common import FigureFiles, write_texts
from qwem.plots.dynamics import RunData

logger = logging.getLogger(__name__)


def snapshot_path(snapshots: Path, step: int) -> Path:
    """``W_<step:09d>.npy`` in a run's ``snapshots`` directory."""
    return snapshots / f"W_{step:09d}.npy"


def run_data(
    trace: Path | None,
    checkpoints: Path | None,
    snapshots: Path | None,
    label: str,
    init: float | None,
) -> RunData | None:
    """Fig. 1's view of a run: trace, last snapshot, snapshots at rank 1, 2, 3.

    None when the run is not given; a missing snapshot is an error naming it.
    """
    from qwem.digests import load_verified_npy
    from qwem.errors import QwemInputError
    from qwem.plots.traces import choose_snapshots

    if trace is None or checkpoints is None or snapshots is None:
        return None
    table = read_csv(trace)
    steps = [int(s) for s in read_csv(checkpoints)["step"]]
    snaps = choose_snapshots(table, steps)
    paths = {
        s: snapshot_path(snapshots, s) for s in (steps[-1], *(x.step for x in snaps))
    }
    if missing := sorted(str(path) for path in paths.values() if not path.exists()):
        raise QwemInputError(
            f"{checkpoints} lists snapshots that are missing ({', '.join(missing)}); "
            "delete the run's directory and rerun snakemake"
        )
    final = load_verified_npy(paths[steps[-1]])  # sidecar: digest and producer
    run = RunData(label=label, trace=table, init=init, final=final)
    for snap in snaps:
        run.snapshots.append((snap, load_verified_npy(paths[snap.step])))
        logger.info("%s: step %d, effective rank %d", label, snap.step, snap.rank)
    return run


def fig1_file(
    theory: Path,
    vocab: Path,
    files: FigureFiles,
    *,
    qwem: tuple[Path | None, Path | None, Path | None, float | None],
    sgns: tuple[Path | None, Path | None, Path | None],
    modes: int,
    labels: int,
    among: int,
) -> None:
    """Fig. 1: loss, singular values and embeddings of the QWEM and SGNS runs.

    ``qwem`` is (trace, checkpoints, snapshots directory, init), ``sgns``
    (trace, checkpoints, snapshots); a run without its files is left out.
    """
    from qwem.plots import fig1_dynamics
    from qwem.vocab import read_vocabulary

    words = read_vocabulary(vocab)
    fig = fig1_dynamics(
        run_data(*qwem[:3], "QWEM", qwem[3]),
        run_data(*sgns, "word2vec", None),
        read_csv(theory),
        words,
        modes=modes,
        n_labels=labels,
        among=among,
    )
    files.save(fig)


def fig2_file(
    theory: Path,
    traces: Sequence[tuple[str, str]],
    inits: Sequence[tuple[str, str]],
    files: FigureFiles,
    *,
    modes: int,
) -> None:
    """Fig. 2: singular values against t / τ₁, one curve per SLOT=trace."""
    from qwem.plots import fig2_rescaled

    init = {k: float(v) for k, v in inits}
    runs = {k: (read_csv(v), init[k]) for k, v in traces}
    files.save(fig2_rescaled(read_csv(theory), runs, modes=modes))


def fig3_file(
    concepts: Path, files: FigureFiles, *, directions: int, words: int
) -> None:
    """Fig. 3: the top words of M*'s leading eigenvectors."""
    from qwem.plots import fig3_concepts

    table = read_csv(concepts)
    files.save(fig3_concepts(table, directions=directions, words=words))


def fig4_file(
    tables: Mapping[str, Path],
    files: FigureFiles,
    *,
    family: str,
    min_pairs: int,
    modes: int,
    bins: int,
) -> None:
    """Fig. 4 from the rmt tables (keys spectra, density, fits, localisation, sweep)."""
    from qwem.plots import fig4_rmt
    from qwem.plots.rmt import pick_mp_family

    read = {name: read_csv(path) for name, path in tables.items()}
    pick = pick_mp_family(read["fits"], preferred=family, min_pairs=min_pairs)
    logger.info(
        "MP panels: %s (N = %d) at d = %s%s",
        pick.family,
        pick.pairs,
        pick.dims,
        f"; {pick.note}" if pick.note else "",
    )
    fig = fig4_rmt(
        read["spectra"],
        read["density"],
        read["fits"],
        read["localisation"],
        read["sweep"],
        family=family,
        min_pairs=min_pairs,
        modes=modes,
        bins=bins,
    )
    files.save(fig)


def ablation_file(
    traces: Sequence[tuple[str, str]], files: FigureFiles, *, modes: int
) -> None:
    """The ablation grid; cells (:data:`ABLATION_TITLES`) without a trace are blank."""
    from qwem.errors import QwemInputError
    from qwem.plots import appendix_ablation
    from qwem.plots.dynamics import ABLATION_TITLES

    given = dict(traces)
    if unknown := sorted(set(given) - set(ABLATION_TITLES)):
        raise QwemInputError(
            f"unknown ablation cells {unknown}; cells: {', '.join(ABLATION_TITLES)}"
        )
    frames = {
        title: read_csv(given[slot]) if slot in given else None
        for slot, title in ABLATION_TITLES.items()
    }
    files.save(appendix_ablation(frames, modes=modes))


def top1_file(sweep: Path, files: FigureFiles) -> None:
    """Top-1 scores of the analogy families against d."""
    from qwem.plots import appendix_top1

    files.save(appendix_top1(read_csv(sweep)))


def overlap_file(
    overlap: Path, prefer: Sequence[str], files: FigureFiles, *, pairs: int
) -> None:
    """Overlap heatmaps of ``pairs`` model pairs, the ``A:B`` of ``prefer`` first."""
    from qwem.plots import appendix_overlap
    from qwem.plots.concepts import overlap_pairs

    table = read_csv(overlap)
    wanted = [cast(tuple[str, str], tuple(p.split(":", 1))) for p in prefer]
    files.save(appendix_overlap(table, overlap_pairs(table, wanted, n=pairs)))


def spectra_file(
    spectra: Path, slopes_csv: Path, files: FigureFiles, *, slope: float
) -> pd.DataFrame:
    """Eigenvalue spectra of the targets, and their fitted exponents (returned)."""
    from qwem.plots import appendix_spectra
    from qwem.plots.concepts import spectrum_slopes

    table = read_csv(spectra)
    slopes = spectrum_slopes(table)
    write_texts((slopes_csv, slopes.to_csv(index=False)))
    files.save(appendix_spectra(table, slope=slope))
    return slopes
