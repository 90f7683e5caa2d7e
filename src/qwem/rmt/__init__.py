"""Linear representations and random-matrix theory.

See docs/method.md#random-matrix-analyses.

* :mod:`~qwem.rmt.spiked`: Marchenko-Pastur law, the fit of a task-vector
  spectrum, the spiked-model (BBP) outlier and the SNR;
* :mod:`~qwem.rmt.families`: task vectors of the analogy families in the
  eigenbasis and the tables of Fig. 4 (spectra, SNR and accuracy vs d,
  localisation, top-1 scores).
"""

from __future__ import annotations

from qwem.rmt.families import (
    FAMILIES,
    SpectrumTables,
    eigen_embedding,
    family_pairs,
    family_sweep,
    localisation_table,
    log_grid,
    spectrum_tables,
    task_vectors,
)
from qwem.rmt.spiked import (
    TW1_MEAN_SHIFT,
    MPFit,
    bbp_threshold,
    fit_marchenko_pastur,
    gamma_from_edge,
    mp_atom,
    mp_density,
    mp_edges,
    noise_variance,
    snr,
    spike_outlier,
    spike_strength,
    tracy_widom_scale,
)

__all__ = [
    "FAMILIES",
    "TW1_MEAN_SHIFT",
    "MPFit",
    "SpectrumTables",
    "bbp_threshold",
    "eigen_embedding",
    "family_pairs",
    "family_sweep",
    "fit_marchenko_pastur",
    "gamma_from_edge",
    "localisation_table",
    "log_grid",
    "mp_atom",
    "mp_density",
    "mp_edges",
    "noise_variance",
    "snr",
    "spectrum_tables",
    "spike_outlier",
    "spike_strength",
    "task_vectors",
    "tracy_widom_scale",
]
