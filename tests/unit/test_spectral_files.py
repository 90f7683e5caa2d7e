"""The eigenpairs file (qwem.spectral.files) and the spectral stage's jobs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import flip_byte
from qwem import rmt
from qwem.digests import array_digest
from qwem.errors import QwemInputError
from qwem.spectral import Eigenpairs
from qwem.spectral.closed_form import embed
from qwem.spectral.files import load_eigen_meta, load_eigenpairs, save_eigenpairs
from qwem.spectral.jobs import solve_target, theory_tables, write_spectra


def _pairs() -> Eigenpairs:
    rng = np.random.default_rng(0)
    vectors = np.linalg.qr(rng.normal(size=(7, 4)))[0]
    values = np.array([3.0, 1.5, -0.5, -2.0])
    return Eigenpairs(values, vectors, np.full(4, 1e-12), "eigh", 0.25)


def test_save_writes_the_keys_in_order_and_load_reads_them_back(tmp_path: Path) -> None:
    path = tmp_path / "M.eig.npz"
    save_eigenpairs(path, _pairs(), frobenius_sq=9.0, method="eigh", seconds=0.25)
    with np.load(path) as z:
        assert z.files == ["values", "vectors", "residuals", "excluded", "meta"]
        assert z["excluded"].tolist() == [-0.5, -2.0]
        meta = json.loads(str(z["meta"]))
        assert meta.pop("made_by") == "rule spectral_solve (qwem spectral solve)"
        assert meta.pop("digest").startswith("sha256:")
        assert meta == {"frobenius_sq": 9.0, "method": "eigh", "seconds": 0.25}
    back = load_eigenpairs(path)
    np.testing.assert_array_equal(back.values, _pairs().values)
    np.testing.assert_array_equal(back.vectors, _pairs().vectors)
    assert (back.method, back.seconds) == ("eigh", 0.25)
    assert load_eigen_meta(path)["frobenius_sq"] == 9.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["M.eig.npz"]  # atomic


def test_save_is_byte_identical_to_the_former_inline_writer(tmp_path: Path) -> None:
    # the same bytes, apart from the record's new digest and producer
    pairs, meta = _pairs(), {"params": {"dim": 4}, "excluded": [-0.5, -2.0]}
    arrays = {
        "values": pairs.values,
        "vectors": pairs.vectors,
        "residuals": pairs.residuals,
        "excluded": embed(pairs).excluded,
    }
    record = {
        **meta,
        "made_by": "rule spectral_solve (qwem spectral solve)",
        "digest": array_digest(arrays),
    }
    with open(tmp_path / "old.npz", "wb") as fh:
        np.savez(fh, **arrays, meta=np.array(json.dumps(record)))
    save_eigenpairs(tmp_path / "new.npz", pairs, **meta)
    assert (tmp_path / "old.npz").read_bytes() == (tmp_path / "new.npz").read_bytes()


@pytest.mark.parametrize(
    ("arrays", "why"),
    [
        ({"values": np.ones(2)}, "no 'vectors' array"),
        ({"values": np.ones(3), "vectors": np.eye(4)[:, :2]}, "eigenvectors of shape"),
        ({"values": [1.0, np.nan], "vectors": np.eye(3)[:, :2]}, "non-finite"),
        ({"values": np.ones(2), "vectors": np.eye(2), "meta": "[1]"}, "JSON object"),
    ],
)
def test_load_refuses_a_bad_file_by_name(
    tmp_path: Path, arrays: dict[str, object], why: str
) -> None:
    path = tmp_path / "bad.eig.npz"
    np.savez(path, **arrays)  # type: ignore[arg-type]
    with pytest.raises(QwemInputError, match=rf"bad.eig.npz: .*{why}"):
        load_eigenpairs(path)


def test_load_refuses_a_file_that_is_not_npz(tmp_path: Path) -> None:
    (tmp_path / "x.eig.npz").write_text("not a zip")
    with pytest.raises(QwemInputError, match=r"x.eig.npz: not a valid eigenpairs"):
        load_eigenpairs(tmp_path / "x.eig.npz")
    with pytest.raises(QwemInputError, match=r"x.eig.npz: not a valid eigenpairs"):
        load_eigen_meta(tmp_path / "x.eig.npz")


def test_eigen_embedding_is_closed_form_embed_bitwise() -> None:
    rng = np.random.default_rng(3)
    values, vectors = rng.normal(size=9), rng.normal(size=(20, 9))
    order = np.argsort(-values, kind="stable")
    keep = order[values[order] > 0]
    expected = vectors[:, keep] * np.sqrt(values[keep])  # the former formula
    W = rmt.eigen_embedding(values, vectors)
    assert W.tobytes() == np.ascontiguousarray(expected).tobytes()
    sorted_pairs = Eigenpairs(values[order], vectors[:, order], values, "x", 0.0)
    assert W.tobytes() == embed(sorted_pairs).W.tobytes()


def test_solve_target_writes_eigenpairs_embedding_and_word2vec(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    A = rng.normal(size=(6, 6))
    np.save(tmp_path / "M.npy", A + A.T)
    words = [f"w{i}" for i in range(6)]
    vocab = tmp_path / "vocab.tsv"
    vocab.write_text(
        "word\tcount\n" + "".join(f"{w}\t{9 - i}\n" for i, w in enumerate(words))
    )
    out = {k: tmp_path / f"M.{k}" for k in ("eig.npz", "npy", "w2v.txt")}
    cf = solve_target(
        tmp_path / "M.npy", vocab=vocab, dim=3, solver="eigh", seed=0, tol=1e-10,
        eig=out["eig.npz"], embedding=out["npy"], w2v=out["w2v.txt"],
    )  # fmt: skip
    pairs = load_eigenpairs(out["eig.npz"])
    full = np.linalg.eigvalsh(A + A.T)[::-1][:3]
    np.testing.assert_allclose(pairs.values, full, rtol=1e-10)
    np.testing.assert_array_equal(np.load(out["npy"]), cf.W)
    meta = load_eigen_meta(out["eig.npz"])
    assert meta["params"] == {
        "target": str(tmp_path / "M.npy"), "dim": 3, "solver": "eigh", "seed": 0,
        "tol": 1e-10,
    }  # fmt: skip
    assert meta["frobenius_sq"] == pytest.approx(float(np.sum((A + A.T) ** 2)))
    assert out["w2v.txt"].read_text().splitlines()[0] == f"6 {cf.W.shape[1]}"

    write_spectra([out["eig.npz"]], tmp_path / "spectra.csv")
    table = pd.read_csv(tmp_path / "spectra.csv")
    assert table["target"].unique().tolist() == ["M"]
    np.testing.assert_allclose(table["eigenvalue"], full, rtol=1e-10)


def test_theory_tables_loss_starts_at_the_full_power() -> None:
    values = np.array([4.0, 2.0, -1.0])
    frob = 16.0 + 4.0 + 1.0 + 0.5  # 0.5 of modes beyond the top three
    curves, loss = theory_tables(
        values, frob, dim=2, inits=[1e-6, 0.1], points=30, modes=1
    )
    assert sorted(curves["init"].unique()) == [1e-6, 0.1]
    assert len(loss) == 2 * 30
    first = loss[loss["init"] == 1e-6].iloc[0]
    # L(0) = 1/4 (sum (λ_k - u_k(0))^2 + discarded) ≈ 1/4 ||M||_F^2 at a tiny init
    assert first["loss"] == pytest.approx(frob / 4, rel=1e-4)


# --- content digest: the arrays are checked against the record --------------


def test_eigenpairs_rewritten_with_other_vectors_name_the_file_and_its_rule(
    tmp_path: Path,
) -> None:
    path = tmp_path / "M_star.eig.npz"
    save_eigenpairs(path, _pairs(), method="eigh")
    load_eigenpairs(path)  # unchanged: reads fine
    with np.load(path) as z:  # a valid zip whose arrays are not the recorded ones
        arrays = {k: z[k] for k in z.files}
    arrays["vectors"][3, 1] += 1e-9
    np.savez(path, **arrays)
    with pytest.raises(QwemInputError) as err:
        load_eigenpairs(path)
    assert str(err.value).startswith(
        f"{path}: contents changed after rule spectral_solve (qwem spectral solve)"
    )
    assert f"snakemake --forcerun {path}" in str(err.value)


def test_eigenpairs_with_a_flipped_byte_name_the_file_and_its_rule(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rmt" / "M_star.eig.npz"
    path.parent.mkdir()
    save_eigenpairs(path, _pairs(), method="eigh")
    with np.load(path) as z:
        offset = len(path.read_bytes()) - path.read_bytes().find(z["vectors"].tobytes())
    flip_byte(path, offset - 5)  # inside the eigenvectors
    with pytest.raises(QwemInputError, match=rf"^{path}: .*rule rmt_basis"):
        load_eigenpairs(path)
