"""Bootstrap intervals of Table 1, and paired differences from a reference model.

Every Table 1 number is a statistic of items: analogy accuracy is the mean of
per-question outcomes (0 or 1), a similarity score is Spearman's ρ over word
pairs. The percentile bootstrap (Efron & Tibshirani 1993, ch. 13) draws B
resamples of the n items with replacement, recomputes the statistic on each,
and reports the (1 - level)/2 and (1 + level)/2 quantiles of the B values: an
interval that covers the value the statistic would take on an unlimited
supply of such items about ``level`` of the time. It measures the noise of a
finite test set, not that of training (another seed, another corpus).

The paired bootstrap uses one resample for all models at once: row b of
:attr:`Bootstrap.samples` is the statistic of every model on the same items.
The difference model - reference is recomputed on each of them, so the items
both models get right (or wrong) cancel: when two models err on the same
questions, the interval of their difference is much narrower than the two
separate intervals suggest, and "the interval excludes 0" is the test.

Caveat: the items are not independent. Protocol (b) asks every ordered pair of
distinct word pairs of a category, so each pair (a, b) appears in
2 (n_c - 1) questions of its category (the Google file's own questions are
built the same way from a few dozen pairs per category, to a lesser degree).
Resampling questions, as done here, treats them as independent; the
intervals of the analogy columns, protocol (b) above all, are therefore too
narrow. Resampling word pairs within categories would be the conservative
alternative.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from qwem.errors import QwemConfigError, QwemInputError

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]
#: entries of a (resamples, items) block held at once: chunks bound memory
_BLOCK = 1 << 22


@dataclass(frozen=True)
class BootstrapSettings:
    """How Table 1 is bootstrapped (config ``evaluate.bootstrap``).

    Attributes:
        resamples: B, resamples per statistic.
        level: coverage of the intervals, in (0, 1).
        seed: seed of ``np.random.default_rng``.
        reference: model every other is compared with (paired bootstrap).
    """

    resamples: int
    level: float
    seed: int
    reference: str

    def __post_init__(self) -> None:
        if self.resamples < 1:
            raise QwemConfigError(
                f"evaluate.bootstrap.resamples must be >= 1, got {self.resamples}"
            )
        if not 0.0 < self.level < 1.0:
            raise QwemConfigError(
                f"evaluate.bootstrap.level must be in (0, 1), got {self.level}"
            )


@dataclass(frozen=True)
class Interval:
    """A statistic per model and its percentile interval; arrays of shape (m,)."""

    estimate: F64
    lo: F64
    hi: F64

    @property
    def excludes_zero(self) -> NDArray[np.bool_]:
        """Whether 0 lies outside [lo, hi] (False where the interval is NaN)."""
        return np.asarray((self.lo > 0) | (self.hi < 0))


@dataclass(frozen=True)
class Bootstrap:
    """A statistic of m models on the data and on B shared resamples.

    Attributes:
        estimate: (m,) float64 statistic on the items themselves.
        samples: (B, m) float64 statistic on resample b (one resample for
            every model: row b of every column used the same items).
    """

    estimate: F64
    samples: F64

    def interval(self, level: float) -> Interval:
        """Percentile interval of each model's statistic."""
        lo, hi = _quantiles(self.samples, level)
        return Interval(self.estimate, lo, hi)

    def paired(self, reference: int, level: float) -> Interval:
        """Difference of each model from column ``reference``, with its interval.

        The difference is taken resample by resample (the paired bootstrap);
        the reference's own entry is 0 with interval [0, 0].
        """
        diff = self.samples - self.samples[:, [reference]]  # (B, m)
        lo, hi = _quantiles(diff, level)
        return Interval(self.estimate - self.estimate[reference], lo, hi)


def _quantiles(samples: F64, level: float) -> tuple[F64, F64]:
    """(lo, hi) quantiles of each column, NaN resamples ignored, NaN if all are."""
    q = np.array([(1.0 - level) / 2, (1.0 + level) / 2])
    out = np.full((2, samples.shape[1]), np.nan)
    some = ~np.isnan(samples).all(axis=0)
    if some.any():
        out[:, some] = np.nanquantile(samples[:, some], q, axis=0)
    return out[0], out[1]


def _as_columns(values: ArrayLike, dtype: type) -> NDArray[np.generic]:
    """(n,) or (n, m) values as (n, m)."""
    X: NDArray[np.generic] = np.asarray(values, dtype=dtype)
    return X[:, None] if X.ndim == 1 else X


def accuracy_bootstrap(correct: ArrayLike, *, resamples: int, seed: int) -> Bootstrap:
    """Bootstrap of accuracy (the mean of 0/1 outcomes), questions resampled.

    A resample of n questions matters only through how often it draws each
    joint outcome pattern (the row of m outcomes of one question), so those
    counts are drawn directly, multinomially with probabilities pattern
    count / n: the same distribution as resampling question indices, in
    O(B x patterns) instead of O(B x n). Row b is one resample of questions
    for every model, as the paired bootstrap needs.

    Args:
        correct: (n,) or (n, m) outcomes (bool or 0/1) of n questions, one
            column per model.
        resamples: B.
        seed: seed of ``np.random.default_rng``.
    Returns:
        Accuracies in [0, 1]; all NaN when n = 0.
    """
    X = _as_columns(correct, bool)
    n, m = X.shape
    if n == 0:
        return Bootstrap(np.full(m, np.nan), np.full((resamples, m), np.nan))
    patterns, counts = np.unique(X, axis=0, return_counts=True)  # (P, m), (P,)
    patterns = patterns.astype(np.float64)
    rng = np.random.default_rng(seed)
    samples = np.empty((resamples, m))
    chunk = max(1, _BLOCK // len(patterns))
    for s in range(0, resamples, chunk):
        c = min(chunk, resamples - s)
        drawn = rng.multinomial(n, counts / n, size=c)  # (c, P) draws per pattern
        samples[s : s + c] = drawn @ patterns / n
    return Bootstrap(X.mean(axis=0, dtype=np.float64), samples)


def spearman_bootstrap(
    x: ArrayLike, y: ArrayLike, *, resamples: int, seed: int
) -> Bootstrap:
    """Bootstrap of Spearman's ρ between each column of x and y, pairs resampled.

    Each resample draws n pair indices with replacement (shared by every
    column) and recomputes ρ with average ranks for ties, as
    ``scipy.stats.spearmanr`` would on the resampled rows; a resample whose
    ranks are constant gives NaN, ignored by the interval.

    Args:
        x: (n,) or (n, m) float scores of n pairs (e.g. cosine similarities),
            one column per model.
        y: (n,) float reference scores (the human judgements).
        resamples: B.
        seed: seed of ``np.random.default_rng``.
    Returns:
        ρ per model; all NaN when n < 3.
    """
    X = _as_columns(x, np.float64).astype(np.float64)
    yv = np.asarray(y, dtype=np.float64)
    n, m = X.shape
    if yv.shape != (n,):
        raise QwemInputError(f"x has {n} rows but y has shape {yv.shape}")
    if not (np.isfinite(X).all() and np.isfinite(yv).all()):
        raise QwemInputError("scores must be finite to be ranked")
    if n < 3:  # ρ of two points is ±1 whatever they are
        return Bootstrap(np.full(m, np.nan), np.full((resamples, m), np.nan))
    ones = np.ones((1, n))
    estimate = np.array([_spearman(X[:, k], yv, ones)[0] for k in range(m)])
    rng = np.random.default_rng(seed)
    samples = np.empty((resamples, m))
    for s, w in _resample_counts(n, resamples, rng):
        ry = _resampled_ranks(yv, w)
        for k in range(m):
            samples[s : s + len(w), k] = _pearson(_resampled_ranks(X[:, k], w), ry, w)
    return Bootstrap(estimate, samples)


def _resample_counts(
    n: int, resamples: int, rng: np.random.Generator
) -> Iterator[tuple[int, F64]]:
    """(first resample, (c, n) times each item is drawn) in chunks of resamples."""
    chunk = max(1, _BLOCK // n)
    for s in range(0, resamples, chunk):
        c = min(chunk, resamples - s)
        idx = rng.integers(0, n, size=(c, n))  # resampled item indices
        flat = (idx + n * np.arange(c)[:, None]).ravel()
        yield s, np.bincount(flat, minlength=c * n).reshape(c, n).astype(np.float64)


def _resampled_ranks(v: F64, w: F64) -> F64:
    """(c, n) average rank each item takes in resamples drawing it w times.

    Within a resample the w_j copies of item j and every other item of equal
    value share ranks below + 1 ... below + t, where ``below`` counts drawn
    values smaller than v_j and t drawn values equal to it: average
    below + (t + 1) / 2.
    """
    order = np.argsort(v, kind="stable")
    sv = v[order]
    new = np.r_[True, sv[1:] != sv[:-1]]  # start of each tie group, sorted
    totals = np.add.reduceat(w[:, order], np.flatnonzero(new), axis=1)  # (c, G)
    below = np.cumsum(totals, axis=1) - totals
    ranks = np.empty_like(w)
    ranks[:, order] = (below + (totals + 1.0) / 2.0)[:, np.cumsum(new) - 1]
    return ranks


def _pearson(a: F64, b: F64, w: F64) -> F64:
    """(c,) Pearson correlation of rows of a and b, item j counted w_j times."""
    total = w.sum(axis=1, keepdims=True)
    da = a - (w * a).sum(axis=1, keepdims=True) / total
    db = b - (w * b).sum(axis=1, keepdims=True) / total
    cov = (w * da * db).sum(axis=1)
    var = (w * da * da).sum(axis=1) * (w * db * db).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(var > 0, cov / np.sqrt(var), np.nan)


def _spearman(x: F64, y: F64, w: F64) -> F64:
    """(c,) Spearman's ρ of x and y on resamples given by counts w (c, n)."""
    return _pearson(_resampled_ranks(x, w), _resampled_ranks(y, w), w)


def table1_bootstrap(
    questions: pd.DataFrame, pairs: pd.DataFrame, settings: BootstrapSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Intervals of every Table 1 number, and paired differences from a reference.

    Args:
        questions: per-question outcomes of every model (``qwem evaluate
            table --questions-out``: columns model, protocol, question, correct).
        pairs: per-pair cosines of every model (``--pairs-out``: columns model,
            benchmark, pair, score, cos).
        settings: resamples, level, seed and the reference model.
    Returns:
        (intervals, paired). intervals: columns metric (as in
        ``eval/table1.csv``: analogy_a, analogy_b, <benchmark>_rho), model, n,
        estimate, lo, hi, level, resamples; accuracies as fractions. paired:
        columns metric, model, reference, n, difference (model - reference),
        lo, hi, excludes_zero, level, resamples; one row per model other than
        the reference.
    """
    models = list(pd.unique(questions["model"]))
    if settings.reference not in models:
        raise QwemConfigError(
            f"evaluate.bootstrap.reference: model {settings.reference!r} was not "
            f"evaluated; choose one of {models}"
        )
    ref = models.index(settings.reference)
    intervals, paired = [], []
    for metric, n, boot in _metric_bootstraps(questions, pairs, models, settings):
        ci = boot.interval(settings.level)
        diff = boot.paired(ref, settings.level)
        nan = int(np.isnan(boot.samples).any(axis=1).sum())
        if nan and n >= 3:
            logger.warning(
                "%s: %d of %d resamples undefined", metric, nan, len(boot.samples)
            )
        for k, model in enumerate(models):
            intervals.append((metric, model, n, ci.estimate[k], ci.lo[k], ci.hi[k]))
            if k != ref:
                row = (diff.estimate[k], diff.lo[k], diff.hi[k], diff.excludes_zero[k])
                paired.append((metric, model, settings.reference, n, *row))
            logger.info(
                "%s %s: %.4f [%.4f, %.4f]; minus %s %.4f [%.4f, %.4f]",
                metric, model, ci.estimate[k], ci.lo[k], ci.hi[k],
                settings.reference, diff.estimate[k], diff.lo[k], diff.hi[k],
            )  # fmt: skip
    cols = ["metric", "model", "n", "estimate", "lo", "hi"]
    pcols = ["metric", "model", "reference", "n", "difference", "lo", "hi"]
    how = {"level": settings.level, "resamples": settings.resamples}
    return (
        pd.DataFrame(intervals, columns=cols).assign(**how),
        pd.DataFrame(paired, columns=[*pcols, "excludes_zero"]).assign(**how),
    )


def _metric_bootstraps(
    questions: pd.DataFrame,
    pairs: pd.DataFrame,
    models: list[str],
    settings: BootstrapSettings,
) -> Iterator[tuple[str, int, Bootstrap]]:
    """(metric, items, bootstrap) of each Table 1 column present in the inputs."""
    B, seed = settings.resamples, settings.seed
    for protocol in ("a", "b"):
        rows = questions[questions["protocol"] == protocol]
        wide = _wide(rows, "question", "correct", models, f"protocol ({protocol})")
        yield (
            f"analogy_{protocol}",
            len(wide),
            accuracy_bootstrap(wide.to_numpy(bool), resamples=B, seed=seed),
        )
    for benchmark in pd.unique(pairs["benchmark"]):
        rows = pairs[pairs["benchmark"] == benchmark]
        wide = _wide(rows, "pair", "cos", models, str(benchmark))
        human = rows.drop_duplicates("pair").set_index("pair")["score"]
        yield (
            f"{benchmark}_rho",
            len(wide),
            spearman_bootstrap(
                wide.to_numpy(np.float64),
                human.reindex(wide.index).to_numpy(np.float64),
                resamples=B,
                seed=seed,
            ),
        )


def _wide(
    rows: pd.DataFrame, item: str, value: str, models: list[str], what: str
) -> pd.DataFrame:
    """One row per item, one column per model; every model must answer every item."""
    wide = rows.pivot(index=item, columns="model", values=value)
    wide = wide.reindex(columns=models)
    if wide.isna().to_numpy().any():
        missing = [m for m in models if wide[m].isna().any()]
        raise QwemInputError(
            f"{what}: models {missing} lack outcomes of some items; rerun "
            "qwem evaluate table with every model in one call"
        )
    return wide
