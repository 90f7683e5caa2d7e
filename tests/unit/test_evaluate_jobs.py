"""qwem.evaluate.jobs / inputs: the evaluation stage's functions, file to file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qwem.errors import QwemInputError
from qwem.evaluate.inputs import load_embedding, write_table
from qwem.evaluate.jobs import agreement_files, concepts_file
from qwem.io import write_word2vec
from qwem.spectral import Eigenpairs
from qwem.spectral.files import save_eigenpairs

WORDS = ["the", "of", "cat", "dog", "sun", "rare"]


def _vocab(tmp_path: Path) -> Path:
    path = tmp_path / "vocab.tsv"
    rows = "".join(f"{w}\t{99 - i}\n" for i, w in enumerate(WORDS))
    path.write_text("word\tcount\n" + rows)
    return path


def _eig(tmp_path: Path) -> Path:
    vectors = np.linalg.qr(np.random.default_rng(0).normal(size=(6, 3)))[0]
    pairs = Eigenpairs(np.array([2.0, 1.0, -1.0]), vectors, np.zeros(3), "eigh", 0.0)
    save_eigenpairs(tmp_path / "M.eig.npz", pairs, method="eigh")
    return tmp_path / "M.eig.npz"


def test_eigenpairs_embed_as_u_sqrt_lambda_over_positive_values(tmp_path: Path) -> None:
    W, words = load_embedding(_eig(tmp_path), _vocab(tmp_path))
    assert words == WORDS and W.shape == (6, 2)
    with np.load(tmp_path / "M.eig.npz") as z:
        np.testing.assert_array_equal(W, z["vectors"][:, :2] * np.sqrt([2.0, 1.0]))
    with pytest.raises(QwemInputError, match=r"M.eig.npz: eigenpairs carry no words"):
        load_embedding(tmp_path / "M.eig.npz", None)


def test_concepts_and_agreement_write_tables_with_params(tmp_path: Path) -> None:
    eig, vocab = _eig(tmp_path), _vocab(tmp_path)
    params = {"action": "concepts"}
    table = concepts_file(
        eig, vocab=vocab, directions=2, top=2, among=6,
        out=tmp_path / "c.csv", params=params,
    )  # fmt: skip
    assert (table["basis"] == "eigenvector").all() and len(table) == 2 * 2 * 2
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "c.csv"), table)
    meta = json.loads((tmp_path / "c.csv.meta.json").read_text())
    assert meta["params"] == params and meta["rows"] == 8

    W, _ = load_embedding(eig, vocab)
    write_word2vec(tmp_path / "w.txt", WORDS[::-1], W[::-1])  # same rows, reversed
    sub = agreement_files(
        [("M", eig), ("w", tmp_path / "w.txt")], vocab=vocab, dims=[1, 2], modes=2,
        out=tmp_path / "o.csv", subspace_out=tmp_path / "s.csv", params={},
    )  # fmt: skip
    np.testing.assert_allclose(sub["overlap"], [1.0, 1.0], rtol=1e-9)
    with pytest.raises(QwemInputError, match="distinct names"):
        agreement_files(
            [("M", eig), ("M", eig)], vocab=vocab, dims=[1], modes=1,
            out=tmp_path / "x.csv", subspace_out=tmp_path / "y.csv", params={},
        )  # fmt: skip
    assert not (tmp_path / "x.csv").exists()


def test_write_table_gzips_by_suffix(tmp_path: Path) -> None:
    write_table(pd.DataFrame({"a": [1, 2]}), tmp_path / "t.csv.gz", {"k": 1})
    assert (tmp_path / "t.csv.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert pd.read_csv(tmp_path / "t.csv.gz")["a"].tolist() == [1, 2]


def test_a_changed_table_of_the_evaluation_is_refused_by_its_reader(
    tmp_path: Path,
) -> None:
    """Tables the plots read carry a digest: a changed digit is caught."""
    import pandas as pd

    from qwem.errors import QwemInputError
    from qwem.evaluate.inputs import write_table
    from qwem.io import read_csv

    path = tmp_path / "table1.csv"
    write_table(pd.DataFrame({"model": ["a"], "analogy_a": [0.25]}), path, {})
    assert read_csv(path)["analogy_a"].tolist() == [0.25]
    path.write_text(path.read_text().replace("0.25", "0.35"))
    with pytest.raises(QwemInputError, match=r"table1\.csv: contents changed after"):
        read_csv(path)
