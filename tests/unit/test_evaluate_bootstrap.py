"""Bootstrap intervals of Table 1: coverage, pairing, determinism, tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from qwem.errors import QwemConfigError, QwemInputError
from qwem.evaluate import bootstrap as bs

REPEATS = 400
# Coverage of a 95 % interval estimated from 400 independent repetitions has a
# binomial standard deviation sqrt(0.95 * 0.05 / 400) = 0.011; 0.035 is 3.2 of
# them, so a correct interval fails this check with probability ~0.1 %. The
# percentile method's own coverage error is smaller at these sizes: 4,000
# repetitions measured 95.7 % (accuracy, n = 500) and 95.6 % (Spearman, n = 100).
COVERAGE_TOL = 0.035


def _covers(interval: bs.Interval, truth: float, column: int = 0) -> bool:
    return bool(interval.lo[column] <= truth <= interval.hi[column])


def test_accuracy_interval_covers_p_at_the_nominal_rate() -> None:
    rng = np.random.default_rng(0)
    hits = 0
    for r in range(REPEATS):
        correct = rng.random(500) < 0.3  # 500 Bernoulli(0.3) questions
        boot = bs.accuracy_bootstrap(correct, resamples=2000, seed=r)
        hits += _covers(boot.interval(0.95), 0.3)
    assert abs(hits / REPEATS - 0.95) <= COVERAGE_TOL, hits / REPEATS


def test_spearman_interval_covers_the_population_rho() -> None:
    r = 0.5
    rho_s = 6 / np.pi * np.arcsin(r / 2)  # Spearman rho of a bivariate normal
    rng = np.random.default_rng(1)
    hits = 0
    for rep in range(REPEATS):
        z = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], size=100)
        boot = bs.spearman_bootstrap(z[:, 0], z[:, 1], resamples=1000, seed=rep)
        hits += _covers(boot.interval(0.95), rho_s)
    assert abs(hits / REPEATS - 0.95) <= COVERAGE_TOL, hits / REPEATS


def _correlated_models(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) outcomes: model 1 right wherever model 0 is, plus 2 % more."""
    u = rng.random(n)
    return np.stack([u < 0.30, u < 0.32], axis=1)  # true difference 0.02


def test_paired_bootstrap_detects_what_an_unpaired_comparison_misses() -> None:
    correct = _correlated_models(1000, np.random.default_rng(2))
    paired = bs.accuracy_bootstrap(correct, resamples=2000, seed=0).paired(0, 0.95)
    assert paired.excludes_zero[1] and _covers(paired, 0.02, column=1)
    assert paired.estimate[0] == 0 and paired.lo[0] == paired.hi[0] == 0
    # unpaired: each model resampled on its own, as two separate Table 1 cells
    a = bs.accuracy_bootstrap(correct[:, 0], resamples=2000, seed=1).samples
    b = bs.accuracy_bootstrap(correct[:, 1], resamples=2000, seed=2).samples
    lo, hi = np.quantile(b - a, [0.025, 0.975])
    assert lo < 0 < hi
    # the paired interval is several times narrower (sd 0.4 vs 2.0 points)
    assert (hi - lo) > 3 * (paired.hi[1] - paired.lo[1])


def test_paired_interval_covers_the_true_difference() -> None:
    rng = np.random.default_rng(3)
    hits = 0
    for r in range(REPEATS):
        boot = bs.accuracy_bootstrap(
            _correlated_models(1000, rng), resamples=2000, seed=r
        )
        hits += _covers(boot.paired(0, 0.95), 0.02, column=1)
    # ~20 discordant questions per repetition: the difference is a small count,
    # and 4,000 repetitions measured 93.9 % coverage; tolerance = that 1.1 %
    # shortfall plus 3.2 binomial standard deviations of 400 repetitions
    assert abs(hits / REPEATS - 0.95) <= 0.011 + COVERAGE_TOL, hits / REPEATS


def test_same_seed_same_resamples_other_seed_others() -> None:
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    correct = rng.random((80, 3)) < 0.4
    for run in (
        lambda seed: bs.spearman_bootstrap(x, y, resamples=300, seed=seed),
        lambda seed: bs.accuracy_bootstrap(correct, resamples=300, seed=seed),
    ):
        first, again, other = run(7), run(7), run(8)
        np.testing.assert_array_equal(first.samples, again.samples)
        np.testing.assert_array_equal(first.estimate, again.estimate)
        assert not np.array_equal(first.samples, other.samples)


def test_spearman_resamples_equal_scipy_on_the_resampled_rows() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(40, 2))
    y = np.round(x[:, 0] + rng.normal(size=40))  # integer scores: many ties
    boot = bs.spearman_bootstrap(x, y, resamples=50, seed=11)
    idx = np.random.default_rng(11).integers(0, 40, size=(50, 40))  # same draws
    for k in range(2):
        expected = [spearmanr(x[i, k], y[i]).statistic for i in idx]
        np.testing.assert_allclose(boot.samples[:, k], expected, atol=1e-12)
        assert boot.estimate[k] == pytest.approx(spearmanr(x[:, k], y).statistic)


def test_accuracy_resamples_have_the_binomial_mean_and_variance() -> None:
    # drawing outcome-pattern counts must equal resampling questions: the
    # resampled accuracy is then Binomial(n, p_hat) / n
    correct = np.r_[np.ones(120, bool), np.zeros(280, bool)]  # p_hat = 0.3
    samples = bs.accuracy_bootstrap(correct, resamples=20_000, seed=0).samples[:, 0]
    p, n = 0.3, 400
    # Monte Carlo error of 20,000 resamples: mean sd 0.023 / 141 = 1.6e-4,
    # variance relative sd sqrt(2 / 20,000) = 1 %
    assert samples.mean() == pytest.approx(p, abs=1e-3)
    assert samples.var() == pytest.approx(p * (1 - p) / n, rel=0.05)


def test_degenerate_inputs_give_nan_not_errors() -> None:
    empty = bs.accuracy_bootstrap(np.zeros((0, 2), bool), resamples=10, seed=0)
    assert np.isnan(empty.interval(0.95).lo).all()
    two = bs.spearman_bootstrap([0.1, 0.2], [1.0, 2.0], resamples=10, seed=0)
    assert np.isnan(two.estimate).all() and np.isnan(two.interval(0.9).hi).all()
    with pytest.raises(QwemInputError, match="finite"):
        bs.spearman_bootstrap([0.1, np.nan, 0.3], [1, 2, 3], resamples=5, seed=0)


@pytest.mark.parametrize(
    ("resamples", "level", "key"),
    [(0, 0.95, "evaluate.bootstrap.resamples"), (10, 1.0, "evaluate.bootstrap.level")],
)
def test_bad_settings_name_the_config_key(
    resamples: int, level: float, key: str
) -> None:
    with pytest.raises(QwemConfigError, match=key):
        bs.BootstrapSettings(resamples=resamples, level=level, seed=0, reference="m")


def _long_frames(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-item tables of models ref, good (= ref + 10 % more right), bad."""
    frames, pairs = [], []
    u = rng.random(300)
    for model, p in (("ref", 0.3), ("good", 0.4), ("bad", 0.0)):
        for protocol in ("a", "b"):
            frames.append(
                pd.DataFrame(
                    {"model": model, "protocol": protocol, "question": range(300)}
                ).assign(correct=u < p)
            )
    human = rng.normal(size=80)
    for model, noise in (("ref", 1.0), ("good", 1.0), ("bad", 1.0)):
        cos = human + noise * rng.normal(size=80)
        pairs.append(
            pd.DataFrame(
                {"model": model, "benchmark": "ws353", "pair": range(80)}
            ).assign(score=human, cos=cos)
        )
    return pd.concat(frames), pd.concat(pairs)


def test_table1_bootstrap_tables() -> None:
    questions, pairs = _long_frames(np.random.default_rng(6))
    settings = bs.BootstrapSettings(resamples=500, level=0.9, seed=0, reference="ref")
    intervals, paired = bs.table1_bootstrap(questions, pairs, settings)
    assert set(intervals["metric"]) == {"analogy_a", "analogy_b", "ws353_rho"}
    assert len(intervals) == 3 * 3 and len(paired) == 3 * 2
    assert (intervals["lo"] <= intervals["estimate"]).all()
    assert (intervals["estimate"] <= intervals["hi"]).all()
    assert (intervals["level"] == 0.9).all() and (paired["resamples"] == 500).all()
    good = paired[(paired["model"] == "good") & (paired["metric"] == "analogy_a")]
    assert good["difference"].item() == pytest.approx(
        (questions["correct"][questions["model"] == "good"].mean())
        - (questions["correct"][questions["model"] == "ref"].mean())
    )
    assert good["excludes_zero"].item()  # 10 % more right on the same questions
    assert "ref" not in set(paired["model"])


def test_table1_bootstrap_refuses_an_unknown_reference_or_missing_items() -> None:
    questions, pairs = _long_frames(np.random.default_rng(7))
    settings = bs.BootstrapSettings(resamples=10, level=0.95, seed=0, reference="M")
    with pytest.raises(QwemConfigError, match="evaluate.bootstrap.reference.*'M'"):
        bs.table1_bootstrap(questions, pairs, settings)
    settings = bs.BootstrapSettings(resamples=10, level=0.95, seed=0, reference="ref")
    short = questions[~((questions["model"] == "bad") & (questions["question"] == 5))]
    with pytest.raises(QwemInputError, match=r"\['bad'\] lack outcomes"):
        bs.table1_bootstrap(short, pairs, settings)
