"""Table 1 (benchmarks) and analogy accuracy by category, as CSV and Markdown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from qwem.errors import QwemConfigError

#: Labels of Table 1's trained rows, by the ``roles.table1`` slot of the run filling it.
TRAINED_LABELS: dict[str, str] = {"sgns": "SGNS (trained)", "qwem": "QWEM (trained)"}
#: Table 1's fixed rows: label -> model (the gensim baseline and the closed forms).
FIXED_ROWS: dict[str, str] = {
    "gensim SGNS": "gensim",
    "M* closed form": "M_star",
    "PPMI-SVD": "ppmi",
    "PMI-SVD": "pmi",
}
#: Table 1's rows in the paper's order.
TABLE1_ORDER: tuple[str, ...] = (
    "SGNS (trained)",
    "gensim SGNS",
    "QWEM (trained)",
    "M* closed form",
    "PPMI-SVD",
    "PMI-SVD",
)
#: Table 1 columns: header -> (table1.csv column, kind).
TABLE1_COLUMNS: dict[str, tuple[str, str]] = {
    "analogies (a)": ("analogy_a", "percent"),
    "analogies (b)": ("analogy_b", "percent"),
    "MEN": ("men_rho", "rho"),
    "WS-353": ("ws353_rho", "rho"),
    "SimLex-999": ("simlex999_rho", "rho"),
}


def _number(table: pd.DataFrame, row: str, col: str) -> float:
    """``table.loc[row, col]`` as a float; NaN when missing or not a number."""
    if col not in table.columns:
        return float("nan")
    value = pd.to_numeric(pd.Series([table.loc[row, col]]), errors="coerce")
    return float(value.iloc[0])


def table1_rows(models: Iterable[str], trained: Mapping[str, str]) -> dict[str, str]:
    """Table 1 row label -> model, in the paper's order, for the evaluated models.

    Args:
        models: the evaluated model names (``eval/table1.csv``'s model column).
        trained: ``roles.table1`` slot ('sgns', 'qwem') -> the run filling it;
            the fixed rows (:data:`FIXED_ROWS`) need no declaration.

    Raises:
        QwemConfigError: a slot that is not one of :data:`TRAINED_LABELS`.
    """
    if unknown := sorted(set(trained) - set(TRAINED_LABELS)):
        raise QwemConfigError(
            f"roles.table1 slots {unknown} are not Table 1 rows; use "
            f"{', '.join(TRAINED_LABELS)} in train.runs.<run>.roles.table1"
        )
    candidates = {TRAINED_LABELS[k]: run for k, run in trained.items()}
    candidates.update(FIXED_ROWS)
    have = set(models)
    return {
        label: candidates[label]
        for label in TABLE1_ORDER
        if label in candidates and candidates[label] in have
    }


def table1(
    bench: pd.DataFrame,
    rows: Mapping[str, str],
    intervals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Table 1 in the given row order; analogies in %, similarities as rho.

    Args:
        bench: ``eval/table1.csv`` (model, analogy_a, analogy_b, *_rho, ...).
        rows: row label -> model name (e.g. :func:`table1_rows`); labels
            whose model is not in ``bench`` are left out.
        intervals: ``eval/table1_ci.csv`` (metric, model, lo, hi), or None.

    Returns:
        Index 'model' label, a 'source' column (the model name), then per
        :data:`TABLE1_COLUMNS` header its value and, with ``intervals``,
        '<header>_lo' and '<header>_hi' (NaN where no interval was computed).
    """
    by_model = bench.set_index("model")
    bounds = _bounds(intervals)
    columns = ["model", "source"]
    for header in TABLE1_COLUMNS:
        columns += [header, f"{header}_lo", f"{header}_hi"] if bounds else [header]
    out = []
    for label, model in rows.items():
        if model not in by_model.index:
            continue
        row: dict[str, object] = {"model": label, "source": model}
        for header, (col, kind) in TABLE1_COLUMNS.items():
            scale = 100.0 if kind == "percent" else 1.0
            row[header] = scale * _number(by_model, model, col)
            if bounds:
                lo, hi = bounds.get((col, model), (np.nan, np.nan))
                row[f"{header}_lo"] = scale * float(lo)
                row[f"{header}_hi"] = scale * float(hi)
        out.append(row)
    return pd.DataFrame(out, columns=columns).set_index("model")


def _bounds(
    intervals: pd.DataFrame | None,
) -> dict[tuple[str, str], tuple[float, float]]:
    """(metric, model) -> (lo, hi) of ``eval/table1_ci.csv``; empty for None."""
    if intervals is None:
        return {}
    return _by_metric_model(intervals, "lo", "hi")


def _by_metric_model(frame: pd.DataFrame, *columns: str) -> dict[tuple[str, str], Any]:
    """(metric, model) -> tuple of the values of ``columns`` in that row."""
    keys = zip(frame["metric"].astype(str), frame["model"].astype(str), strict=True)
    values = zip(*(frame[c].to_numpy() for c in columns), strict=True)
    return dict(zip(keys, values, strict=True))


def table1_paired(paired: pd.DataFrame, rows: Mapping[str, str]) -> pd.DataFrame:
    """Differences of the Table 1 rows from the reference model, with intervals.

    Args:
        paired: ``eval/table1_paired.csv`` (metric, model, reference,
            difference, lo, hi, excludes_zero).
        rows: row label -> model name, as for :func:`table1`; the reference
            and models without differences are left out.

    Returns:
        Index 'model' label, a 'source' column, then per
        :data:`TABLE1_COLUMNS` header the difference (analogies in percentage
        points, similarities in rho), '<header>_lo', '<header>_hi' and
        '<header>_excludes_zero' (bool).
    """
    found = _by_metric_model(paired, "difference", "lo", "hi", "excludes_zero")
    columns = ["model", "source"]
    for header in TABLE1_COLUMNS:
        columns += [header, f"{header}_lo", f"{header}_hi", f"{header}_excludes_zero"]
    models = set(paired["model"])
    out = []
    for label, model in rows.items():
        if model not in models:
            continue
        row: dict[str, object] = {"model": label, "source": model}
        for header, (col, kind) in TABLE1_COLUMNS.items():
            scale = 100.0 if kind == "percent" else 1.0
            diff, lo, hi, excludes = found.get((col, model), (np.nan,) * 3 + (False,))
            row[header] = scale * float(diff)
            row[f"{header}_lo"], row[f"{header}_hi"] = scale * lo, scale * hi
            row[f"{header}_excludes_zero"] = bool(excludes)
        out.append(row)
    return pd.DataFrame(out, columns=columns).set_index("model")


def agreement_table(
    subspace: pd.DataFrame, *, reference: str, models: Sequence[str], ks: Sequence[int]
) -> pd.DataFrame:
    """Subspace overlap of each model with the reference at each k.

    Args:
        subspace: ``eval/subspace_overlap.csv`` (model_a, model_b, d, overlap),
            pairs in either order.
        reference: the model compared with (M*'s eigenvectors, ``M_star``).
        models: the rows, in order; a model without any overlap is left out.
        ks: the columns; NaN where the pair has no overlap at that k.

    Returns:
        Index 'model', one column 'k = <k>' per k: (1/k)||U_k^T V_k||_F^2 in
        [0, 1] (1: same top-k subspace; k/V: chance for random subspaces).
    """
    a, b = subspace["model_a"], subspace["model_b"]
    rows = pd.concat(
        [
            subspace[a == reference].assign(other=b),
            subspace[b == reference].assign(other=a),
        ]
    )
    wide = rows.pivot_table(index="other", columns="d", values="overlap")
    wide = wide.reindex(index=[m for m in models if m in wide.index], columns=list(ks))
    wide.columns = [f"k = {k}" for k in ks]
    wide.index.name = "model"
    return wide


def agreement_markdown(table: pd.DataFrame, reference: str) -> str:
    """:func:`agreement_table` as Markdown (3 decimals) with a one-line legend."""
    legend = (
        f"\nOverlap (1/k)‖U_kᵀV_k‖²_F of each model's top-k left singular vectors "
        f"with the top-k eigenvectors of {reference} (1: same subspace; random "
        "k-dimensional subspaces give k/V).\n"
    )
    return to_markdown(table) + legend


def _cell(value: object, digits: int, suffix: str = "") -> str:
    """One Markdown cell: a number with ``digits`` decimals, or 'n/a'."""
    if isinstance(value, (int, float, np.floating)):
        return "n/a" if np.isnan(value) else f"{value:.{digits}f}{suffix}"
    return str(value)


def to_markdown(
    table: pd.DataFrame,
    digits: dict[str, int] | None = None,
    suffix: dict[str, str] | None = None,
) -> str:
    """A DataFrame as a GitHub Markdown table (index as the first column).

    Args:
        table: the table.
        digits: decimals per column (default 3).
        suffix: text after the number per column (e.g. ' %').

    Returns:
        Markdown text ending in a newline.
    """
    digits, suffix = digits or {}, suffix or {}
    header = [str(table.index.name or ""), *map(str, table.columns)]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * len(table.columns)) + "|",
    ]
    for idx, row in table.iterrows():
        cells = [str(idx)] + [
            _cell(v, digits.get(str(c), 3), suffix.get(str(c), ""))
            for c, v in row.items()
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _with_interval(
    value: float, lo: float, hi: float, digits: int, suffix: str, sign: str = ""
) -> str:
    """'value[suffix] [lo, hi]'; 'n/a' for NaN, no brackets without bounds."""
    if np.isnan(value):
        return "n/a"
    text = f"{value:{sign}.{digits}f}{suffix}"
    if np.isfinite(lo) and np.isfinite(hi):
        text += f" [{lo:.{digits}f}, {hi:.{digits}f}]"
    return text


def table1_markdown(table: pd.DataFrame, note: str = "") -> str:
    """Table 1 as Markdown: analogies in % (1 decimal), rho (3), NaN as n/a.

    With '<header>_lo' / '_hi' columns (:func:`table1` given intervals) a
    cell reads '31.7 % [29.6, 33.8]'; ``note`` follows the table.
    """
    cells = pd.DataFrame(index=table.index)
    for header, (_, kind) in TABLE1_COLUMNS.items():
        if header not in table.columns:
            continue
        digits, suffix = (1, " %") if kind == "percent" else (3, "")
        lo = table.get(f"{header}_lo", pd.Series(np.nan, index=table.index))
        hi = table.get(f"{header}_hi", pd.Series(np.nan, index=table.index))
        cells[header] = [
            _with_interval(float(v), float(a), float(b), digits, suffix)
            for v, a, b in zip(table[header], lo, hi, strict=True)
        ]
    return to_markdown(cells) + (f"\n{note}\n" if note else "")


def paired_markdown(table: pd.DataFrame, note: str = "") -> str:
    """:func:`table1_paired` as Markdown: '+2.3 [0.8, 3.9] *', * = excludes 0.

    Analogies in percentage points (1 decimal), rho differences with 3.
    """
    cells = pd.DataFrame(index=table.index)
    for header, (_, kind) in TABLE1_COLUMNS.items():
        digits = 1 if kind == "percent" else 3
        cells[header] = [
            _with_interval(float(v), float(a), float(b), digits, "", "+")
            + (" *" if flag else "")
            for v, a, b, flag in zip(
                table[header],
                table[f"{header}_lo"],
                table[f"{header}_hi"],
                table[f"{header}_excludes_zero"],
                strict=True,
            )
        ]
    return to_markdown(cells) + (f"\n{note}\n" if note else "")


def interval_note(intervals: pd.DataFrame, reference: str | None = None) -> str:
    """The legend under Table 1 (or, given ``reference``, the paired table)."""
    level = float(intervals["level"].iloc[0]) if len(intervals) else float("nan")
    resamples = int(intervals["resamples"].iloc[0]) if len(intervals) else 0
    how = (
        f"{100 * level:g} % percentile bootstrap interval, {resamples:,} resamples "
        "of the questions (analogies) or word pairs (similarity)"
    )
    caveat = "; analogy questions share word pairs, so their intervals are too narrow"
    if reference is None:
        return f"[lo, hi]: {how}{caveat}."
    return (
        f"Difference from {reference}: analogies in percentage points, similarity "
        f"in Spearman rho. [lo, hi]: paired {how}, the same resamples for both "
        f"models{caveat}. *: the interval excludes 0."
    )


def analogies_by_category(
    analogies: pd.DataFrame, models: Sequence[str] | None = None
) -> pd.DataFrame:
    """Analogy accuracy (%) per protocol and category, one column per model.

    Args:
        analogies: ``eval/analogies.csv`` (protocol, category, n, accuracy, model).
        models: column order (default: order of appearance).

    Returns:
        Index (protocol, category) and a 'questions' column (n of the first model).
    """
    order = list(models or dict.fromkeys(analogies["model"]))
    wide = analogies.pivot_table(
        index=["protocol", "category"], columns="model", values="accuracy", sort=False
    )
    wide = 100.0 * wide.reindex(columns=[m for m in order if m in wide.columns])
    n = analogies.groupby(["protocol", "category"], sort=False)["n"].max()
    wide.insert(0, "questions", n.reindex(wide.index))
    return wide


def analogies_markdown(table: pd.DataFrame) -> str:
    """:func:`analogies_by_category` as Markdown (accuracies with 1 decimal, in %)."""
    flat = table.copy()
    flat.index = [f"({p}) {c}" for p, c in flat.index]
    flat.index.name = "category"
    digits = {c: 1 for c in flat.columns}
    digits["questions"] = 0
    return to_markdown(flat, digits)
