"""qwem.plots.figures / table_files: the plots stage's functions, file to file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qwem.errors import QwemInputError
from qwem.plots.common import FigureFiles
from qwem.plots.figures import ablation_file, spectra_file
from qwem.plots.table_files import agreement_files


def test_spectra_file_writes_slopes_and_figure(tmp_path: Path) -> None:
    spectra = tmp_path / "spectra.csv"
    k = np.arange(1, 6)
    pd.DataFrame({"target": "M", "k": k, "eigenvalue": 2.0 * k**-1.0}).to_csv(
        spectra, index=False
    )
    files = FigureFiles(tmp_path / "s.png", tmp_path / "s.pdf", 40)
    slopes = spectra_file(spectra, tmp_path / "slopes.csv", files, slope=-0.6)
    assert slopes["slope"].item() == pytest.approx(-1.0)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "slopes.csv"), slopes)
    assert files.png.read_bytes().startswith(b"\x89PNG")
    assert files.pdf.read_bytes().startswith(b"%PDF")


def test_agreement_files_table_and_markdown(tmp_path: Path) -> None:
    subspace = tmp_path / "sub.csv"
    pd.DataFrame(
        {"model_a": "M_star", "model_b": "qwem", "d": [1, 2], "overlap": [0.9, 0.8]}
    ).to_csv(subspace, index=False)
    table = agreement_files(
        subspace, reference="M_star", models=["qwem"], ks=[1, 2],
        csv=tmp_path / "a.csv", md=tmp_path / "a.md",
    )  # fmt: skip
    assert table.loc["qwem"].tolist() == [0.9, 0.8]
    assert "| qwem | 0.900 | 0.800 |" in (tmp_path / "a.md").read_text()


def test_ablation_refuses_an_unknown_cell_by_name(tmp_path: Path) -> None:
    files = FigureFiles(tmp_path / "a.png", tmp_path / "a.pdf", 40)
    with pytest.raises(QwemInputError, match=r"unknown ablation cells \['nope'\]"):
        ablation_file([("nope", "x.csv")], files, modes=3)
    assert list(tmp_path.iterdir()) == []
