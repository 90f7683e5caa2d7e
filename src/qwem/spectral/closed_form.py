"""Closed-form embeddings W* = U_d Λ_d^{1/2} and the tables the figures read.

docs/method.md#models: the minimisers of the QWEM loss under Setting 3.1 are the
top-d eigenvectors of M* scaled by the square roots of their eigenvalues
(Eckart-Young); PMI-SVD and PPMI-SVD use the same construction on PMI and
PPMI. Eigenvalues that are not positive cannot be matched by W W^T and are
excluded from W (with a warning naming them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from qwem.spectral import Eigenpairs

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class ClosedForm:
    """W* and what was left out of it.

    Attributes:
        W: (V, d') float64 embeddings, d' = number of positive eigenvalues.
        values: (d',) the eigenvalues kept (descending).
        excluded: eigenvalues among the top d that were <= 0.
    """

    W: F64
    values: F64
    excluded: F64


def embed(pairs: Eigenpairs, *, name: str = "target") -> ClosedForm:
    """W* = U_d Λ_d^{1/2} over the positive eigenvalues among the top d."""
    positive = pairs.values > 0
    excluded = pairs.values[~positive]
    if excluded.size:
        logger.warning(
            "%s: %d of the top %d eigenvalues are not positive (%s); they are "
            "left out of W",
            name,
            excluded.size,
            pairs.values.size,
            ", ".join(f"{v:.4g}" for v in excluded[:10]),
        )
    values = pairs.values[positive]
    W = pairs.vectors[:, positive] * np.sqrt(values)
    return ClosedForm(np.ascontiguousarray(W), values, excluded)


def eckart_young_error(M: F64, cf: ClosedForm) -> float:
    """||M - W W^T||_F^2, which must equal the sum of the other eigenvalues squared."""
    return float(np.linalg.norm(M - cf.W @ cf.W.T) ** 2)


def spectrum_table(spectra: dict[str, F64]) -> pd.DataFrame:
    """Tidy table (target, k, eigenvalue) of the top eigenvalues of each target."""
    frames = [
        pd.DataFrame({"target": name, "k": np.arange(1, v.size + 1), "eigenvalue": v})
        for name, v in spectra.items()
    ]
    return pd.concat(frames, ignore_index=True)
