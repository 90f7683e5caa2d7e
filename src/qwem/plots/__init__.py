"""Figures and tables of the paper, drawn from the pipeline's tables.

Every function takes DataFrames or arrays (the CLI loads them) and returns a
matplotlib Figure or a table; ``plots`` reads tables, it never imports
``train``. Modules: ``common`` (styling, saving), ``dynamics`` (Figs. 1, 2,
ablation grid), ``traces`` (effective rank, snapshots, half-rise times against
the theory's τ₁), ``concepts`` (Fig. 3, overlaps, spectra and their fitted
slopes), ``rmt`` (Fig. 4, top-1 scores), ``tables`` (Table 1, analogies by
category), ``compute`` (accuracy against wall time and pair updates).
"""

from __future__ import annotations

from qwem.plots.common import save_figure
from qwem.plots.compute import compute_figure
from qwem.plots.concepts import appendix_overlap, appendix_spectra, fig3_concepts
from qwem.plots.dynamics import appendix_ablation, fig1_dynamics, fig2_rescaled
from qwem.plots.rmt import appendix_top1, fig4_rmt
from qwem.plots.tables import analogies_by_category, table1, to_markdown

__all__ = [
    "analogies_by_category",
    "appendix_ablation",
    "appendix_overlap",
    "appendix_spectra",
    "appendix_top1",
    "compute_figure",
    "fig1_dynamics",
    "fig2_rescaled",
    "fig3_concepts",
    "fig4_rmt",
    "save_figure",
    "table1",
    "to_markdown",
]
