"""The tables of ``qwem plots``, file to file: Table 1, agreement, theory time, compute.

Each function reads the pipeline's tables, builds the paper's table with
:mod:`qwem.plots.tables`, :mod:`qwem.plots.traces` or :mod:`qwem.plots.compute`
and writes it as CSV and Markdown; it returns the table, which the command
prints.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from qwem.io import read_csv, read_json
from qwem.plots.common import FigureFiles, write_texts

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimedRunFiles:
    """A run timed against the theory: its trace, config.json (κ), init and loss."""

    trace: Path
    meta: Path
    init: float
    loss: str


def theory_time_files(
    theory: Path, runs: Mapping[str, TimedRunFiles], csv: Path, md: Path
) -> pd.DataFrame:
    """Half-rise time of mode 1 of each run against τ₁ of the theory.

    docs/method.md#closed-form-dynamics: steps become theory time at the
    run's rate κ, recorded in its config.json.
    """
    from qwem.errors import QwemInputError
    from qwem.plots.traces import TimedRun, theory_time_markdown, theory_time_table

    timed = {}
    for name, run in runs.items():
        record = read_json(run.meta)
        if "kappa" not in record:
            raise QwemInputError(
                f"{run.meta}: no 'kappa' (the run's theory-time rate); it was "
                "written by an older trainer: rerun the run"
            )
        timed[name] = TimedRun(read_csv(run.trace), run.loss, run.init, record["kappa"])
    table = theory_time_table(timed, read_csv(theory))
    write_texts((csv, table.to_csv()), (md, theory_time_markdown(table)))
    return table


@dataclass(frozen=True)
class Table1Files:
    """The six outputs of ``qwem plots table1``."""

    csv: Path
    md: Path
    paired_csv: Path
    paired_md: Path
    categories_csv: Path
    categories_md: Path


def table1_files(
    table: Path,
    analogies: Path,
    intervals: Path,
    paired: Path,
    *,
    trained: Mapping[str, str],
    out: Table1Files,
) -> pd.DataFrame:
    """Table 1 with intervals, its paired differences, and analogies by category.

    ``trained`` maps the slots of the trained rows (sgns, qwem) to runs.
    """
    from qwem.plots import analogies_by_category
    from qwem.plots import tables as t

    bench, ci = read_csv(table), read_csv(intervals)
    diffs = read_csv(paired)
    rows = t.table1_rows(bench["model"], dict(trained))
    t1 = t.table1(bench, rows, ci)
    vs = t.table1_paired(diffs, rows)
    label = next((k for k, m in rows.items() if m in set(diffs["reference"])), "")
    reference = f"{label} ({diffs['reference'].iloc[0]})" if len(diffs) else ""
    by_cat = analogies_by_category(read_csv(analogies))
    write_texts(
        (out.csv, t1.to_csv()),
        (out.md, t.table1_markdown(t1, t.interval_note(ci))),
        (out.paired_csv, vs.to_csv()),
        (out.paired_md, t.paired_markdown(vs, t.interval_note(diffs, reference))),
        (out.categories_csv, by_cat.to_csv()),
        (out.categories_md, t.analogies_markdown(by_cat)),
    )
    return t1


def agreement_files(
    subspace: Path,
    *,
    reference: str,
    models: Sequence[str],
    ks: Sequence[int],
    csv: Path,
    md: Path,
) -> pd.DataFrame:
    """Subspace overlap of each model with ``reference`` at each k."""
    from qwem.plots import tables as t

    table = t.agreement_table(
        read_csv(subspace), reference=reference, models=list(models), ks=list(ks)
    )
    write_texts((csv, table.to_csv()), (md, t.agreement_markdown(table, reference)))
    return table


def compute_files(
    checkpoints: Mapping[str, Path],
    runs: Mapping[str, str],
    *,
    gensim: Path,
    table: Path,
    stats: Path,
    eig: Path,
    fraction: float,
    csv: Path,
    md: Path,
    files: FigureFiles,
) -> pd.DataFrame:
    """Analogy accuracy against compute: table, Markdown and figure.

    ``checkpoints`` maps Table 1 slots (sgns, qwem) to checkpoint tables and
    ``runs`` the slots to run names; M*'s cost adds the recorded wall times of
    counting, merge, targets (``stats``) and its solve (``eig``'s meta).
    """
    from qwem.errors import QwemInputError
    from qwem.plots import compute as c
    from qwem.plots.tables import TRAINED_LABELS
    from qwem.spectral.files import load_eigen_meta

    curves = {
        TRAINED_LABELS[slot]: (runs[slot], c.require_columns(read_csv(p), str(p)))
        for slot, p in checkpoints.items()
    }
    curves["gensim SGNS"] = (
        "gensim",
        c.require_columns(read_csv(gensim), str(gensim)),
    )
    accuracy = read_csv(table).set_index("model")["analogy_a"].astype(float)
    if "M_star" not in accuracy.index:
        raise QwemInputError(
            f"{table}: no M_star row; add M_star to spectral.targets and rerun"
        )
    mstar = c.closed_form_cost(
        read_json(stats),
        load_eigen_meta(eig),
        accuracy=float(accuracy["M_star"]),
    )
    if not np.isfinite(mstar.seconds):
        logger.warning(
            "M*'s cost is incomplete (recorded: %s); results of an older qwem: "
            "rerun with --forcerun count_cooccurrences to time every job",
            mstar.stages,
        )
    result = c.compute_table(curves, mstar, fraction=fraction)
    write_texts(
        (csv, result.to_csv()), (md, c.compute_markdown(result, mstar, fraction))
    )
    files.save(c.compute_figure(curves, mstar, fraction=fraction))
    return result
