"""The table actions of ``qwem plots``: Table 1, agreement, theory time, compute.

Registered by :mod:`qwem.cli.plots` under the same stage; the compute action
also draws its figure.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from qwem.cli.common import add_command, keyed, save_plot, write_texts

logger = logging.getLogger(__name__)


def cmd_theory_time(a: argparse.Namespace) -> None:
    from qwem.errors import QwemInputError
    from qwem.plots.traces import TimedRun, theory_time_markdown, theory_time_table

    meta, inits, losses = dict(a.meta), dict(a.init), dict(a.loss)
    runs = {}
    for name, trace in a.trace:
        record = json.loads(Path(meta[name]).read_text())
        if "kappa" not in record:
            raise QwemInputError(
                f"{meta[name]}: no 'kappa' (the run's theory-time rate); it was "
                "written by an older trainer: rerun the run"
            )
        runs[name] = TimedRun(
            pd.read_csv(trace), losses[name], float(inits[name]), record["kappa"]
        )
    table = theory_time_table(runs, pd.read_csv(a.theory))
    print(table.to_string())
    write_texts((a.csv, table.to_csv()), (a.md, theory_time_markdown(table)))


def cmd_table1(a: argparse.Namespace) -> None:
    from qwem.plots import analogies_by_category
    from qwem.plots import tables as t

    bench, intervals = pd.read_csv(a.table), pd.read_csv(a.intervals)
    paired = pd.read_csv(a.paired)
    rows = t.table1_rows(bench["model"], dict(a.trained))
    t1 = t.table1(bench, rows, intervals)
    vs = t.table1_paired(paired, rows)
    label = next((k for k, m in rows.items() if m in set(paired["reference"])), "")
    reference = f"{label} ({paired['reference'].iloc[0]})" if len(paired) else ""
    by_cat = analogies_by_category(pd.read_csv(a.analogies))
    write_texts(
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
    write_texts(
        (a.csv, table.to_csv()), (a.md, t.agreement_markdown(table, a.reference))
    )


def cmd_compute(a: argparse.Namespace) -> None:
    import numpy as np

    from qwem.plots import compute as c
    from qwem.plots.tables import TRAINED_LABELS

    runs = dict(a.run)
    curves = {
        TRAINED_LABELS[slot]: (runs[slot], c.require_columns(pd.read_csv(p), p))
        for slot, p in a.checkpoints
    }
    curves["gensim SGNS"] = (
        "gensim",
        c.require_columns(pd.read_csv(a.gensim), a.gensim),
    )
    accuracy = pd.read_csv(a.table).set_index("model")["analogy_a"].astype(float)
    if "M_star" not in accuracy.index:
        from qwem.errors import QwemInputError

        raise QwemInputError(
            f"{a.table}: no M_star row; add M_star to spectral.targets and rerun"
        )
    with np.load(a.eig, allow_pickle=False) as z:
        eig_meta = json.loads(str(z["meta"]))
    mstar = c.closed_form_cost(
        json.loads(Path(a.stats).read_text()),
        eig_meta,
        accuracy=float(accuracy["M_star"]),
    )
    if not np.isfinite(mstar.seconds):
        logger.warning(
            "M*'s cost is incomplete (recorded: %s); results of an older qwem: "
            "rerun with --forcerun count_cooccurrences to time every job",
            mstar.stages,
        )
    table = c.compute_table(curves, mstar, fraction=a.fraction)
    print(table.to_string())
    write_texts(
        (a.csv, table.to_csv()), (a.md, c.compute_markdown(table, mstar, a.fraction))
    )
    save_plot(c.compute_figure(curves, mstar, fraction=a.fraction), a)


def register_tables(sp: Any, figure: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the table actions to ``qwem plots`` (``figure`` adds --png/--pdf/--dpi)."""
    p = add_command(
        sp, "theory-time", cmd_theory_time, "half-rise time of mode 1 vs tau_1"
    )
    p.add_argument("--theory", type=Path, required=True, help="theory.csv")
    for key, what in (
        ("trace", "RUN=trace.csv"),
        ("meta", "RUN=config.json (kappa)"),
        ("init", "RUN=init"),
        ("loss", "RUN=loss"),
    ):
        p.add_argument(f"--{key}", type=keyed, action="append", default=[], help=what)
    for out in ("csv", "md"):
        p.add_argument(f"--{out}", type=Path, required=True)
    p = figure(sp, "compute", cmd_compute, "analogy accuracy against compute")
    p.add_argument(
        "--checkpoints",
        type=keyed,
        action="append",
        default=[],
        help="SLOT=checkpoints.csv of a Table 1 run (slots sgns, qwem)",
    )
    p.add_argument(
        "--run", type=keyed, action="append", default=[], help="SLOT=run name"
    )
    p.add_argument("--gensim", type=Path, required=True, help="gensim checkpoints")
    p.add_argument("--table", type=Path, required=True, help="eval/table1.csv")
    p.add_argument("--stats", type=Path, required=True, help="stats/stats.json")
    p.add_argument("--eig", type=Path, required=True, help="M_star.eig.npz")
    p.add_argument("--fraction", type=float, required=True, help="of M*'s accuracy")
    for out in ("csv", "md"):
        p.add_argument(f"--{out}", type=Path, required=True)

    p = add_command(sp, "table1", cmd_table1, "Table 1 and analogies by category")
    p.add_argument(
        "--trained",
        type=keyed,
        action="append",
        default=[],
        help="SLOT=run of a trained row (slots sgns, qwem)",
    )
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
