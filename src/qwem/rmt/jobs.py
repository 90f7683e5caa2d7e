"""What ``qwem rmt tables`` does, file to file (docs/method.md#random-matrix-analyses).

The basis W = U_D Λ_D^{1/2} comes from an eigenpairs file (``qwem rmt basis``,
which is :func:`qwem.spectral.jobs.solve_target`) or an embedding already in
the eigenbasis; the tables are written with the command's parameters (the
families and Tracy-Widom shift as resolved) in their sidecars.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RmtOutputs:
    """The five tables of ``qwem rmt tables``, one CSV each."""

    sweep: Path
    spectra: Path
    fits: Path
    density: Path
    localisation: Path


@dataclass(frozen=True)
class RmtSettings:
    """The protocol of the tables (``qwem rmt tables`` options).

    ``families`` None: the paper's five; ``edge_shift`` None: -E[TW1].
    """

    families: list[str] | None
    d_min: int
    d_max: int
    points: int
    hist_dims: list[int]
    modes: int
    margin: float
    max_outliers: int
    edge_shift: float | None
    density_points: int


def usable_families(
    questions: pd.DataFrame, words: list[str], families: Sequence[str]
) -> list[str]:
    """The families with at least 2 in-vocabulary pairs (a small V lacks some).

    Raises:
        QwemInputError: when none has.
    """
    from qwem import rmt
    from qwem.errors import QwemInputError

    usable = []
    for family in families:
        try:
            rmt.family_pairs(questions, words, family)
        except QwemInputError as exc:
            logger.warning("skipping %s", exc)
        else:
            usable.append(family)
    if not usable:
        raise QwemInputError(
            f"no analogy family among {list(families)} has 2 in-vocabulary pairs; "
            "raise vocab_size"
        )
    return usable


def rmt_tables(
    source: Path,
    *,
    vocab: Path | None,
    questions: Path | None,
    settings: RmtSettings,
    outputs: RmtOutputs,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Sweep, spectra, fits, density and localisation tables; returns the fits."""
    from qwem import evaluate, rmt
    from qwem.evaluate.inputs import load_embedding, write_table

    W, words = load_embedding(source, vocab)
    analogies = evaluate.load_analogies(questions)
    s = settings
    families = usable_families(analogies, words, s.families or list(rmt.FAMILIES))
    shift = rmt.TW1_MEAN_SHIFT if s.edge_shift is None else s.edge_shift
    params = {**params, "families": families, "edge_shift": shift}
    dims = rmt.log_grid(s.d_min, min(s.d_max, W.shape[1]), s.points).tolist()
    sweep = rmt.family_sweep(W, words, analogies, families=families, dims=dims)
    spectra = rmt.spectrum_tables(
        W,
        words,
        analogies,
        families=families,
        dims=s.hist_dims,
        margin=s.margin,
        max_outliers=s.max_outliers,
        edge_shift=shift,
        points=s.density_points,
    )
    local = rmt.localisation_table(
        W, words, analogies, families=families, modes=s.modes
    )
    write_table(sweep, outputs.sweep, params)
    write_table(spectra.eigenvalues, outputs.spectra, params)
    write_table(spectra.fits, outputs.fits, params)
    write_table(spectra.density, outputs.density, params)
    write_table(local, outputs.localisation, params)
    return spectra.fits
