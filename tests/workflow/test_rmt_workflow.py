"""The random-matrix stage inside the whole tiny DAG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import TINY, SnakemakeRunner

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def results(tiny_run: tuple[Path, SnakemakeRunner]) -> Path:
    return tiny_run[0] / "results" / "tiny"


def test_random_matrix_tables(results: Path) -> None:
    sweep = pd.read_csv(results / "rmt" / "sweep.csv")
    assert sweep["d"].max() <= TINY["rmt"]["dim"]
    assert np.isfinite(sweep["snr"]).all() and (sweep["snr"] >= 1 - 1e-9).all()
    local = pd.read_csv(results / "rmt" / "localisation.csv")
    sums = local.groupby("family")["power"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-9)
    density = pd.read_csv(results / "rmt" / "density.csv")
    assert (density["density"] >= 0).all()
    fits = pd.read_csv(results / "rmt" / "fits.csv")
    assert (fits["sigma2"] > 0).all() and set(fits["d"]) <= {16, 32, 64}
