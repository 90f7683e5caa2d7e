"""``qwem plots``: the paper's figures and tables from the pipeline's tables.

Figures (:mod:`qwem.cli.plots.figures`, work in :mod:`qwem.plots.figures`) and
tables (:mod:`qwem.cli.plots.tables`, work in :mod:`qwem.plots.table_files`).
Options naming one run or slot take ``KEY=VALUE`` and may repeat
(``--trace qwem-small=results/.../trace.csv``).
"""

from __future__ import annotations

from typing import Any

from qwem.cli.common import actions
from qwem.cli.plots import figures, tables


def register(stages: Any) -> None:
    """Add ``qwem plots ...``: figures (--png, --pdf, --dpi) and tables."""
    sp = actions(stages, "plots", "figures and tables of the paper")
    figures.register(sp)
    tables.register(sp)
