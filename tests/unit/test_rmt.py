"""Marchenko-Pastur law, spiked-model fits and the analogy-family tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad

from qwem import rmt
from qwem.cli import main
from qwem.errors import QwemConfigError, QwemInputError

N, D_COLS, SIGMA2 = 500, 2000, 0.7  # pure-noise and planted-spike experiments
GAMMA = N / D_COLS
SHIFT = rmt.TW1_MEAN_SHIFT

FAMILY_QUESTIONS = """\
: gram7-past-tense
go went see saw
go went take took
: gram2-opposite
able unable aware unaware
"""


def planted(strength: float, seed: int) -> np.ndarray:
    """R = 1 m^T + X: X i.i.d. N(0, σ²), m with N ||m||² / d = ``strength``."""
    rng = np.random.default_rng(seed)
    m = rng.normal(size=D_COLS)
    m *= np.sqrt(strength * D_COLS / N) / np.linalg.norm(m)
    return m + rng.normal(scale=np.sqrt(SIGMA2), size=(N, D_COLS))


def fit_of(R: np.ndarray, shift: float = SHIFT) -> rmt.MPFit:
    # margin 6: pure noise has its top gap below ~5 Tracy-Widom units in 99 %
    # of draws (simulated at N = 30 to 500)
    return rmt.fit_marchenko_pastur(R, margin=6.0, max_outliers=10, edge_shift=shift)


@pytest.mark.parametrize("gamma", [0.05, 0.25, 0.7, 2.0, 4.0])
def test_mp_density_plus_atom_integrates_to_one(gamma: float) -> None:
    lo, hi = rmt.mp_edges(1.3, gamma)
    mass, _ = quad(
        lambda x: rmt.mp_density(np.array(x), sigma2=1.3, gamma=gamma), lo, hi
    )
    assert mass == pytest.approx(min(1.0, 1.0 / gamma), rel=1e-6)
    assert mass + rmt.mp_atom(gamma) == pytest.approx(1.0, rel=1e-6)
    # mean eigenvalue of the law is σ² whatever γ (the atom contributes 0)
    mean, _ = quad(
        lambda x: x * rmt.mp_density(np.array(x), sigma2=1.3, gamma=gamma), lo, hi
    )
    assert mean == pytest.approx(1.3, rel=1e-6)
    assert rmt.mp_density(np.array([lo / 2 if lo else -1.0, hi * 1.01]), sigma2=1.3,
                          gamma=gamma).tolist() == [0.0, 0.0]  # fmt: skip


def test_pure_noise_fit_recovers_sigma2_and_gamma() -> None:
    R = planted(0.0, seed=0)
    fit = fit_of(R)
    # 5 %: one Tracy-Widom unit is 0.6 % of λ+ here and moves γ by 1.7 %; the
    # top eigenvalue scatters by ~1.4 units around λ+ - 1.2 units
    assert fit.sigma2 == pytest.approx(SIGMA2, rel=0.05)
    assert fit.gamma == pytest.approx(GAMMA, rel=0.05)
    assert fit.d_eff == pytest.approx(D_COLS, rel=0.05)
    assert fit.outliers.size == 0
    assert fit.eigenvalues.size == N and np.all(np.diff(fit.eigenvalues) <= 0)
    assert fit.upper > fit.eigenvalues[0]
    # the paper's literal estimator: λ+ is the top bulk eigenvalue itself
    literal = fit_of(R, shift=0.0)
    assert literal.upper == pytest.approx(fit.eigenvalues[0])
    assert literal.gamma < fit.gamma


def test_planted_spike_above_bbp_matches_the_prediction() -> None:
    strength = 4 * rmt.bbp_threshold(SIGMA2, GAMMA)
    fit = fit_of(planted(strength, seed=0))
    assert fit.outliers.size == 1
    predicted = rmt.spike_outlier(strength, sigma2=SIGMA2, gamma=GAMMA)
    # 5 %: the outlier fluctuates by O(1/sqrt(N)) around its limit (±3 % over seeds)
    assert fit.outliers[0] == pytest.approx(predicted, rel=0.05)
    # the same prediction from the data alone (σ², γ and ℓ all estimated)
    assert fit.predicted == pytest.approx(fit.outliers[0], rel=0.05)
    assert fit.signal == pytest.approx(strength, rel=0.1)
    # the bulk is still fitted without the spike
    assert fit.gamma == pytest.approx(GAMMA, rel=0.05)


def test_planted_spike_below_bbp_gives_no_outlier() -> None:
    strength = 0.5 * rmt.bbp_threshold(SIGMA2, GAMMA)
    fit = fit_of(planted(strength, seed=0))
    assert fit.outliers.size == 0
    assert np.isnan(rmt.spike_outlier(strength, sigma2=SIGMA2, gamma=GAMMA))
    assert np.isnan(fit.predicted)


def test_spike_formula_limits_and_inverse() -> None:
    s2, g = 0.7, 0.25
    edge = rmt.mp_edges(s2, g)[1]
    just_above = rmt.spike_outlier(
        rmt.bbp_threshold(s2, g) * (1 + 1e-9), sigma2=s2, gamma=g
    )
    assert just_above == pytest.approx(edge)  # the outlier leaves the bulk at λ+
    for ell in (0.5, 1.0, 30.0):
        lam = rmt.spike_outlier(ell, sigma2=s2, gamma=g)
        assert lam == pytest.approx(ell + s2 * (1 + g) + g * s2**2 / ell)
        assert rmt.spike_strength(lam, sigma2=s2, gamma=g) == pytest.approx(ell)
    assert np.isnan(rmt.spike_strength(edge * 0.99, sigma2=s2, gamma=g))


def test_fit_errors_name_the_parameter() -> None:
    R = np.random.default_rng(0).normal(size=(10, 20))
    with pytest.raises(QwemConfigError, match="rmt.margin must be > 0"):
        rmt.fit_marchenko_pastur(R, margin=0.0, max_outliers=3, edge_shift=0)
    with pytest.raises(QwemInputError, match="all task vectors are equal"):
        fit_of(np.ones((10, 20)))


def test_snr_known_values() -> None:
    # singular values 3, 1, 1: λ_max = 9, trace 11, rank 3
    assert rmt.snr(np.diag([3.0, 1.0, 1.0])) == pytest.approx(9 / (11 / 3))
    rank_one = np.outer(np.arange(1.0, 5.0), np.ones(7))
    assert rmt.snr(rank_one) == pytest.approx(1.0)  # the rank is numerical: 1
    assert rmt.snr(2.5 * np.eye(4)) == pytest.approx(1.0)


def test_log_grid() -> None:
    grid = rmt.log_grid(4, 4096, 21)
    assert grid[0] == 4 and grid[-1] == 4096 and grid.size == 21
    assert grid[:5].tolist() == [4, 6, 8, 11, 16]
    assert rmt.log_grid(4, 6, 21).tolist() == [4, 5, 6]  # duplicates dropped
    with pytest.raises(QwemConfigError, match="d_min <= d_max"):
        rmt.log_grid(8, 4, 3)


def test_eigen_embedding_keeps_positive_eigenvalues_largest_first() -> None:
    rng = np.random.default_rng(0)
    U, _ = np.linalg.qr(rng.normal(size=(6, 4)))
    values = np.array([2.0, 5.0, -1.0, 0.5])
    W = rmt.eigen_embedding(values, U)
    assert W.shape == (6, 3)
    np.testing.assert_allclose(W.T @ W, np.diag([5.0, 2.0, 0.5]), atol=1e-12)
    np.testing.assert_allclose(W[:, 0], U[:, 1] * np.sqrt(5.0))


def _family_fixture(tmp_path: Path) -> tuple[np.ndarray, list[str], pd.DataFrame]:
    """An embedding in an 'eigenbasis' of 16 coordinates where the past tense is +e_2.

    Present-tense words are e_0 + e_{3+j}; their past adds e_2 and a little noise
    on coordinates 6-15, where every other word lives. Up to d = 6 the task
    vectors are exactly e_2 and every analogy has a known answer.
    """
    from qwem.evaluate import load_analogies

    path = tmp_path / "q.txt"
    path.write_text(FAMILY_QUESTIONS)
    words = ["go", "went", "see", "saw", "take", "took", "able", "unable", "aware"]
    words += ["unaware"] + [f"w{i}" for i in range(30)]
    rng = np.random.default_rng(0)
    W = np.zeros((len(words), 16))
    W[:, 6:] = rng.normal(size=(len(words), 10))
    for j, (present, past) in enumerate(
        (("go", "went"), ("see", "saw"), ("take", "took"))
    ):
        p = words.index(present)
        W[p] = np.eye(16)[0] + np.eye(16)[3 + j]
        W[words.index(past)] = W[p] + np.eye(16)[2]
        W[words.index(past), 6:] = 0.1 * rng.normal(size=10)
    return W, words, load_analogies(path)


def test_task_vectors_and_localisation(tmp_path: Path) -> None:
    W, words, q = _family_fixture(tmp_path)
    pairs = rmt.family_pairs(q, words, "past-tense")
    assert list(zip(pairs["a"], pairs["b"], strict=True)) == [
        ("go", "went"), ("see", "saw"), ("take", "took")
    ]  # fmt: skip
    R = rmt.task_vectors(W, words, pairs, 6)
    np.testing.assert_array_equal(R, np.tile(np.eye(6)[2], (3, 1)))
    assert rmt.task_vectors(W, words, pairs).shape == (3, 16)
    local = rmt.localisation_table(W, words, q, families=["past-tense"], modes=6)
    assert local["k"].tolist() == list(range(1, 7))
    np.testing.assert_array_equal(local["power"], np.eye(6)[2])
    with pytest.raises(QwemInputError, match="'family' has 0 in-vocabulary pairs"):
        rmt.family_pairs(q, words, "family")


def test_family_sweep_and_spectrum_tables(tmp_path: Path) -> None:
    W, words, q = _family_fixture(tmp_path)
    sweep = rmt.family_sweep(W, words, q, families=["past-tense"], dims=[2, 6, 8, 99])
    assert sweep["d"].tolist() == [2, 6, 8]  # 99 > D = 16 is skipped
    assert sweep["pairs"].tolist() == [3] * 3 and sweep["questions"].tolist() == [6] * 3
    at6, at8 = sweep.iloc[1], sweep.iloc[2]
    assert at6["accuracy"] == 1.0 and at8["accuracy"] == 1.0
    assert at6["snr"] == pytest.approx(1.0)  # R_6 is rank one: every r_n = e_2
    assert np.isnan(sweep["snr"].iloc[0])  # R_2 = 0
    # go:went :: see:? on 6 coordinates, by hand: x = went/√3 - go/√2 + see/√2;
    # x.saw = 2/3 + 1/√6, x.took = 2/3 (saw's competitor), |x|² = 2 - 2/√6
    # (rel 1e-5: the scores are float32)
    norm = np.sqrt(2 - 2 / np.sqrt(6))
    assert at6["top1_cos"] == pytest.approx((2 / 3 + 1 / np.sqrt(6)) / norm, rel=1e-5)
    assert at6["top1_competitor"] == pytest.approx(2 / 3 / norm, rel=1e-5)
    assert at6["top1_ratio"] == pytest.approx(1 + 3 / (2 * np.sqrt(6)), rel=1e-5)
    tables = rmt.spectrum_tables(
        W, words, q, families=["past-tense"], dims=[8, 16], margin=6.0,
        max_outliers=2, edge_shift=SHIFT, points=50,
    )  # fmt: skip
    assert tables.fits["d"].tolist() == [8, 16]
    assert tables.eigenvalues.groupby("d").size().tolist() == [3, 3]  # min(N, d)
    assert len(tables.density) == 2 * 50
    assert (tables.density["density"] >= 0).all()


def test_cli_rmt_writes_every_table(tmp_path: Path) -> None:
    W, words, _ = _family_fixture(tmp_path)
    # eigenpairs whose U Λ^{1/2} is W: thin SVD
    U, s, _ = np.linalg.svd(W, full_matrices=False)
    np.savez(tmp_path / "eig.npz", values=s**2, vectors=U)
    vocab = tmp_path / "vocab.tsv"
    vocab.write_text(
        "word\tcount\n" + "".join(f"{w}\t{99 - i}\n" for i, w in enumerate(words))
    )
    outs = {n: tmp_path / "rmt" / f"{n}.csv" for n in
            ("sweep", "spectra", "fits", "density", "localisation")}  # fmt: skip
    argv = ["rmt", "tables", "--in", str(tmp_path / "eig.npz"), "--vocab", str(vocab)]
    argv += ["--questions", str(tmp_path / "q.txt"), "--families", "past-tense"]
    argv += ["--d-min", "2", "--d-max", "64", "--points", "4", "--hist-dims", "8"]
    argv += ["--modes", "10", "--density-points", "20"]
    for name, path in outs.items():
        argv += [f"--{name}-out", str(path)]
    assert main(argv) == 0
    sweep = pd.read_csv(outs["sweep"])
    assert sweep["d"].tolist() == [2, 4, 8, 16]  # d_max clipped to D = 16
    local = pd.read_csv(outs["localisation"])
    assert local["power"].sum() == pytest.approx(1.0)
    assert len(pd.read_csv(outs["density"])) == 20
    assert pd.read_csv(outs["fits"])["n"].tolist() == [3]
