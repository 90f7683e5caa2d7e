"""Eigensolvers on planted spectra, closed-form embeddings, word2vec export."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from qwem import evaluate, spectral
from qwem.errors import QwemConfigError, QwemInputError
from qwem.io import read_word2vec, write_word2vec
from qwem.spectral import closed_form, krylov, products

ITERATIVE = ("eigsh", "krylov", "subspace", "torch")


def _planted(values: NDArray[np.float64], seed: int = 0) -> NDArray[np.float64]:
    """Q diag(values) Q^T with a seeded random orthogonal Q."""
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((values.size,) * 2))
    M = (Q * values) @ Q.T
    return (M + M.T) / 2


def _spectrum(V: int, *, outlier: float = 0.0) -> NDArray[np.float64]:
    """k^-0.6 decay (the paper's M* spectra), a gap after d = 10, a negative bulk."""
    k = np.arange(1, V + 1)
    values = 50.0 * k**-0.6
    values[10:] *= 0.6  # a clear gap after lambda_10
    values[V // 2 :] *= -1.0  # half the spectrum negative, as for M*
    if outlier:
        values[-1] = outlier  # one isolated very negative eigenvalue (-2 V style)
    return values


@pytest.mark.parametrize("method", ["eigh", *ITERATIVE])
@pytest.mark.parametrize("outlier", [0.0, -4000.0])
def test_every_method_matches_lapack_on_a_planted_spectrum(
    method: str, outlier: float
) -> None:
    values = _spectrum(300, outlier=outlier)
    M = _planted(values, seed=1)
    ref_w, ref_U = np.linalg.eigh(M)
    ref_w, ref_U = ref_w[::-1][:10], ref_U[:, ::-1][:, :10]
    pairs = spectral.top_eigenpairs(M, 10, method=method, seed=3, tol=1e-12)
    lam1 = abs(ref_w[0])
    # the bar: eigenvalues within 1e-10 |λ1|, residuals <= 1e-10 |λ1|
    np.testing.assert_allclose(pairs.values, ref_w, rtol=0, atol=1e-10 * lam1)
    assert pairs.residuals.max() <= 1e-10 * lam1
    # with the gap after λ_10 the subspace is unique: overlap >= 1 - 1e-10
    overlap = np.linalg.norm(ref_U.T @ pairs.vectors) ** 2 / 10
    assert overlap >= 1 - 1e-10
    np.testing.assert_allclose(pairs.vectors.T @ pairs.vectors, np.eye(10), atol=1e-12)


def test_auto_picks_a_method_that_meets_the_bar() -> None:
    M = _planted(_spectrum(200, outlier=-3000.0), seed=2)
    pairs = spectral.top_eigenpairs(M, 8, method="auto", seed=0, tol=1e-10)
    assert pairs.method in ("krylov", "torch")
    assert pairs.residuals.max() <= 1e-10 * 3000.0


@pytest.mark.parametrize("method", ["krylov", "subspace"])
def test_same_seed_same_result(method: str) -> None:
    M = _planted(_spectrum(150), seed=4)
    a = spectral.top_eigenpairs(M, 6, method=method, seed=7, tol=1e-11)
    b = spectral.top_eigenpairs(M, 6, method=method, seed=7, tol=1e-11)
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.vectors, b.vectors)


def test_block_lanczos_restarts_on_a_clustered_spectrum(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A basis far smaller than V forces thick restarts; the bar still holds."""
    k = np.arange(1, 1201)
    values = 30.0 * k**-0.3  # slow decay: eigenvalues near d are tightly packed
    values[600:] *= -1.0
    values[-1] = -2000.0
    M = _planted(values, seed=5)
    ref_w = np.linalg.eigvalsh(M)[::-1][:40]
    with caplog.at_level(logging.INFO, logger="qwem.spectral.krylov"):
        w, U = krylov.block_lanczos(M, 40, seed=1, tol=1e-11, block=8, basis=160)
    w, U = w[:40], U[:, :40]
    assert "restarts" in caplog.text and " 0 restarts" not in caplog.text
    np.testing.assert_allclose(w, ref_w, rtol=0, atol=1e-10 * 2000.0)
    res = np.linalg.norm(M @ U - U * w, axis=0)
    assert res.max() <= 1e-11 * 2000.0 * 1.01
    np.testing.assert_allclose(U.T @ U, np.eye(40), atol=1e-12)


def test_eckart_young_error_is_the_discarded_spectrum() -> None:
    values = _spectrum(120)
    M = _planted(values, seed=5)
    cf = closed_form.embed(
        spectral.top_eigenpairs(M, 10, method="eigh", seed=0, tol=1e-10)
    )
    discarded = np.sort(values)[::-1][10:]
    # ||M - W W^T||_F^2 = sum of the other eigenvalues squared (negatives included)
    assert closed_form.eckart_young_error(M, cf) == pytest.approx(
        float(np.sum(discarded**2)), rel=1e-10
    )


def test_non_positive_eigenvalues_are_excluded_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    values = np.array([3.0, 2.0, 1.0, -0.5, -1.0, -2.0] + [-3.0] * 44)
    M = _planted(values, seed=6)
    pairs = spectral.top_eigenpairs(M, 5, method="eigh", seed=0, tol=1e-10)
    with caplog.at_level(logging.WARNING):
        cf = closed_form.embed(pairs, name="M_star")
    assert cf.W.shape == (50, 3)
    np.testing.assert_allclose(cf.excluded, [-0.5, -1.0], atol=1e-12)
    assert "M_star: 2 of the top 5 eigenvalues are not positive" in caplog.text
    # W W^T reproduces the positive part of the spectrum exactly
    np.testing.assert_allclose(np.linalg.eigvalsh(cf.W.T @ cf.W)[::-1], [3, 2, 1])


def test_word2vec_export_roundtrips_through_gensim(tmp_path: Path) -> None:
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(0)
    words = ["the", "king", "queen", "man", "woman"]
    W = rng.standard_normal((5, 4))
    write_word2vec(tmp_path / "w.w2v.txt", words, W)
    kv = KeyedVectors.load_word2vec_format(str(tmp_path / "w.w2v.txt"))
    assert kv.index_to_key == words
    # 9 significant digits written; gensim stores float32 (7 digits)
    np.testing.assert_allclose(kv.vectors, W, rtol=1e-6)
    words2, W2 = read_word2vec(tmp_path / "w.w2v.txt")
    assert words2 == words
    np.testing.assert_allclose(W2, W, rtol=1e-8)


def test_analogy_with_exact_answer() -> None:
    # king - man + woman = queen exactly; "prince" is close but not the answer
    words = ["man", "woman", "king", "queen", "prince"]
    W = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 2], [1, 1, 2], [1.1, 0, 2]], float)
    questions = evaluate.load_analogies(None).head(0)
    questions.loc[0] = ["family", "man", "woman", "king", "queen"]
    questions.loc[1] = ["family", "man", "woman", "king", "absent"]  # not in vocab
    acc, table = evaluate.analogy_accuracy(W, words, questions)
    assert acc == 1.0 and table["n"].tolist() == [1]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"d": 0}, QwemConfigError, r"dim must be in \[1, 9\]"),
        ({"d": 10}, QwemConfigError, r"dim must be in \[1, 9\]"),
        ({"d": 2, "method": "qr"}, QwemConfigError, "spectral.solver must be one of"),
    ],
)
def test_bad_parameters_name_the_key(
    kwargs: dict, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        spectral.top_eigenpairs(
            np.eye(10), **{"method": "auto", "seed": 0, "tol": 1e-10, **kwargs}
        )


def test_non_symmetric_input_is_refused() -> None:
    M = np.eye(4)
    M[0, 1] = 1.0
    with pytest.raises(QwemInputError, match="M_star.npy: not symmetric"):
        spectral.check_symmetric(M, name="M_star.npy")
    with pytest.raises(
        QwemInputError, match=r"expected a square matrix, got shape \(3, 4\)"
    ):
        spectral.check_symmetric(np.zeros((3, 4)), name="x")


def _offset_matrix(offset: float = -0.02) -> NDArray[np.float64]:
    """A planted spectrum plus a common offset (M* is -2 wherever a pair was
    never seen): the offset adds an outlier of about offset x V, here -16,
    below λ_1 = 30 in magnitude."""
    k = np.arange(1, 801)
    values = 30.0 * k**-0.3
    values[400:] *= -1.0
    return _planted(values, seed=6) + offset


def test_krylov_single_precision_basis_meets_the_float64_bar(
    caplog: pytest.LogCaptureFixture,
) -> None:
    M = _offset_matrix()
    ref = np.linalg.eigvalsh(M)[::-1][:30]
    with caplog.at_level(logging.INFO, logger="qwem.spectral"):
        pairs = spectral.top_eigenpairs(M, 30, method="krylov", seed=0, tol=1e-6)
    assert "float32 products" in caplog.text and "float64" not in caplog.text
    lam1 = abs(ref[0])
    np.testing.assert_allclose(pairs.values, ref, rtol=0, atol=1e-6 * lam1)
    assert pairs.residuals.max() <= 1e-6 * lam1  # recomputed in float64


def test_krylov_falls_back_to_float64_when_single_precision_is_not_enough(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    M = _offset_matrix()
    lam1 = np.linalg.eigvalsh(M).max()
    exact = products.Operator.__call__

    def noisy(self: products.Operator, Q: NDArray[np.float64]) -> NDArray[np.float64]:
        Y = exact(self, Q)  # single-precision products made far too coarse
        return Y + (1e-4 * lam1 if self.M32 is not None else 0.0) * np.sign(Y)

    monkeypatch.setattr(products.Operator, "__call__", noisy)
    with caplog.at_level(logging.INFO, logger="qwem.spectral"):
        pairs = spectral.top_eigenpairs(M, 30, method="krylov", seed=0, tol=1e-6)
    assert "solving again in float64" in caplog.text
    assert pairs.residuals.max() <= 1e-6 * lam1


def test_an_outlier_beyond_the_top_d_does_not_loosen_the_bar(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The bar is relative to |λ_1| of the wanted pairs, not to ||M||_2 (here
    an offset of -1.8 adds an outlier of -1440 against λ_1 = 30); a bar of
    1e-8 is out of single precision's reach and solved with float64 products."""
    M = _offset_matrix(-1.8)
    ref = np.linalg.eigvalsh(M)[::-1][:30]
    with caplog.at_level(logging.INFO, logger="qwem.spectral"):
        pairs = spectral.top_eigenpairs(M, 30, method="krylov", seed=0, tol=1e-8)
    assert "float64 products" in caplog.text and "float32" not in caplog.text
    assert pairs.residuals.max() <= 1e-8 * abs(ref[0])
    np.testing.assert_allclose(pairs.values, ref, rtol=0, atol=1e-8 * abs(ref[0]))


def _mostly_constant(V: int = 1500, density: float = 0.05) -> NDArray[np.float64]:
    """-2 everywhere except a symmetric random 5 % of the entries (M* of a
    small corpus: -2 wherever a pair was never seen)."""
    rng = np.random.default_rng(8)
    upper = np.triu(rng.random((V, V)) < density / 2)
    seen = upper | upper.T
    values = rng.uniform(-1.0, 2.0, (V, V))
    values = (values + values.T) / 2
    return np.where(seen, values, -2.0)


def test_mostly_constant_matrices_use_exact_sparse_products(
    caplog: pytest.LogCaptureFixture,
) -> None:
    M = _mostly_constant()
    c, differing, corner = products.profile(M)
    assert c == -2.0 and differing == np.count_nonzero(M != -2.0)
    assert corner == 0  # uniformly scattered entries: no dense corner pays
    for corner in (0, 200):
        op = products.Operator(M, "sparse", common=c, corner=corner)
        Q = np.random.default_rng(0).standard_normal((M.shape[0], 7))
        np.testing.assert_allclose(
            op(Q), M @ Q, rtol=0, atol=1e-12 * np.abs(M).sum(1).max()
        )
    op = products.operator_for(M, exact=False)
    assert op.kind == "sparse" and op.exact
    Q = np.random.default_rng(0).standard_normal((M.shape[0], 7))
    np.testing.assert_allclose(
        op(Q), M @ Q, rtol=0, atol=1e-12 * np.abs(M).sum(1).max()
    )
    ref_w, ref_U = np.linalg.eigh(M)
    ref_w, ref_U = ref_w[::-1][:20], ref_U[:, ::-1][:, :20]
    with caplog.at_level(logging.INFO, logger="qwem.spectral"):
        pairs = spectral.top_eigenpairs(M, 20, method="krylov", seed=0, tol=1e-10)
    assert "sparse float64" in caplog.text and "float32" not in caplog.text
    lam1 = abs(ref_w[0])
    np.testing.assert_allclose(pairs.values, ref_w, rtol=0, atol=1e-10 * lam1)
    assert pairs.residuals.max() <= 1e-10 * lam1


def test_a_nearly_full_leading_block_is_stored_dense() -> None:
    M = _mostly_constant(1200, 0.02)
    M[:300, :300] = _planted(np.linspace(3.0, -1.0, 300), seed=3)  # all differ
    c, differing, corner = products.profile(M)
    assert c == -2.0 and differing == np.count_nonzero(M != -2.0)
    assert corner == 300  # the grid holds 300 = 1200 / 4; the rest is sparse
    op = products.operator_for(M, exact=True)
    assert op.kind == "sparse" and op.corner == 300
    assert op.indptr[-1] == differing - 300 * 300
    Q = np.random.default_rng(2).standard_normal((1200, 5))
    np.testing.assert_allclose(
        op(Q), M @ Q, rtol=0, atol=1e-12 * np.abs(M).sum(1).max()
    )


def test_dense_matrices_are_not_taken_for_sparse() -> None:
    M = _planted(_spectrum(300), seed=1)
    assert products.operator_for(M, exact=False).kind == "float32"
    assert products.operator_for(M, exact=True).kind == "float64"
    half = np.where(np.random.default_rng(1).random((300, 300)) < 0.5, 1.0, M)
    assert products.operator_for((half + half.T) / 2, exact=True).kind == "float64"


# --- memory: the model against a measured peak, the guard before loading M ---


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux only")
def test_solve_memory_model_bounds_the_measured_peak() -> None:
    """V = 1,500, eigh: the measured peak RSS of solve_target is below the
    model, whose V-dependent part is within a small factor of it."""
    from test_targets import measure_peak

    from qwem.spectral import memory

    got = measure_peak("solve", "1500", "--dim", "20", "--solver", "eigh")
    assert got["peak_mib"] <= got["model_mib"]
    # not far above it either (loose: RSS can shrink under memory pressure)
    assert got["model_mib"] - memory.BASE_MB <= 6 * got["peak_mib"]


def test_solve_refuses_a_target_over_the_limit_before_loading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qwem.errors import QwemResourceError
    from qwem.spectral.jobs import solve_target

    target = tmp_path / "M_star.npy"
    np.save(target, np.eye(50))
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 1000 kB\nMemAvailable: 1000 kB\n")
    monkeypatch.setattr("qwem.runtime.MEMINFO", meminfo)
    with pytest.raises(
        QwemResourceError,
        match=r"eigensolve of M_star.npy for V = 50 \(d = 5, krylov\) need about "
        r"[\d,]+ MiB; this job may use 1 MiB",
    ):
        solve_target(
            target,
            vocab=tmp_path / "vocab.txt",
            dim=5,
            solver="krylov",
            seed=0,
            tol=1e-8,
            eig=tmp_path / "M.eig.npz",
        )
    assert not (tmp_path / "M.eig.npz").exists()


def test_solve_memory_is_m_plus_the_symmetry_check_or_the_workspace() -> None:
    from qwem.spectral.memory import BASE_MB, solve_memory_mb

    V = 10_000
    dense = 8 * V * V / 2**20  # 763 MiB
    # krylov: M + the check's 16 bytes per entry + its basis (2 x 1,024 + 2 d)
    krylov = solve_memory_mb(V, 200, "krylov") - BASE_MB
    assert krylov == pytest.approx(3 * dense + 8 * V * (2 * 1024 + 400) / 2**20)
    # torch on the CPU: M + 32 bytes per entry (U, syevd's workspace, a copy)
    torch_cpu = solve_memory_mb(V, 200, "torch") - BASE_MB
    assert torch_cpu == pytest.approx(5 * dense + 8 * V * 600 / 2**20)
