"""Table 1 (benchmarks) and analogy accuracy by category, as CSV and Markdown."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Table 1 rows in the paper's order: label -> candidate models (first present wins).
TABLE1_ROWS: dict[str, tuple[str, ...]] = {
    "SGNS (trained)": ("sgns_large",),
    "gensim SGNS": ("gensim",),
    "QWEM (trained)": ("qwem_large", "qwem_small"),
    "M* closed form": ("M_star",),
    "PPMI-SVD": ("ppmi",),
    "PMI-SVD": ("pmi",),
}
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


def table1(bench: pd.DataFrame) -> pd.DataFrame:
    """Table 1 in the paper's row order; analogies in %, similarities as rho.

    Args:
        bench: ``eval/table1.csv`` (model, analogy_a, analogy_b, *_rho, ...).

    Returns:
        Index 'model' label, a 'source' column (the model name), then one
        column per :data:`TABLE1_COLUMNS` header; rows of absent models left out.
    """
    by_model = bench.set_index("model")
    rows = []
    for label, candidates in TABLE1_ROWS.items():
        model = next((m for m in candidates if m in by_model.index), None)
        if model is None:
            continue
        row: dict[str, object] = {"model": label, "source": model}
        for header, (col, kind) in TABLE1_COLUMNS.items():
            value = _number(by_model, model, col)
            row[header] = 100.0 * value if kind == "percent" else value
        rows.append(row)
    return pd.DataFrame(rows, columns=["model", "source", *TABLE1_COLUMNS]).set_index(
        "model"
    )


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


def table1_markdown(table: pd.DataFrame) -> str:
    """Table 1 as Markdown: analogies in % (1 decimal), rho (3), NaN as n/a."""
    kinds = {h: k for h, (_, k) in TABLE1_COLUMNS.items()}
    shown = table.drop(columns=["source"], errors="ignore")
    digits = {h: 1 if kinds[h] == "percent" else 3 for h in shown.columns}
    suffix = {h: " %" for h in shown.columns if kinds[h] == "percent"}
    return to_markdown(shown, digits, suffix)


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
