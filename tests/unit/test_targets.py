"""Probabilities and V x V targets against known answers.

See docs/method.md#corpus-statistics and docs/method.md#targets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from conftest import flip_byte
from qwem import cooccur, targets
from qwem.errors import QwemInputError

BIG_MB = 1e6  # memory cap no test corpus comes near
EPS = np.finfo(np.float64).eps  # 2^-52
#: every target, by file stem, as a function of full matrices (P_ij, P_i)
FULL = {
    "P_ij": lambda p, p_i: p,
    "M_star": lambda p, p_i: targets.m_star(p, p_i, p_i, 1.0),
    "pmi": lambda p, p_i: targets.pmi(p, p_i, p_i, 1.0),
    "ppmi": lambda p, p_i: targets.ppmi(p, p_i, p_i, 1.0),
    "sgns": lambda p, p_i: targets.sgns_target(p, p_i, p_i, 1.0),
    "G": lambda p, p_i: targets.g_matrix(p, p_i, p_i, 1.0),
}


def _count(
    docs: list[list[int]], vocab_size: int, context_length: int, weighting: str
) -> cooccur.PairCounts:
    tokens = np.array([t for doc in docs for t in doc], dtype=np.uint16)
    offsets = np.cumsum([0] + [len(doc) for doc in docs], dtype=np.int64)
    return cooccur.count(
        tokens,
        offsets,
        vocab_size=vocab_size,
        context_length=context_length,
        weighting=weighting,
        max_memory_mb=BIG_MB,
        method="auto",
    )


def _random_docs(seed: int, vocab_size: int) -> list[list[int]]:
    """Random documents in which every vocabulary word occurs (so P_i > 0)."""
    rng = np.random.default_rng(seed)
    docs = [rng.integers(0, vocab_size, size=n).tolist() for n in (0, 3, 17, 40, 9)]
    return [*docs, list(range(vocab_size))]


def _three_documents() -> cooccur.PairCounts:
    # C = [[0, 2, 4], [2, 6, 4], [4, 4, 4]], N = [[0, 1, 3], [1, 4, 2], [3, 2, 2]]
    # (hand-computed in test_cooccur.py), unigram [2, 4, 3] of 9 tokens
    return _count([[0, 1, 2, 1], [2, 2, 0], [1, 1]], 3, 2, "linear")


def test_hand_computed_probabilities_and_targets() -> None:
    counts = _three_documents()
    p = targets.pair_probs(counts)
    p_i = targets.unigram_probs(counts.unigram)
    # P = C / ((L + 1)/2 * sum N) = C / (1.5 * 18) = C / 27; rtol: one rounding
    # each side (C / 27 and the literal), a few 2^-53 at most
    expected_p = np.array([[0, 2, 4], [2, 6, 4], [4, 4, 4]]) / 27
    np.testing.assert_allclose(p, expected_p, rtol=1e-15, atol=0)
    np.testing.assert_allclose(p_i, [2 / 9, 4 / 9, 3 / 9], rtol=1e-15, atol=0)
    # In units of 1/81: P = 3 C = [[0, 6, 12], [6, 18, 12], [12, 12, 12]] and
    # P_i P_j = n_i n_j = [[4, 8, 6], [8, 16, 12], [6, 12, 9]], so
    # M* = 2 (a - b) / (a + b): (0,0) -8/4 = -2, (0,1) -4/14 = -2/7,
    # (0,2) 12/18 = 2/3, (1,1) 4/34 = 2/17, (1,2) 0/24 = 0, (2,2) 6/21 = 2/7
    expected_m = np.array([[-2, -2 / 7, 2 / 3], [-2 / 7, 2 / 17, 0], [2 / 3, 0, 2 / 7]])
    m = targets.m_star(p, p_i, p_i, 1.0)
    # |dM*/d log P_ij| = |dM*/d log P_iP_j| = 4 P_ij P_iP_j / G^2 <= 1, so M* is
    # off by at most the relative rounding of P_ij (1 op) and P_iP_j (3 ops)
    # plus the final 3 ops: <= 7 * 2^-53 absolute, hence atol 1e-15 (needed for
    # the exact zero at (1, 2)); rtol 1e-15 for the rest
    np.testing.assert_allclose(m, expected_m, rtol=1e-15, atol=1e-15)
    np.testing.assert_array_equal(m, m.T)

    pmi = targets.pmi(p, p_i, p_i, 1.0)
    ppmi = targets.ppmi(p, p_i, p_i, 1.0)
    sgns = targets.sgns_target(p, p_i, p_i, 1.0)
    g = targets.g_matrix(p, p_i, p_i, 1.0)
    # unseen pair (0, 0): the floors, exactly
    assert pmi[0, 0] == np.log(1e-25)  # 0 / (P_0 P_0) + 1e-25, about -57.6
    assert ppmi[0, 0] == 0.0
    assert m[0, 0] == -2.0  # 2 (0 - b) / (0 + b) is exactly -2
    # log(exp(-5)): exp and log each within 1 ulp, |log| = 5, so 5 * 4 eps
    np.testing.assert_allclose(sgns[0, 0], -5.0, rtol=4 * EPS, atol=0)
    # seen pairs: log of the ratio a / b, whose relative error (~5 roundings)
    # becomes an absolute error of the log: atol 5 eps
    np.testing.assert_allclose(pmi[0, 1], np.log(3 / 4), rtol=0, atol=5 * EPS)
    np.testing.assert_allclose(pmi[0, 2], np.log(2.0), rtol=0, atol=5 * EPS)
    np.testing.assert_allclose(pmi[1, 2], 0.0, rtol=0, atol=5 * EPS)  # a = b
    np.testing.assert_allclose(pmi[2, 2], np.log(4 / 3), rtol=0, atol=5 * EPS)
    assert ppmi[0, 1] == 0.0  # PMI log(3/4) < 0
    np.testing.assert_allclose(ppmi[1, 1], np.log(9 / 8), rtol=0, atol=5 * EPS)
    np.testing.assert_allclose(
        sgns[0, 2], np.log(2.0 + np.exp(-5.0)), rtol=0, atol=5 * EPS
    )
    # G = (a + b) / 81; rtol: a few roundings of P_ij and P_i P_j
    np.testing.assert_allclose(g[0, 0], 4 / 81, rtol=4 * EPS, atol=0)
    np.testing.assert_allclose(g[0, 1], 14 / 81, rtol=4 * EPS, atol=0)
    np.testing.assert_allclose(g[1, 2], 24 / 81, rtol=4 * EPS, atol=0)


def _independent_counts(n: NDArray[np.int64]) -> cooccur.PairCounts:
    """Counts whose P_ij = P_i P_j exactly: C = 2 outer(n, n), flat weights.

    On canonical keys (lo < hi) U = 2 n_lo n_hi and on the diagonal U = n_i^2,
    so C = U + U^T = 2 n_i n_j everywhere; flat weights make N = C and
    P_ij = C / sum N = n_i n_j / (sum n)^2.
    """
    V = n.size
    hi, lo = np.tril_indices(V)  # row-major lower triangle: ascending keys
    u = np.where(lo == hi, 1, 2) * n[lo] * n[hi]
    keys = (hi * (hi + 1) // 2 + lo).astype(np.uint64)
    return cooccur.PairCounts(
        vocab_size=V,
        context_length=3,
        weighting="flat",
        keys=keys,
        weighted=u,
        unweighted=u.copy(),
        unigram=n,
        documents=1,
    )


def test_pmi_and_m_star_of_an_independent_distribution_are_zero() -> None:
    counts = _independent_counts(np.array([1, 2, 3, 7, 11], dtype=np.int64))
    p = targets.pair_probs(counts)
    p_i = targets.unigram_probs(counts.unigram)
    np.testing.assert_allclose(p, np.outer(p_i, p_i), rtol=1e-14)  # few roundings
    # atol 1e-12 (issue's bound): a handful of roundings give ~1e-15
    np.testing.assert_allclose(targets.pmi(p, p_i, p_i, 1.0), 0.0, atol=1e-12)
    np.testing.assert_allclose(targets.m_star(p, p_i, p_i, 1.0), 0.0, atol=1e-12)
    np.testing.assert_allclose(targets.ppmi(p, p_i, p_i, 1.0), 0.0, atol=1e-12)
    np.testing.assert_allclose(
        targets.sgns_target(p, p_i, p_i, 1.0), np.log1p(np.exp(-5.0)), atol=1e-12
    )


@settings(max_examples=30, deadline=None)  # numba compiles on the first call
@given(
    seed=st.integers(0, 2**32 - 1),
    vocab_size=st.integers(1, 9),
    context_length=st.integers(1, 6),
    weighting=st.sampled_from(cooccur.WEIGHTINGS),
)
def test_targets_are_symmetric_bounded_and_p_sums_as_expected(
    seed: int, vocab_size: int, context_length: int, weighting: str
) -> None:
    docs = _random_docs(seed, vocab_size)
    counts = _count(docs, vocab_size, context_length, weighting)
    p = targets.pair_probs(counts)
    p_i = targets.unigram_probs(counts.unigram)
    for name, fn in FULL.items():
        out = fn(p, p_i)
        assert out.shape == (vocab_size, vocab_size), name
        np.testing.assert_array_equal(out, out.T, err_msg=name)  # exactly
        assert np.isfinite(out).all(), name
    m = targets.m_star(p, p_i, p_i, 1.0)
    assert m.min() >= -2.0 and m.max() <= 2.0
    # sum P = sum_k w_k n_k / (mean w * sum_k n_k), from document lengths alone
    offsets = np.cumsum([0] + [len(doc) for doc in docs])
    pairs, weight_sum = cooccur.pair_totals(offsets, context_length, weighting)
    mean_w = cooccur.distance_weights(context_length, weighting)[1:].mean()
    # 1e-9: summing <= 81 terms of size <= 1 loses ~81 eps ~ 2e-14; generous
    assert abs(p.sum() - weight_sum / (mean_w * pairs)) < 1e-9
    np.testing.assert_allclose(p_i.sum(), 1.0, rtol=0, atol=16 * EPS)  # <= 9 adds


def test_flat_weights_make_p_sum_to_one() -> None:
    # sum_k w_k n_k / (mean w sum_k n_k) = 1 for w_k = 1, whatever the lengths
    counts = _count([[0, 1, 2, 0, 1], [2, 2]], 3, 3, "flat")
    p = targets.pair_probs(counts)
    assert counts.pairs == 5 + 3 + 2  # lengths 5, 2: n_1 = 4 + 1, n_2 = 3, n_3 = 2
    np.testing.assert_allclose(p.sum(), 1.0, rtol=0, atol=16 * EPS)  # 9 adds


def test_a_document_shorter_than_the_window_raises_the_sum_by_hand() -> None:
    # L = 4, weights 4, 3, 2, 1 (nominal mean 2.5); one document of 3 tokens
    # keeps only distances 1, 1, 2: weights 4 + 4 + 3 = 11 over 3 pairs, so the
    # counted pairs weigh 11/3 on average and sum P = (11/3) / 2.5 = 22/15
    counts = _count([[0, 1, 2]], 3, 4, "linear")
    norm = targets.normalisation(counts)
    assert norm["nominal_pair_weight"] == 2.5
    assert norm["mean_pair_weight"] == pytest.approx(11 / 3, rel=1e-15)
    assert norm["pair_weight_ratio"] == pytest.approx(22 / 15, rel=1e-15)
    # 1e-15: 6 nonzero cells of P summed, each one rounding of C / (2.5 * 6)
    assert targets.pair_probs(counts).sum() == pytest.approx(22 / 15, rel=1e-15)


def test_write_targets_records_the_mean_pair_weight(tmp_path: Path) -> None:
    counts = _count([[0, 1, 2, 0, 1, 2, 0]], 3, 4, "linear")
    summary = targets.write_targets(
        counts, _outputs(tmp_path, ["P_ij"]), negative_weight=1.0
    )
    # 7 tokens: n_1..n_4 = 6, 5, 4, 3 pairs; weights 24 + 15 + 8 + 3 = 50 over 18
    assert summary["mean_pair_weight"] == pytest.approx(50 / 18, rel=1e-15)
    assert summary["sum_P_ij"] == pytest.approx(summary["pair_weight_ratio"], rel=1e-14)


def _outputs(tmp_path: Path, names: Any) -> dict[str, Path]:
    return {name: tmp_path / f"{name}.npy" for name in names}


def test_write_targets_matches_the_in_memory_functions(tmp_path: Path) -> None:
    V = 7
    counts = _count(_random_docs(1, V), V, 4, "linear")
    outputs = _outputs(tmp_path, ["unigram", *FULL])
    summary = targets.write_targets(
        counts, outputs, negative_weight=1.0, block_rows=3
    )  # 3 blocks
    p = targets.pair_probs(counts)
    p_i = targets.unigram_probs(counts.unigram)
    np.testing.assert_array_equal(np.load(outputs["unigram"]), p_i)
    for name, fn in FULL.items():
        arr = np.load(outputs[name])
        assert arr.dtype == np.float64 and arr.shape == (V, V), name
        # same elementwise operations on the same numbers: bit-identical
        np.testing.assert_array_equal(arr, fn(p, p_i), err_msg=name)
    saved_p = np.load(outputs["P_ij"])
    assert summary["sum_P_ij"] == saved_p.sum()
    assert summary["unseen_pair_fraction"] == (saved_p == 0).mean()
    saved_m = np.load(outputs["M_star"])
    assert (summary["M_star_min"], summary["M_star_max"]) == (
        saved_m.min(),
        saved_m.max(),
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}.npy" for name in outputs
    )  # no temporary files left


def test_write_targets_failing_midway_leaves_no_target_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    V = 7
    counts = _count(_random_docs(2, V), V, 2, "linear")
    calls = []

    def failing_pmi(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:  # second row block: first block already written
            raise RuntimeError("disk full")
        return targets.pmi(*args)

    monkeypatch.setitem(targets.TARGETS, "pmi", failing_pmi)
    outputs = _outputs(tmp_path, FULL)
    with pytest.raises(RuntimeError, match="disk full"):
        targets.write_targets(counts, outputs, negative_weight=1.0, block_rows=3)
    assert len(calls) == 2
    assert list(tmp_path.iterdir()) == []  # no final names, no temporary files


def test_failing_midway_leaves_no_unigram_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_pmi(*args: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setitem(targets.TARGETS, "pmi", failing_pmi)
    counts = _count(_random_docs(2, 7), 7, 2, "linear")
    # the stem list of qwem.targets.TARGET_FILES
    outputs = _outputs(tmp_path, ["unigram", *FULL])
    with pytest.raises(RuntimeError, match="disk full"):
        targets.write_targets(counts, outputs, negative_weight=1.0, block_rows=3)
    assert list(tmp_path.iterdir()) == []


def test_unknown_target_name_is_refused(tmp_path: Path) -> None:
    counts = _three_documents()
    with pytest.raises(ValueError, match=r"unknown targets \['svd'\]"):
        targets.write_targets(
            counts, {"svd": tmp_path / "svd.npy"}, negative_weight=1.0
        )
    assert list(tmp_path.iterdir()) == []


def test_word_that_never_occurs_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(QwemInputError, match="1 vocabulary words never occur"):
        targets.unigram_probs(np.array([3, 0, 2], dtype=np.int64))
    counts = _count([[0, 1, 0]], 3, 1, "flat")  # word 2 never occurs
    with pytest.raises(QwemInputError, match="rebuild the vocabulary and shards"):
        targets.write_targets(
            counts, _outputs(tmp_path, ["unigram", "M_star"]), negative_weight=1.0
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("nu", [1.0, 2.0, 0.5])
def test_negative_weight_shifts_m_star_of_an_independent_distribution(
    nu: float,
) -> None:
    """Independent words (P_ij = P_i P_j): M* = 2 (1 - ν) / (1 + ν) everywhere,
    G = (1 + ν) P_i P_j and the SGNS target log(1 / ν + e^-5); PMI ignores ν."""
    p_i = np.array([0.5, 0.3, 0.2])
    p_ij = np.outer(p_i, p_i)
    np.testing.assert_allclose(
        targets.m_star(p_ij, p_i, p_i, nu), 2 * (1 - nu) / (1 + nu), atol=1e-15
    )
    np.testing.assert_allclose(targets.g_matrix(p_ij, p_i, p_i, nu), (1 + nu) * p_ij)
    np.testing.assert_allclose(
        targets.sgns_target(p_ij, p_i, p_i, nu), np.log(1 / nu + np.exp(-5.0))
    )
    np.testing.assert_allclose(targets.pmi(p_ij, p_i, p_i, nu), 0.0, atol=1e-15)


# --- memory: the model against a measured peak, the guard before allocating ---


def measure_peak(*args: str) -> dict[str, float]:
    """tests/tools/peak_memory.py in a fresh interpreter (a long-lived one
    reuses freed heap memory without raising its peak)."""
    import json
    import subprocess
    import sys

    tool = Path(__file__).resolve().parents[1] / "tools/peak_memory.py"
    proc = subprocess.run(
        [sys.executable, str(tool), *args], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux only")
def test_memory_model_bounds_the_measured_peak() -> None:
    """V = 2,000: the measured peak RSS of write_targets is below the model
    (measured: model 2x the peak), and the model's V-dependent part is within a
    small factor of the peak."""
    got = measure_peak("targets", "2000", "--tokens", "400000")
    assert got["peak_mib"] <= got["model_mib"]
    # not far above it either (loose: RSS can shrink under memory pressure)
    assert got["model_mib"] - targets.BASE_MB <= 4 * got["peak_mib"]


def test_memory_model_grows_with_v_squared() -> None:
    small, large = targets.memory_needed_mb(10_000), targets.memory_needed_mb(50_000)
    # 9 bytes per entry (858 MiB at V = 10,000, 21,458 MiB at V = 50,000) and
    # five 512-row blocks (195 MiB, 977 MiB)
    assert small - targets.BASE_MB == pytest.approx(858.3 + 195.3, abs=0.1)
    assert large - targets.BASE_MB == pytest.approx(21_457.7 + 976.6, abs=0.1)


def test_guard_refuses_before_loading_the_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qwem.errors import QwemResourceError

    counts = _count(_random_docs(0, 40), 40, 2, "linear")
    path = tmp_path / "counts.npz"
    cooccur.save(path, counts, {})
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 1000 kB\nMemAvailable: 2048 kB\n")
    monkeypatch.setattr("qwem.runtime.MEMINFO", meminfo)

    def no_load(*args: Any) -> Any:
        raise AssertionError("the counts were loaded before the memory check")

    monkeypatch.setattr(cooccur, "load", no_load)
    with pytest.raises(QwemResourceError, match=r"V = 40 need about [\d,]+ MiB"):
        targets.build_targets(
            path,
            tmp_path / "stats",
            tmp_path / "stats.json",
            negative_weight=1.0,
            config_fingerprint="x",
        )


def test_cli_exits_2_with_the_figure_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qwem.cli import main

    counts = _count(_random_docs(0, 40), 40, 2, "linear")
    cooccur.save(tmp_path / "counts.npz", counts, {})
    argv = ["targets", "build", str(tmp_path / "counts.npz")]
    argv += ["--outdir", str(tmp_path), "--stats", str(tmp_path / "stats.json")]
    argv += ["--config-fingerprint", "x", "--negative-weight", "1"]
    assert main([*argv, "--max-memory-mb", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("qwem: error: targets for V = 40 need about ")
    assert "this job may use 1 MiB (the explicit limit)" in err
    assert "lower vocab_size" in err
    assert not (tmp_path / "stats.json").exists()


# --- content digests: every target file is checked by its readers -----------


def test_target_with_a_flipped_byte_names_the_file_and_its_rule(tmp_path: Path) -> None:
    from qwem.digests import load_verified_npy
    from qwem.spectral.jobs import solve_target

    counts = tmp_path / "counts.npz"
    cooccur.save(counts, _count(_random_docs(3, 6), 6, 2, "linear"), {})
    targets.build_targets(
        counts, tmp_path, tmp_path / "stats.json", negative_weight=1.0,
        config_fingerprint="x",
    )  # fmt: skip
    vocab = tmp_path / "vocab.tsv"
    vocab.write_text("word\tcount\n" + "".join(f"w{i}\t{9 - i}\n" for i in range(6)))
    M = tmp_path / "M_star.npy"
    solve = {"vocab": vocab, "dim": 2, "solver": "eigh", "seed": 0, "tol": 1e-10}
    solve_target(M, eig=tmp_path / "a.eig.npz", **solve)  # unchanged: reads fine
    flip_byte(M, 3)  # a low bit of the last entry: the matrix stays symmetric-ish
    with pytest.raises(QwemInputError) as err:
        solve_target(M, eig=tmp_path / "b.eig.npz", **solve)
    assert str(err.value).startswith(
        f"{M}: contents changed after rule targets_build (qwem targets build)"
    )
    P = tmp_path / "P_ij.npy"
    load_verified_npy(P, made_by=targets.TARGETS_MADE_BY, mmap=True)
    flip_byte(P, 8)
    with pytest.raises(QwemInputError, match=rf"^{P}: .*rule targets_build"):
        load_verified_npy(P, made_by=targets.TARGETS_MADE_BY, mmap=True)
