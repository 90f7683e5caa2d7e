"""Closed-form dynamics against known answers and full-batch gradient descent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from qwem.errors import QwemConfigError, QwemInputError
from qwem.spectral import theory

LAM = np.array([1.0, 0.8, 0.6, 0.45, 0.3])
EPS = np.finfo(np.float64).eps


def _planted(V: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """M = Q diag(lam) Q^T: LAM on top, then a bulk in [-0.02, 0.02] (some < 0)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((V, V)))
    lam = np.concatenate([LAM, np.sort(rng.uniform(-0.02, 0.02, V - LAM.size))[::-1]])
    M = (Q * lam) @ Q.T
    return (M + M.T) / 2, lam, Q


# --- closed form -----------------------------------------------------------------


def test_sigmoidal_u_starts_at_u0_and_ends_at_lambda() -> None:
    u0 = np.array([1e-12, 1e-3, 0.1, 0.5, 2.0])  # the last starts above lam
    u = theory.sigmoidal_u([0.0, 1e4], LAM, u0)
    assert u.shape == (2, 5)
    # u0 lam / (u0 + (lam - u0)): three roundings, each at most eps/2 relative
    np.testing.assert_allclose(u[0], u0, rtol=4 * EPS)
    np.testing.assert_array_equal(u[1], LAM)  # exp(-2 lam 1e4) underflows to 0


def test_sigmoidal_u_is_monotone_towards_lambda() -> None:
    t = np.linspace(0.0, 60.0, 601)
    below = theory.sigmoidal_u(t, LAM, 1e-8)
    above = theory.sigmoidal_u(t, LAM, 2.0)
    assert np.all(np.diff(below, axis=0) >= 0) and np.all(below <= LAM)
    assert np.all(np.diff(above, axis=0) <= 0) and np.all(above >= LAM)


def test_sigmoidal_u_solves_the_logistic_ode() -> None:
    c, h = 2.0, 1e-4
    t = np.linspace(0.0, 30.0, 301)
    u = theory.sigmoidal_u(t, LAM, 1e-6, c=c)
    du = (
        theory.sigmoidal_u(t + h, LAM, 1e-6, c=c)
        - theory.sigmoidal_u(t - h, LAM, 1e-6, c=c)
    ) / (2 * h)
    rhs = c * u * (LAM - u)
    # central difference: truncation h^2 |u'''| / 6 with |u'''| <= c^3 lam^4 / 8 = 1
    # (logistic: max |sigma'''| = 1/8), so < 2e-9; rounding eps lam / h ~ 2e-12
    np.testing.assert_allclose(du, rhs, rtol=0, atol=1e-8)
    assert np.abs(rhs).max() > 0.4  # the check covers the steep part (max 0.5)


def test_learning_time_is_the_half_way_point() -> None:
    u0 = np.array([1e-12, 1e-9, 1e-6, 1e-4, 1e-3])
    tau = theory.learning_times(LAM, u0)
    np.testing.assert_allclose(tau, np.log(LAM / u0) / (2 * LAM), rtol=EPS * 4)
    u_tau = np.diag(theory.sigmoidal_u(tau, LAM, u0))
    # u(tau) = lam / (2 - u0/lam): half of lam up to a relative u0 / (2 lam)
    np.testing.assert_allclose(u_tau / (LAM / 2), 1.0, atol=float((u0 / LAM).max()))
    assert np.all(np.abs(u_tau / (LAM / 2) - 1) <= u0 / LAM)


@pytest.mark.parametrize("lam", [[1.0, 0.0], [1.0, -0.5], [np.nan]])
def test_nonpositive_eigenvalues_are_rejected(lam: list[float]) -> None:
    with pytest.raises(QwemInputError, match="lam must be .* positive eigenvalues"):
        theory.sigmoidal_u([0.0], lam, 1e-6)


def test_nonpositive_u0_is_rejected() -> None:
    with pytest.raises(QwemInputError, match="u0 must be positive"):
        theory.learning_times(LAM, 0.0)


def test_theory_loss_at_start_and_end() -> None:
    lam_all = np.concatenate([LAM, [0.01, -0.005, -0.3]])
    loss = theory.theory_loss([0.0, 1e4], lam_all, 5, 1e-12)
    # at t = 0 each learned term is (lam - u0)^2 = lam^2 (1 - O(1e-12))
    np.testing.assert_allclose(loss[0], 0.25 * (lam_all**2).sum(), rtol=1e-11)
    # t -> oo: only the discarded eigenvalues are left, the negative ones too
    np.testing.assert_allclose(
        loss[1], 0.25 * (0.01**2 + 0.005**2 + 0.3**2), rtol=EPS * 8
    )
    assert np.all(
        np.diff(theory.theory_loss(np.linspace(0, 80, 200), lam_all, 5, 1e-12)) <= 0
    )


def test_theory_loss_checks_its_inputs() -> None:
    with pytest.raises(QwemInputError, match="descending"):
        theory.theory_loss([0.0], [0.1, 1.0], 1, 1e-6)
    with pytest.raises(QwemConfigError, match="d must be in"):
        theory.theory_loss([0.0], [1.0, 0.1], 3, 1e-6)
    with pytest.raises(QwemInputError, match="positive eigenvalues"):
        theory.theory_loss([0.0], [1.0, -0.1], 2, 1e-6)


def test_eckart_young_minimum_counts_negative_eigenvalues() -> None:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 40))
    M = (X + X.T) / 2  # about half the eigenvalues negative
    lam, U = np.linalg.eigh(M)
    lam, U = lam[::-1], U[:, ::-1]
    d = 6
    assert lam[d - 1] > 0 and (lam < 0).sum() > 10
    W = U[:, :d] * np.sqrt(lam[:d])
    residual = ((M - W @ W.T) ** 2).sum()
    # float64 eigh: backward error ~ 40 eps ||M||; the sums are O(||M||^2)
    np.testing.assert_allclose(residual, (lam[d:] ** 2).sum(), rtol=1e-12)
    np.testing.assert_allclose(
        4 * theory.theory_loss([1e6], lam, d, 1e-6)[0], residual, rtol=1e-12
    )
    # it is a minimum: nearby rank-d W W^T do worse
    for _ in range(5):
        Wp = W + 1e-3 * rng.standard_normal(W.shape)
        assert ((M - Wp @ Wp.T) ** 2).sum() > residual


# --- initial values and time ----------------------------------------------------


def test_initial_u_plain_and_orthogonalized() -> None:
    U = np.eye(3)[:, :2]
    W0 = np.array([[1.0, 0.0], [1.0, 1.0], [5.0, 5.0]])  # a_1 = (1, 0), a_2 = (1, 1)
    np.testing.assert_allclose(theory.initial_u(W0, U, orthogonalize=False), [1.0, 2.0])
    # a_2 minus its projection on a_1 is (0, 1)
    np.testing.assert_allclose(theory.initial_u(W0, U), [1.0, 1.0])
    with pytest.raises(QwemInputError, match=r"W0 \(3, 2\) and U \(4, 2\)"):
        theory.initial_u(W0, np.eye(4)[:, :2])


def test_expected_initial_u_matches_sampling() -> None:
    rng = np.random.default_rng(0)
    d, init, n = 5, 1e-3, 20_000
    U = np.linalg.qr(rng.standard_normal((20, d)))[0]
    W0s = rng.standard_normal((n, 20, d)) * init / np.sqrt(d)
    for ortho in (True, False):
        mean = np.mean(
            [theory.initial_u(W0, U, orthogonalize=ortho) for W0 in W0s], axis=0
        )
        expected = theory.expected_initial_u(init, d, orthogonalize=ortho)
        # chi^2_m / m has relative sd sqrt(2/m) <= 1.42; over n samples 1 %: 5 sd
        np.testing.assert_allclose(mean, expected, rtol=5 * np.sqrt(2 / n))
    np.testing.assert_allclose(
        theory.expected_initial_u(init, d) / init**2, [1, 0.8, 0.6, 0.4, 0.2]
    )


def test_theory_time_and_its_discrete_correction() -> None:
    steps = np.array([0, 10, 1000])
    np.testing.assert_allclose(
        theory.theory_time(steps, 0.02, scale=0.5), [0.0, 0.1, 10.0]
    )
    t = theory.discrete_time(steps, 0.02, LAM, scale=0.5)
    assert t.shape == (3, 5)
    # one step grows a small mode by (1 + eta lam); the flow by exp(lam t)
    np.testing.assert_allclose(np.exp(LAM * t[2]), (1 + 0.01 * LAM) ** 1000, rtol=1e-12)
    # the correction vanishes as eta lam -> 0: t = n eta (1 - eta lam / 2 + ...)
    np.testing.assert_allclose(
        theory.discrete_time([1e9], 1e-9, LAM)[0], 1.0, rtol=1e-9
    )
    with pytest.raises(QwemConfigError, match="lr and scale must be > 0"):
        theory.theory_time(steps, 0.0)


# --- tables ----------------------------------------------------------------------


def test_theory_curves_table() -> None:
    t = np.linspace(0.0, 80.0, 161)
    u0 = theory.expected_initial_u(1e-6, 5)
    table = theory.theory_curves(LAM, u0, t)
    assert list(table.columns) == [
        "t",
        "t_over_tau1",
        "mode",
        "lambda",
        "u",
        "s",
        "tau",
    ]
    assert len(table) == 161 * 5 and sorted(table["mode"].unique()) == [1, 2, 3, 4, 5]
    tau = theory.learning_times(LAM, u0)
    for k, group in table.groupby("mode"):
        assert np.all(np.diff(group["u"].to_numpy()) >= 0)
        assert (group["lambda"] == LAM[k - 1]).all() and (
            group["tau"] == tau[k - 1]
        ).all()
        np.testing.assert_array_equal(group["t"], t)
    np.testing.assert_array_equal(table["s"], np.sqrt(table["u"]))
    np.testing.assert_allclose(table["t_over_tau1"], table["t"] / tau[0], rtol=EPS)


def test_theory_loss_table() -> None:
    t = np.linspace(0.0, 80.0, 81)
    lam_all = np.concatenate([LAM, [0.01, -0.01]])
    table = theory.theory_loss_table(t, lam_all, 5, 1e-12)
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["t", "t_over_tau1", "loss"]
    tau1 = theory.learning_times(LAM[:1], 1e-12)[0]
    np.testing.assert_allclose(table["t_over_tau1"], t / tau1, rtol=EPS)
    assert np.all(np.diff(table["loss"]) <= 0)
    with pytest.raises(QwemInputError, match="no learning time"):
        theory.theory_loss_table(t, lam_all, 5, 2.0)


# --- gradient descent ------------------------------------------------------------

# Discrete GD vs gradient flow: a small mode grows by (1 + lr lam)^2 per step, the
# flow by exp(2 lr lam), a rate error lr lam / 2 that over ln(lam/u0) ~ 28
# e-foldings shifts u by ~14 lr lam (measured 11 % at lr = 0.01). discrete_time
# removes it exactly; what is left is O(lr lam) in the transition (measured worst
# 1.1 %, 0.55 %, 0.28 % at lr = 0.02, 0.01, 0.005): lr = 0.01 leaves a 4x margin.
# Seed 1 gives tau_5 = 48.6; t = 80 is 19 e-folds of lam_5 - u_5 later.
LR, INIT, STEPS, EVERY = 0.01, 1e-6, 8_000, 5


@pytest.fixture(scope="module")
def gd_run() -> tuple[theory.GDTrace, np.ndarray]:
    M, _, Q = _planted(300, seed=0)
    trace = theory.simulate_gd(
        M, 5, init=INIT, lr=LR, steps=STEPS, seed=1, record_every=EVERY
    )
    return trace, Q


def test_gd_matches_the_sigmoidal_curves(
    gd_run: tuple[theory.GDTrace, np.ndarray],
) -> None:
    trace, Q = gd_run
    np.testing.assert_allclose(trace.eigenvalues, LAM, rtol=1e-12)  # eigh accuracy
    assert trace.steps[-1] == STEPS
    assert trace.singular_values.shape == (STEPS // EVERY + 1, 5)
    u = trace.singular_values**2  # compare u = s^2: what the closed form predicts
    t = theory.discrete_time(trace.steps, LR, LAM)  # (R, 5)
    u_th = np.column_stack(
        [
            theory.sigmoidal_u(t[:, k], LAM[k], trace.initial_u[k])[:, 0]
            for k in range(5)
        ]
    )
    shown = u_th >= 0.1 * LAM  # before that the 295 bulk modes still blur s_k
    rel = np.abs(u - u_th)[shown] / u_th[shown]
    # acceptance: 2 % on u (1 % on s); measured worst 0.55 % (see LR above)
    assert rel.max() < 0.02, rel.max()
    # all five modes learned by the end: e^-19 ~ 6e-9 left of lam_5 - u_5
    np.testing.assert_allclose(u[-1], LAM, rtol=1e-7)
    overlap = ((Q[:, :5].T @ np.linalg.qr(trace.W_final)[0]) ** 2).sum() / 5
    assert overlap > 0.99


def test_gd_learns_modes_in_order_at_tau(
    gd_run: tuple[theory.GDTrace, np.ndarray],
) -> None:
    trace, _ = gd_run
    u = trace.singular_values**2
    t = theory.discrete_time(trace.steps, LR, LAM)
    crossing_step, crossing_t = [], []
    for k in range(5):
        i = int(np.argmax(u[:, k] >= LAM[k] / 2))
        assert i > 0
        # linear interpolation between records (they are 0.05 time units apart)
        frac = (LAM[k] / 2 - u[i - 1, k]) / (u[i, k] - u[i - 1, k])
        crossing_step.append(trace.steps[i - 1] + frac * EVERY)
        crossing_t.append(t[i - 1, k] + frac * (t[i, k] - t[i - 1, k]))
    assert np.all(np.diff(crossing_step) > 0)
    # tau_k is the half-way time up to a relative u0/lam ~ 1e-12 (see above), so
    # the crossings must sit at tau_k. Acceptance 5 %; measured at most 0.04 %
    tau = theory.learning_times(LAM, trace.initial_u)
    np.testing.assert_allclose(crossing_t, tau, rtol=0.05)


def test_gd_loss_starts_at_the_full_norm_and_ends_at_the_bulk() -> None:
    M, lam, _ = _planted(60, seed=5)
    trace = theory.simulate_gd(
        M, 5, init=1e-6, lr=0.02, steps=5000, seed=0, record_every=100
    )
    # W0 W0^T ~ 1e-12 changes the loss by ~ 1e-12 of ||M||^2
    np.testing.assert_allclose(trace.loss[0], 0.25 * (lam**2).sum(), rtol=1e-10)
    # t = 100 > tau_5 + 40 / (2 lam_5) (tau_5 ~ 52): the learned terms are squares
    # of ~1e-10 lam_k, negligible; what is left is rounding in the V^2 sum
    np.testing.assert_allclose(trace.loss[-1], 0.25 * (lam[5:] ** 2).sum(), rtol=1e-10)
    np.testing.assert_allclose(trace.t, trace.steps * 0.02)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"M": np.triu(np.ones((4, 4)))}, "M must be symmetric"),
        ({"M": np.ones((4, 3))}, "M must be a square matrix"),
        ({"lr": 0.0}, "lr is out of range, got 0.0"),
        ({"lr": -0.1}, "lr is out of range"),
        ({"d": 0}, "d is out of range, got 0"),
        ({"steps": -1}, "steps is out of range"),
    ],
)
def test_simulate_gd_input_errors(kwargs: dict, message: str) -> None:
    args = {"M": np.eye(4), "d": 2, "init": 1e-3, "lr": 0.1, "steps": 10} | kwargs
    with pytest.raises((QwemInputError, QwemConfigError), match=message):
        theory.simulate_gd(**args, seed=0, record_every=1)


def test_simulate_gd_same_seed_same_trace() -> None:
    M, _, _ = _planted(40, seed=2)
    run = [
        theory.simulate_gd(M, 3, init=0.1, lr=0.05, steps=200, seed=s, record_every=7)
        for s in (4, 4, 5)
    ]
    for field in ("steps", "singular_values", "loss", "W_final", "initial_u"):
        np.testing.assert_array_equal(getattr(run[0], field), getattr(run[1], field))
    assert not np.array_equal(run[0].initial_u, run[2].initial_u)
    assert list(run[0].steps[-2:]) == [196, 200]  # the last step is always recorded


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_simulate_gd_cuda_matches_cpu() -> None:
    M, _, _ = _planted(100, seed=0)
    kw = {"init": 1e-6, "lr": 0.02, "steps": 3000, "seed": 0, "record_every": 50}
    cpu = theory.simulate_gd(M, 5, **kw, device="cpu")
    gpu = theory.simulate_gd(M, 5, **kw, device="cuda")
    # float64 with different summation orders: ~1e-15 per step, amplified at
    # most by the O(1) growth factors of the logistic phase
    np.testing.assert_allclose(gpu.singular_values, cpu.singular_values, rtol=1e-10)
    np.testing.assert_allclose(gpu.loss, cpu.loss, rtol=1e-10)
    np.testing.assert_allclose(
        gpu.W_final, cpu.W_final, rtol=1e-10, atol=1e-10 * np.abs(cpu.W_final).max()
    )
