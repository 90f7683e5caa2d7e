"""Shared styling, placeholders and atomic saving of figures."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from qwem.io import atomic_path

logger = logging.getLogger(__name__)

#: Line colours of modes 1, 2, ... (cycled).
MODE_CMAP = "viridis"


def new_figure(width: float, height: float) -> Figure:
    """A blank figure with constrained layout.

    Args:
        width: inches.
        height: inches.

    Returns:
        The figure (not registered with pyplot's global state).
    """
    fig = plt.figure(figsize=(width, height), layout="constrained")
    return fig


def mode_colors(n: int) -> list[tuple[float, float, float, float]]:
    """``n`` distinct colours for modes 1..n, dark (mode 1) to light.

    Args:
        n: number of modes.

    Returns:
        RGBA tuples.
    """
    cmap = matplotlib.colormaps[MODE_CMAP]
    return [cmap(x) for x in np.linspace(0.0, 0.85, max(n, 1))]


def not_available(ax: Axes, what: str) -> None:
    """Mark a panel whose data is missing with a clear message.

    Args:
        ax: the panel.
        what: what is missing, shown in the panel.
    """
    note_panel(ax, f"{what}\nnot available")


def note_panel(ax: Axes, text: str) -> None:
    """A panel holding only a centred note (why nothing is drawn there).

    Args:
        ax: the panel.
        text: the note (may span lines).
    """
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        transform=ax.transAxes,
        fontsize=11,
        color="0.4",
        wrap=True,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def sv_columns(trace: pd.DataFrame) -> list[str]:
    """The ``sv_1, sv_2, ...`` columns of a trace, in mode order.

    Args:
        trace: a ``trace.csv`` table.

    Returns:
        Column names sorted by mode number.
    """
    cols = [c for c in trace.columns if c.startswith("sv_")]
    return sorted(cols, key=lambda c: int(c.split("_")[1]))


def save_figure(
    fig: Figure, png: str | Path | None, pdf: str | Path | None, *, dpi: int
) -> None:
    """Write a figure as PNG and/or PDF, each atomically, then close it.

    Args:
        fig: the figure.
        png: PNG target, or None to skip.
        pdf: PDF target, or None to skip.
        dpi: resolution of the PNG.
    """
    try:
        if png is not None:
            with atomic_path(png) as tmp:
                fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
        if pdf is not None:
            with atomic_path(pdf) as tmp:
                fig.savefig(tmp, format="pdf", metadata={"CreationDate": None})
    finally:
        plt.close(fig)


@dataclass(frozen=True)
class FigureFiles:
    """Where a figure goes: a PNG at ``dpi`` and a PDF."""

    png: Path
    pdf: Path
    dpi: int

    def save(self, fig: Figure) -> None:
        """Write ``fig`` to both files (atomically) and close it."""
        save_figure(fig, self.png, self.pdf, dpi=self.dpi)
        logger.info("wrote %s and %s", self.png, self.pdf)


def write_texts(*outputs: tuple[Path, str]) -> None:
    """Write each (path, text) atomically."""
    from qwem.io import atomic_text

    for path, text in outputs:
        with atomic_text(path) as fh:
            fh.write(text)
        logger.info("wrote %s", path)
