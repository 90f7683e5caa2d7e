"""Exact co-occurrence counts against known answers.

See docs/method.md#corpus-statistics.
"""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from conftest import flip_byte
from qwem import cooccur, vocab
from qwem.cooccur import kernels
from qwem.errors import QwemConfigError, QwemInputError

BIG_MB = 1e6  # memory cap no test corpus comes near: dense counting and merging
TINY_MB = 1e-9  # below any triangle: sparse merging
FIELDS = ("keys", "weighted", "unweighted", "unigram")


def _corpus(
    docs: list[list[int]], dtype: type = np.uint16
) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """Token stream and document offsets of a list of documents."""
    tokens = np.array([t for doc in docs for t in doc], dtype=dtype)
    offsets = np.cumsum([0] + [len(doc) for doc in docs], dtype=np.int64)
    return tokens, offsets


def _brute_force(
    docs: list[list[int]], vocab_size: int, context_length: int, weighting: str
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """C and N straight from docs/method.md#corpus-statistics, one pair at a time."""
    C = np.zeros((vocab_size, vocab_size), dtype=np.int64)
    N = np.zeros((vocab_size, vocab_size), dtype=np.int64)
    for doc in docs:
        for t in range(len(doc)):
            for k in range(1, context_length + 1):
                if t + k >= len(doc):
                    break
                i, j = doc[t], doc[t + k]
                w = context_length + 1 - k if weighting == "linear" else 1
                C[i, j] += w
                C[j, i] += w
                N[i, j] += 1
                N[j, i] += 1
    return C, N


def _full(counts: cooccur.PairCounts) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Full symmetric C = U + U^T and N = U_N + U_N^T of stored counts."""
    lo, hi = cooccur.unpack_keys(counts.keys)
    V = counts.vocab_size
    U = np.zeros((V, V), dtype=np.int64)
    U_N = np.zeros((V, V), dtype=np.int64)
    U[lo, hi] = counts.weighted  # keys are unique, so plain assignment is a sum
    U_N[lo, hi] = counts.unweighted
    return U + U.T, U_N + U_N.T


def _count(docs: list[list[int]], vocab_size: int, **kw: Any) -> cooccur.PairCounts:
    tokens, offsets = _corpus(docs)
    kw.setdefault("max_memory_mb", BIG_MB)
    kw.setdefault("method", "auto")
    return cooccur.count(tokens, offsets, vocab_size=vocab_size, **kw)


def _assert_identical(a: cooccur.PairCounts, b: cooccur.PairCounts) -> None:
    """Same parameters, same dtypes, same values: bit-identical counts."""
    assert (a.vocab_size, a.context_length, a.weighting, a.documents) == (
        b.vocab_size,
        b.context_length,
        b.weighting,
        b.documents,
    )
    for field in FIELDS:
        x, y = getattr(a, field), getattr(b, field)
        assert x.dtype == y.dtype, field
        np.testing.assert_array_equal(x, y, err_msg=field)
    assert a.fingerprint() == b.fingerprint()


@st.composite
def corpora(draw: st.DrawFn) -> dict[str, Any]:
    """Small random corpora, including empty documents and empty corpora."""
    vocab_size = draw(st.integers(1, 12))
    docs = draw(
        st.lists(st.lists(st.integers(0, vocab_size - 1), max_size=40), max_size=6)
    )
    return {
        "docs": docs,
        "vocab_size": vocab_size,
        "context_length": draw(st.integers(1, 6)),
        "weighting": draw(st.sampled_from(cooccur.WEIGHTINGS)),
        "chunk_tokens": draw(st.none() | st.integers(1, 12)),
        "dtype": draw(st.sampled_from([np.uint16, np.uint32])),
    }


def _random_docs(
    rng: np.random.Generator, n_docs: int, vocab_size: int, max_len: int
) -> list[list[int]]:
    lengths = rng.integers(0, max_len + 1, size=n_docs)
    return [rng.integers(0, vocab_size, size=n).tolist() for n in lengths]


# --- the counter against the definition ---------------------------------------


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_counts_of_a_tiny_sentence(method: str) -> None:
    counts = _count(
        [[0, 1, 2, 1]], 3, context_length=1, weighting="flat", method=method
    )
    C, N = _full(counts)
    expected = np.array([[0, 1, 0], [1, 0, 2], [0, 2, 0]])
    np.testing.assert_array_equal(C, expected)
    np.testing.assert_array_equal(N, expected)
    np.testing.assert_array_equal(counts.unigram, [1, 2, 1])


@pytest.mark.parametrize("method", ["dense", "sparse"])
@settings(max_examples=60, deadline=None)  # numba compiles on the first call
@given(case=corpora())
def test_counter_equals_brute_force(method: str, case: dict[str, Any]) -> None:
    docs, V = case["docs"], case["vocab_size"]
    L, weighting = case["context_length"], case["weighting"]
    tokens, offsets = _corpus(docs, case["dtype"])
    counts = cooccur.count(
        tokens,
        offsets,
        vocab_size=V,
        context_length=L,
        weighting=weighting,
        max_memory_mb=BIG_MB,
        method=method,
        chunk_tokens=case["chunk_tokens"],
    )
    C, N = _full(counts)
    C_ref, N_ref = _brute_force(docs, V, L, weighting)
    np.testing.assert_array_equal(C, C_ref)  # integers: exact
    np.testing.assert_array_equal(N, N_ref)
    np.testing.assert_array_equal(counts.unigram, np.bincount(tokens, minlength=V))
    # stored form: sorted unique canonical keys, no zero entries, int64 sums
    assert counts.keys.dtype == np.uint64
    assert counts.weighted.dtype == counts.unweighted.dtype == np.int64
    assert np.all(np.diff(counts.keys.astype(np.int64)) > 0)
    assert np.all(counts.unweighted > 0)
    assert counts.documents == len(docs)
    assert counts.tokens == tokens.size


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(st.integers(0, 2**40), max_size=50))
def test_unpack_keys_inverts_the_canonical_key(keys: list[int]) -> None:
    lo, hi = cooccur.unpack_keys(np.array(keys, dtype=np.uint64))
    assert np.all((lo >= 0) & (lo <= hi))
    np.testing.assert_array_equal(hi * (hi + 1) // 2 + lo, keys)


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_windows_stop_at_document_boundaries(method: str) -> None:
    counts = _count(
        [[0, 1], [2, 3]], 4, context_length=10, weighting="linear", method=method
    )
    C, N = _full(counts)
    assert N[1, 2] == N[2, 1] == C[1, 2] == 0
    # only (0, 1) and (2, 3) at distance 1, weight L = 10 each
    expected_c = np.array([[0, 10, 0, 0], [10, 0, 0, 0], [0, 0, 0, 10], [0, 0, 10, 0]])
    np.testing.assert_array_equal(C, expected_c)
    np.testing.assert_array_equal(N, (expected_c > 0).astype(np.int64))


def test_deleted_words_bring_neighbours_together(tmp_path: Path) -> None:
    part = tmp_path / "p.txt.gz"
    with gzip.open(part, "wt", encoding="utf-8") as fh:
        fh.write("alpha unknown words beta\n")  # "unknown", "words": out of vocabulary
    shard = vocab.tokenize_part(part, ["alpha", "beta"], digits="spell")
    counts = cooccur.count(
        shard.tokens,
        shard.offsets,
        vocab_size=2,
        context_length=3,
        weighting="linear",
        max_memory_mb=BIG_MB,
        method="auto",
    )
    C, N = _full(counts)
    # alpha and beta are now adjacent: distance 1, weight L = 3
    np.testing.assert_array_equal(C, [[0, 3], [3, 0]])
    np.testing.assert_array_equal(N, [[0, 1], [1, 0]])


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_hand_computed_three_documents(method: str) -> None:
    # V = 3, L = 2, linear weights w_1 = 2, w_2 = 1.
    # [0 1 2 1]: (0,1) w1, (0,2) w2, (1,2) w1, (1,1) w2, (2,1) w1
    # [2 2 0]:   (2,2) w1, (2,0) w2, (2,0) w1
    # [1 1]:     (1,1) w1
    # per canonical pair (weighted / count): (0,1) 2/1, (0,2) 4/3, (1,1) 3/2,
    # (1,2) 4/2, (2,2) 2/1; C = U + U^T doubles the diagonal.
    counts = _count(
        [[0, 1, 2, 1], [2, 2, 0], [1, 1]],
        3,
        context_length=2,
        weighting="linear",
        method=method,
    )
    C, N = _full(counts)
    np.testing.assert_array_equal(C, [[0, 2, 4], [2, 6, 4], [4, 4, 4]])
    np.testing.assert_array_equal(N, [[0, 1, 3], [1, 4, 2], [3, 2, 2]])
    np.testing.assert_array_equal(counts.unigram, [2, 4, 3])
    assert (counts.pairs, counts.documents, counts.tokens) == (9, 3, 9)


def test_pair_totals_from_document_lengths() -> None:
    # lengths 4, 3, 2 and L = 2: n_1 = 3 + 2 + 1 = 6, n_2 = 2 + 1 + 0 = 3
    offsets = np.array([0, 4, 7, 9])
    assert cooccur.pair_totals(offsets, 2, "linear") == (9, 2 * 6 + 1 * 3)
    assert cooccur.pair_totals(offsets, 2, "flat") == (9, 9)


def test_distance_weights() -> None:
    np.testing.assert_array_equal(
        cooccur.distance_weights(4, "linear"), [0, 4, 3, 2, 1]
    )
    np.testing.assert_array_equal(cooccur.distance_weights(3, "flat"), [0, 1, 1, 1])


# --- sharding, merging, saving -------------------------------------------------


def _shards(
    tokens: NDArray[Any], offsets: NDArray[np.int64], doc_cuts: list[int]
) -> list[tuple[NDArray[Any], NDArray[np.int64]]]:
    """Contiguous runs of documents doc_cuts[s]:doc_cuts[s + 1] as shards."""
    out = []
    for a, b in itertools.pairwise(doc_cuts):
        out.append((tokens[offsets[a] : offsets[b]], offsets[a : b + 1] - offsets[a]))
    return out


def _count_shards(
    docs: list[list[int]], doc_cuts: list[int], method: str
) -> list[cooccur.PairCounts]:
    """Count each shard alone (chunks of 17 centres: several per shard)."""
    tokens, offsets = _corpus(docs)
    return [
        cooccur.count(
            t,
            o,
            vocab_size=9,
            context_length=3,
            weighting="linear",
            max_memory_mb=BIG_MB,
            method=method,
            chunk_tokens=17,
        )
        for t, o in _shards(tokens, offsets, doc_cuts)
    ]


def test_sharding_does_not_change_counts() -> None:
    docs = _random_docs(np.random.default_rng(7), n_docs=20, vocab_size=9, max_len=30)
    D = len(docs)
    splits = {
        1: [0, D],
        2: [0, 11, D],
        # empty shards at the start, in the middle and at the end
        7: [0, 0, 3, 8, 8, 15, D, D],
    }
    reference = _count(docs, 9, context_length=3, weighting="linear", method="dense")
    for cuts in splits.values():
        for method in ("dense", "sparse"):
            parts = _count_shards(docs, cuts, method)
            assert len(parts) == len(cuts) - 1
            merged = cooccur.merge(parts)
            _assert_identical(merged, reference)
            _assert_identical(cooccur.merge(parts), merged)
            _assert_identical(cooccur.merge(parts[::-1]), merged)  # order-free


def test_counting_twice_gives_identical_arrays() -> None:
    docs = _random_docs(np.random.default_rng(3), n_docs=8, vocab_size=6, max_len=25)
    for method in ("dense", "sparse"):
        first = _count(docs, 6, context_length=4, weighting="flat", method=method)
        second = _count(docs, 6, context_length=4, weighting="flat", method=method)
        _assert_identical(first, second)


def test_save_load_roundtrip(tmp_path: Path) -> None:
    docs = _random_docs(np.random.default_rng(5), n_docs=6, vocab_size=5, max_len=20)
    counts = _count(docs, 5, context_length=2, weighting="linear")
    path = tmp_path / "counts.npz"
    cooccur.save(path, counts, {"context_length": 2})
    _assert_identical(cooccur.load(path), counts)
    meta = cooccur.read_meta(path)
    assert meta["fingerprint"] == counts.fingerprint()
    assert meta["params"] == {"context_length": 2}
    assert (meta["pairs"], meta["tokens"], meta["documents"]) == (
        counts.pairs,
        counts.tokens,
        6,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counts.npz"]


def test_merge_records_the_counting_time_of_every_shard(tmp_path: Path) -> None:
    from qwem.cli import build_parser

    parser = build_parser()
    parts = []
    for i, docs in enumerate(([[0, 1, 2, 1]], [[2, 2, 0], [1, 1]])):
        tokens = np.array([t for d in docs for t in d], dtype=np.uint16)
        offsets = np.cumsum([0] + [len(d) for d in docs], dtype=np.int64)
        np.save(tmp_path / f"t{i}.npy", tokens)
        np.save(tmp_path / f"o{i}.npy", offsets)
        parts.append(tmp_path / f"part{i}.npz")
        argv = ["cooccur", "count", str(tmp_path / f"t{i}.npy")]
        argv += [str(tmp_path / f"o{i}.npy"), "--out", str(parts[-1])]
        argv += ["--vocab-size", "3", "--context-length", "2", "--weighting", "linear"]
        argv += ["--method", "auto"]
        args = parser.parse_args([*argv, "--max-memory-mb", "100"])
        args.func(args)
    args = parser.parse_args(
        ["cooccur", "merge", *map(str, parts), "--out", str(tmp_path / "c.npz")]
    )
    args.func(args)
    shards = [cooccur.read_meta(p)["wall_seconds"]["count"] for p in parts]
    merged = cooccur.read_meta(tmp_path / "c.npz")["wall_seconds"]
    assert all(s > 0 for s in shards) and merged["merge"] > 0
    assert merged["count"] == sum(shards)


def test_fingerprint_changes_with_any_count() -> None:
    counts = _count([[0, 1, 1]], 2, context_length=1, weighting="flat")
    bumped = cooccur.PairCounts(
        2,
        1,
        "flat",
        counts.keys,
        counts.weighted + 1,
        counts.unweighted,
        counts.unigram,
        counts.documents,
    )
    assert bumped.fingerprint() != counts.fingerprint()
    relabelled = cooccur.PairCounts(
        2,
        1,
        "linear",
        counts.keys,
        counts.weighted,
        counts.unweighted,
        counts.unigram,
        counts.documents,
    )
    assert relabelled.fingerprint() != counts.fingerprint()


# --- method choice and errors ----------------------------------------------------


def test_choose_method_prefers_dense_then_sparse() -> None:
    # dense triangle of V = 1000: 8 * 500,500 bytes = 3.82 MiB
    assert cooccur.choose_method(1000, 16, 10**6, max_memory_mb=4) == "dense"
    # sparse: (16 * 1e4 * 16 + 48 * 1.6e5) bytes = 9.77 MiB
    assert cooccur.choose_method(10**5, 16, 10**4, max_memory_mb=10) == "sparse"


def test_too_small_memory_cap_names_the_key() -> None:
    with pytest.raises(QwemConfigError, match=r"MiB.*cooccur\.max_memory_mb"):
        cooccur.choose_method(10_000, 16, 10**6, max_memory_mb=1)
    tokens, offsets = _corpus([[0, 1, 2] * 100])
    with pytest.raises(QwemConfigError, match=r"MiB.*cooccur\.max_memory_mb"):
        cooccur.count(
            tokens,
            offsets,
            vocab_size=3,
            context_length=2,
            weighting="flat",
            max_memory_mb=1e-9,
            method="auto",
        )


def test_zero_context_length_names_the_key() -> None:
    with pytest.raises(QwemConfigError, match=r"context_length must be >= 1, got 0"):
        cooccur.distance_weights(0, "linear")


def test_unknown_weighting_names_the_key() -> None:
    with pytest.raises(QwemConfigError, match=r"cooccur\.weighting.*linear, flat"):
        cooccur.distance_weights(2, "harmonic")


def test_unknown_method_names_the_key() -> None:
    with pytest.raises(QwemConfigError, match=r"cooccur\.method"):
        _count([[0, 1]], 2, context_length=1, weighting="flat", method="magic")


def test_token_outside_the_vocabulary_says_rerun_tokenize() -> None:
    with pytest.raises(
        QwemInputError, match=r"token id 5 >= vocab_size 5.*rerun qwem vocab tokenize"
    ):
        _count([[0, 5, 1]], 5, context_length=2, weighting="linear")


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ([1, 3], "must start at 0"),
        ([0, 2], "end at 2 but the shard has 3 tokens"),
        ([0, 3, 2, 3], "regenerate the shard"),  # decreasing
    ],
)
def test_bad_offsets_say_regenerate(offsets: list[int], message: str) -> None:
    with pytest.raises(QwemInputError, match=message):
        cooccur.count(
            np.zeros(3, np.uint16),
            np.array(offsets),
            vocab_size=1,
            context_length=1,
            weighting="flat",
            max_memory_mb=BIG_MB,
            method="auto",
        )


def test_merging_different_context_lengths_fails() -> None:
    a = _count([[0, 1]], 2, context_length=1, weighting="flat")
    b = _count([[0, 1]], 2, context_length=2, weighting="flat")
    with pytest.raises(QwemInputError, match=r"different .*context_length"):
        cooccur.merge([a, b])
    with pytest.raises(QwemInputError, match="no co-occurrence shards"):
        cooccur.merge([])


def test_load_of_a_garbage_file_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad_counts.npz"
    bad.write_bytes(b"not an npz file at all")
    with pytest.raises(QwemInputError, match=r"bad_counts\.npz: unreadable"):
        cooccur.load(bad)


def test_load_of_a_truncated_file_names_it(tmp_path: Path) -> None:
    counts = _count([[0, 1, 2]], 3, context_length=1, weighting="flat")
    path = tmp_path / "counts.npz"
    cooccur.save(path, counts, {})
    path.write_bytes(path.read_bytes()[:100])  # an interrupted copy
    with pytest.raises(QwemInputError, match=r"counts\.npz: unreadable"):
        cooccur.load(path)


# --- content digests: counts files and token shards are checked when read ----


def test_counts_rewritten_with_other_arrays_name_the_file_and_its_rule(
    tmp_path: Path,
) -> None:
    counts = _count([[0, 1, 2, 1]], 3, context_length=2, weighting="linear")
    path = tmp_path / "part-a.npz"
    cooccur.save(path, counts, {})
    cooccur.load(path)  # unchanged: reads fine
    with np.load(path) as z:  # a valid zip whose arrays are not the recorded ones
        arrays = {k: z[k] for k in z.files}
    arrays["weighted"][0] += 1
    np.savez(path, **arrays)
    with pytest.raises(QwemInputError) as err:
        cooccur.load(path)
    assert str(err.value).startswith(
        f"{path}: contents changed after rule cooccur_count (qwem cooccur count)"
    )


def test_merged_counts_with_a_flipped_byte_name_the_file_and_its_rule(
    tmp_path: Path,
) -> None:
    path = tmp_path / "counts.npz"
    counts = _count([[0, 1, 2, 1]], 3, context_length=2, weighting="linear")
    cooccur.save(path, counts, {}, made_by=cooccur.files.MERGE_MADE_BY)
    data = path.read_bytes()
    flip_byte(path, len(data) - data.find(counts.weighted.tobytes()))
    with pytest.raises(QwemInputError, match=rf"^{path}: .*rule cooccur_merge"):
        cooccur.load(path)


def _shard_files(tmp_path: Path, tokens: list[int], V: int) -> tuple[Path, Path]:
    from qwem.io import save_npy, write_json

    paths = tmp_path / "part-a.npy", tmp_path / "part-a.offsets.npy"
    save_npy(paths[0], np.array(tokens, np.uint16))
    save_npy(paths[1], np.array([0, len(tokens)], np.int64))
    write_json(tmp_path / "part-a.json", {"params": {"vocab_size": V}})  # no digests
    return paths


def test_count_shard_checks_the_shard_digest(tmp_path: Path) -> None:
    from qwem.cooccur.jobs import count_shard
    from qwem.digests import digest_of
    from qwem.io import write_json

    tokens, offsets = _shard_files(tmp_path, [0, 1, 2, 0, 1], 3)
    digests = {"tokens": digest_of(tokens), "offsets": digest_of(offsets)}
    write_json(tmp_path / "part-a.json", {"digests": digests})  # as tokenize does
    kw: dict[str, Any] = {
        "vocab_size": 3,
        "context_length": 2,
        "weighting": "linear",
        "method": "auto",
        "max_memory_mb": BIG_MB,
    }
    count_shard(tokens, offsets, tmp_path / "ok.npz", **kw)  # unchanged: counts
    flip_byte(tokens, 2)  # the last id 1 -> 0, still in the vocabulary
    with pytest.raises(QwemInputError, match=rf"^{tokens}: .*rule vocab_tokenize"):
        count_shard(tokens, offsets, tmp_path / "bad.npz", **kw)
    assert not (tmp_path / "bad.npz").exists()


def test_out_of_range_id_names_the_shard_and_the_vocabulary_size(
    tmp_path: Path,
) -> None:
    from qwem.cooccur.jobs import count_shard

    tokens, offsets = _shard_files(tmp_path, [0, 1, 7, 2], 5)  # an older shard
    with pytest.raises(QwemInputError) as err:
        count_shard(
            tokens, offsets, tmp_path / "out.npz", vocab_size=5, context_length=2,
            weighting="linear", method="auto", max_memory_mb=BIG_MB,
        )  # fmt: skip
    assert str(err.value).startswith(f"{tokens}: token id 7 >= vocab_size 5")
    assert "a vocabulary of 5 words" in str(err.value)


# --- the compiled kernels ----------------------------------------------------------


def _kernel_counts(tokens, offsets, L, chunks):  # type: ignore[no-untyped-def]
    w = cooccur.distance_weights(L, "linear").astype(np.uint32)
    packed = (w << np.uint32(8)) | np.uint32(1)
    packed[0] = 0
    V = int(tokens.max()) + 1
    acc = np.zeros(cooccur.tri_size(V), np.uint32)
    spill = np.zeros(tokens.size * L // 255 + 1, np.uint64)
    unigram = np.zeros(V, np.int64)
    n = 0
    for t0, t1 in chunks:
        n = kernels.count_packed(
            tokens, offsets, t0, t1, L, packed, acc, spill, n, unigram
        )
    return acc, spill[:n], unigram


def test_kernel_counts_centres_and_chunks_do_not_change_the_cells() -> None:
    assert kernels.prefetch_works()
    rng = np.random.default_rng(11)
    V, L = 13, 5
    tokens, offsets = _corpus(_random_docs(rng, n_docs=12, vocab_size=V, max_len=40))
    whole, _, uni = _kernel_counts(tokens, offsets, L, [(0, tokens.size)])
    assert whole.any()
    np.testing.assert_array_equal(uni, np.bincount(tokens, minlength=V))
    chunks = [(0, 50), (50, 51), (51, tokens.size)]  # chunks end mid-document
    split, _, _ = _kernel_counts(tokens, offsets, L, chunks)
    np.testing.assert_array_equal(split, whole)


@pytest.mark.parametrize("chunk_tokens", [None, 777])
def test_cells_past_255_pairs_spill_and_stay_exact(chunk_tokens: int | None) -> None:
    # 3 words over 3,000 tokens: every cell sees thousands of pairs, far past the
    # 8-bit count of a packed cell, so the spill path carries most of the counts
    rng = np.random.default_rng(5)
    docs = [list(rng.integers(0, 3, size=n)) for n in (2000, 1000)]
    tokens, offsets = _corpus(docs)
    _, spilled, _ = _kernel_counts(tokens, offsets, 16, [(0, tokens.size)])
    assert spilled.size > 50
    counts = cooccur.count(
        tokens,
        offsets,
        vocab_size=3,
        context_length=16,
        weighting="linear",
        max_memory_mb=1e6,
        method="dense",
        chunk_tokens=chunk_tokens,
    )
    c, n = _brute_force(docs, 3, 16, "linear")
    got_c, got_n = _full(counts)
    np.testing.assert_array_equal(got_c, c)
    np.testing.assert_array_equal(got_n, n)
