"""Analogies (protocols a and b), similarity, concepts, agreement, ``qwem evaluate``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gensim.models import KeyedVectors
from scipy.stats import spearmanr

from conftest import SHARED, flip_byte
from qwem import evaluate
from qwem.cli import main
from qwem.errors import QwemConfigError, QwemInputError
from qwem.io import write_word2vec

MEN = SHARED / "data/MEN_dataset_natural_form_full.txt"

# per-category pair counts n_c of the whole Google file (every word in vocab)
GOOGLE_PAIRS = {
    "capital-common-countries": 23,
    "capital-world": 116,
    "currency": 30,
    "city-in-state": 68,
    "family": 23,
    "gram1-adjective-to-adverb": 32,
    "gram2-opposite": 29,
    "gram3-comparative": 37,
    "gram4-superlative": 34,
    "gram5-present-participle": 33,
    "gram6-nationality-adjective": 41,
    "gram7-past-tense": 40,
    "gram8-plural": 37,
    "gram9-plural-verbs": 30,
}

TINY_QUESTIONS = """\
: capitals
athens greece berlin germany
athens greece paris france
berlin germany paris france
paris france athens greece
: family
boy girl brother sister
boy girl king queen
"""


def questions_of(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["category", "a", "b", "c", "d"])


def at_angles(degrees: list[float], scale: list[float] | None = None) -> np.ndarray:
    """2-D vectors at the given angles (norms ``scale``, default 1)."""
    rad = np.deg2rad(degrees)
    W = np.stack([np.cos(rad), np.sin(rad)], axis=1)
    return W * (np.ones(len(degrees)) if scale is None else np.asarray(scale))[:, None]


# --- analogies ------------------------------------------------------------------


def test_exact_analogy_and_near_miss_in_3d() -> None:
    # woman - man + king = (-1, 1, 1) = queen's direction exactly; prince is near king
    words = ["man", "woman", "king", "queen", "prince"]
    W = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, 1, 1], [0, 0.1, 1]], float)
    q = questions_of(
        [
            ("family", "man", "woman", "king", "queen"),
            ("family", "man", "woman", "king", "prince"),
            ("family", "man", "woman", "king", "absent"),  # out of vocabulary
        ]
    )
    pred = evaluate.analogy_predictions(W, words, q)
    assert pred["predicted"].tolist() == ["queen", "queen"]
    assert pred["correct"].tolist() == [True, False]
    scores = evaluate.analogy_scores(W, evaluate.word_ids(q.head(1), words))
    # cos(x, queen) = 1 exactly; the best other word is prince:
    # x = (-1, 1, 1)/|.|, prince (0, 0.1, 1)/|.|: 1.1 / (sqrt(3) sqrt(1.01))
    np.testing.assert_allclose(scores.target_cos, [1.0], rtol=1e-6)
    np.testing.assert_allclose(
        scores.competitor_cos, [1.1 / np.sqrt(3 * 1.01)], rtol=1e-6
    )


def test_query_words_are_excluded_from_the_answer() -> None:
    # a and b point the same way (b = 2a), so x = ĉ and the answer is the
    # nearest word to c other than a, b and c themselves
    words = ["a", "b", "w30", "w50", "w100", "w180"]
    W = at_angles([0, 0, 30, 50, 100, 180], scale=[1, 2, 1, 1, 1, 1])
    q = questions_of(
        [
            ("x", "a", "b", "w50", "w30"),  # 30° (20° away) beats 100° (50° away)
            ("x", "a", "b", "w30", "w50"),  # c itself and a, b at 0° are excluded
            ("x", "a", "b", "w180", "w100"),  # 100° is 80° away, 50° is 130°
        ]
    )
    pred = evaluate.analogy_predictions(W, words, q)
    assert pred["predicted"].tolist() == ["w30", "w50", "w100"]
    assert pred["correct"].all()


def test_pairs_and_protocol_b_on_a_hand_made_file(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text(TINY_QUESTIONS)
    q = evaluate.load_analogies(path)
    words = ["athens", "greece", "berlin", "germany", "paris", "france"]
    words += ["boy", "girl", "brother", "sister", "king"]  # no "queen"
    pairs = evaluate.category_pairs(q, words)
    assert list(zip(pairs["category"], pairs["a"], pairs["b"], strict=True)) == [
        ("capitals", "athens", "greece"),
        ("capitals", "berlin", "germany"),
        ("capitals", "paris", "france"),
        ("family", "boy", "girl"),
        ("family", "brother", "sister"),
    ]
    paper = evaluate.paper_analogies(q, words)
    assert len(paper) == 3 * 2 + 2 * 1  # sum of n_c (n_c - 1)
    assert paper.iloc[0].tolist() == [
        "capitals",
        "athens",
        "greece",
        "berlin",
        "germany",
    ]
    assert paper.iloc[-1].tolist() == ["family", "brother", "sister", "boy", "girl"]
    assert not paper.duplicated().any()
    assert not ((paper["a"] == paper["c"]) & (paper["b"] == paper["d"])).any()


def test_protocol_b_counts_on_the_google_file() -> None:
    q = evaluate.load_analogies()
    everything = sorted(set(q[["a", "b", "c", "d"]].to_numpy().ravel()))
    counts = evaluate.paper_analogies(q, everything).groupby("category").size()
    assert counts.to_dict() == {c: n * (n - 1) for c, n in GOOGLE_PAIRS.items()}
    # restricted vocabulary: count the distinct in-vocabulary pairs independently
    rng = np.random.default_rng(3)
    words = [w for w in everything if rng.random() < 0.6]
    vocab = set(words)
    expected = 0
    for _, g in q.groupby("category"):
        both = zip([*g["a"], *g["c"]], [*g["b"], *g["d"]], strict=True)
        n = len({(x, y) for x, y in both if x in vocab and y in vocab})
        expected += n * (n - 1)
    paper = evaluate.paper_analogies(q, words)
    assert len(paper) == expected and 0 < expected < sum(counts)
    assert paper[["a", "b", "c", "d"]].isin(vocab).all().all()


def _google_like_embedding(dim: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Vectors of the Google file's words with a planted offset per category."""
    q = evaluate.load_analogies()
    words = list(dict.fromkeys(q[["a", "b", "c", "d"]].to_numpy().ravel()))
    rng = np.random.default_rng(seed)
    vec: dict[str, np.ndarray] = {}
    for _, g in evaluate.category_pairs(q, words).groupby("category", sort=False):
        r = rng.normal(size=dim)
        for a, b in zip(g["a"], g["b"], strict=True):
            vec.setdefault(a, rng.normal(size=dim))
            vec.setdefault(b, vec[a] + r + 0.5 * rng.normal(size=dim))
    return words, np.array([vec[w] for w in words])


def test_protocol_a_matches_gensim_with_the_same_vocabulary() -> None:
    words, W = _google_like_embedding(dim=16, seed=0)
    rng = np.random.default_rng(1)
    inside = rng.random(len(words)) < 0.7
    vocab, W_vocab = [w for w, k in zip(words, inside, strict=True) if k], W[inside]
    # gensim gets every word but searches only the first len(vocab) of them
    kv = KeyedVectors(vector_size=W.shape[1])
    kv.add_vectors(
        vocab + [w for w, k in zip(words, inside, strict=True) if not k],
        np.vstack([W_vocab, W[~inside]]).astype(np.float32),
    )
    score, sections = kv.evaluate_word_analogies(
        str(evaluate.google_analogies_path()), restrict_vocab=len(vocab)
    )
    acc, table = evaluate.analogy_accuracy(W_vocab, vocab, evaluate.load_analogies())
    assert 0.2 < acc < 0.95  # the planted offsets make a mix of right and wrong
    assert acc == pytest.approx(score, abs=0)
    by_section = {s["section"]: s for s in sections[:-1]}
    for row in table.itertuples():
        section = by_section[row.category]
        assert row.correct == len(section["correct"])
        assert row.n == len(section["correct"]) + len(section["incorrect"])


def test_analogy_table_has_both_protocols_and_empty_categories() -> None:
    words = ["man", "woman", "king", "queen"]
    W = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, 1, 1]], float)
    q = questions_of(
        [
            ("family", "man", "woman", "king", "queen"),
            ("capitals", "athens", "greece", "paris", "france"),
        ]
    )
    table = evaluate.analogy_table(W, words, q).set_index(["protocol", "category"])
    assert list(table.columns) == ["n", "correct", "accuracy"]
    assert table.loc[("a", "family")].tolist() == [1, 1, 1.0]
    assert table.loc[("a", "capitals"), "n"] == 0
    assert np.isnan(table.loc[("a", "capitals"), "accuracy"])
    # protocol b: pairs (man, woman), (king, queen) -> 2 questions, both exact
    assert table.loc[("b", "family")].tolist() == [2, 2, 1.0]
    assert table.loc[("b", "all")].tolist() == [2, 2, 1.0]


def test_duplicate_words_are_refused() -> None:
    with pytest.raises(QwemInputError, match=r"more than once \(a\)"):
        evaluate.word_ids(questions_of([("x", "a", "a", "a", "a")]), ["a", "a"])


# --- similarity -----------------------------------------------------------------


def test_gensim_similarity_files() -> None:
    ws, sl = evaluate.load_wordsim353(), evaluate.load_simlex999()
    assert len(ws) == 353 and len(sl) == 999
    assert ws.iloc[0].tolist() == ["love", "sex", 6.77]
    assert sl.iloc[0].tolist() == ["old", "new", 1.58]
    for pairs in (ws, sl):
        assert (pairs["word1"] == pairs["word1"].str.lower()).all()
        assert pairs["score"].between(0, 10).all()


@pytest.mark.parametrize("header", ["", "word1 word2 score\n"])
def test_men_with_and_without_header(tmp_path: Path, header: str) -> None:
    path = tmp_path / "men.txt"
    path.write_text(header + "sun sunlight 50.000000\nAutomobile car 50\ncat dog 31\n")
    men = evaluate.load_men(path)
    assert men is not None
    assert men.values.tolist() == [
        ["sun", "sunlight", 50.0],
        ["automobile", "car", 50.0],
        ["cat", "dog", 31.0],
    ]


def test_men_lemma_form_loses_its_tags(tmp_path: Path) -> None:
    path = tmp_path / "men_lemma.txt"
    path.write_text("sun-n sunlight-n 50\nbright-j run-v 3\n")
    men = evaluate.load_men(path)
    assert men is not None
    assert men[["word1", "word2"]].values.tolist() == [
        ["sun", "sunlight"],
        ["bright", "run"],
    ]


@pytest.mark.skipif(not MEN.is_file(), reason=f"shared MEN fixture absent: {MEN}")
def test_men_shared_copy() -> None:
    men = evaluate.load_men(MEN)
    assert men is not None and len(men) == 3000
    assert men.iloc[0].tolist() == ["sun", "sunlight", 50.0]
    assert men["score"].between(0, 50).all()


def test_missing_men_gives_a_nan_row_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="qwem"):
        assert evaluate.load_men(None) is None
        assert evaluate.load_men(tmp_path / "nope.txt") is None
    assert "MEN not available" in caplog.text and "nope.txt" in caplog.text
    table = evaluate.similarity_table(np.eye(2), ["a", "b"], {"men": None})
    assert table["benchmark"].tolist() == ["men"] and np.isnan(table["rho"][0])


def test_malformed_similarity_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("# comment\nsun sunlight 5\ncat dog\n")
    with pytest.raises(QwemInputError, match=r"bad\.txt:3: expected 'word1 word2"):
        evaluate.load_similarity(path)
    path.write_text("sun sunlight 5\ncat dog many\n")
    with pytest.raises(QwemInputError, match=r"bad\.txt:2: score 'many'"):
        evaluate.load_similarity(path)


def test_spearman_on_a_constructed_case() -> None:
    # "anchor" at 0°, others at growing angles: cosine falls with the angle
    words = ["anchor", "w10", "w40", "w70", "w120"]
    W = at_angles([0, 10, 40, 70, 120], scale=[1, 3, 0.5, 2, 1])  # norms don't matter
    pairs = pd.DataFrame(
        {
            "word1": ["anchor"] * 5,
            "word2": ["w10", "w40", "w70", "w120", "unknown"],
            "score": [9.0, 7.0, 2.0, 1.0, 5.0],
        }
    )
    s = evaluate.similarity_spearman(W, words, pairs)
    assert (s.rho, s.pairs, s.total) == (pytest.approx(1.0), 4, 5)
    pairs["score"] = -pairs["score"]
    assert evaluate.similarity_spearman(W, words, pairs).rho == pytest.approx(-1.0)
    two = evaluate.similarity_spearman(W, words, pairs.tail(3))
    assert np.isnan(two.rho) and (two.pairs, two.total) == (2, 3)


# --- concepts and agreement -------------------------------------------------------


def test_concept_table_on_a_hand_made_case() -> None:
    words = ["the", "of", "cat", "dog", "sun", "rare"]
    directions = np.array(
        [[0.1, 0.0], [-0.5, 0.3], [0.4, -0.2], [0.2, 0.1], [-0.3, 0.0], [0.9, -0.9]]
    )
    table = evaluate.concept_table(directions, words, top=2, among=5)
    assert list(table.columns) == ["direction", "sign", "rank", "word", "value"]
    assert len(table) == 2 * 2 * 2  # directions x signs x top
    first = table[table["direction"] == 1]
    assert first["word"].tolist() == ["cat", "dog", "of", "sun"]  # "rare" is rank 6
    assert first["sign"].tolist() == ["+", "+", "-", "-"]
    assert first["rank"].tolist() == [1, 2, 1, 2]
    assert first["value"].tolist() == [0.4, 0.2, -0.5, -0.3]
    second = table[table["direction"] == 2]
    assert second["word"].tolist() == ["of", "dog", "cat", "the"]  # ties: stable
    with pytest.raises(QwemInputError, match="6 rows of directions but 5 words"):
        evaluate.concept_table(directions, words[:5], top=2, among=5)
    with pytest.raises(QwemConfigError, match="top and among must be >= 1"):
        evaluate.concept_table(directions, words, top=0, among=5)


def test_pca_directions_are_centred_ordered_and_oriented() -> None:
    rng = np.random.default_rng(0)
    V = 200
    # column 0: large variance along a known word-space direction u; column 1: small
    u = rng.normal(size=V)
    u /= np.linalg.norm(u)
    W = np.stack([10 * u, 0.1 * rng.normal(size=V)], axis=1) + 5.0  # offset: centring
    P = evaluate.pca_directions(W, 2)
    np.testing.assert_allclose(P.T @ P, np.eye(2), atol=1e-12)
    u_c = u - u.mean()
    assert abs(P[:, 0] @ u_c) / np.linalg.norm(u_c) > 0.999
    peaks = P[np.abs(P).argmax(axis=0), [0, 1]]
    assert (peaks > 0).all()  # sign convention: largest |entry| positive
    np.testing.assert_array_equal(evaluate.pca_directions(-W, 2), P)


def test_subspace_overlap_known_values_and_rotation_invariance() -> None:
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.normal(size=(50, 6)))
    A = Q[:, :3] * [3.0, 2.0, 1.0]
    rot, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    assert evaluate.subspace_overlap(A, A @ rot, 3) == pytest.approx(1.0)
    assert evaluate.subspace_overlap(A, Q[:, 3:], 3) == pytest.approx(0.0, abs=1e-12)
    # half-way: one of two directions shared
    assert evaluate.subspace_overlap(Q[:, :2], Q[:, 1:3], 2) == pytest.approx(0.5)
    M = evaluate.overlap_matrix(A, (A @ rot)[:, [2, 0, 1]], 3)
    np.testing.assert_allclose(M, np.eye(3), atol=1e-12)  # same singular vectors
    swapped = evaluate.overlap_matrix(A, Q[:, [1, 0]] * [3.0, 1.0], 2)
    np.testing.assert_allclose(swapped, [[0, 1], [1, 0]], atol=1e-12)
    with pytest.raises(QwemInputError, match="50 and 49 rows"):
        evaluate.subspace_overlap(A, A[:49], 2)


def test_agreement_tables_equal_the_pairwise_functions() -> None:
    rng = np.random.default_rng(2)
    models = {"x": rng.normal(size=(60, 6)), "y": rng.normal(size=(60, 4))}
    models["z"] = models["x"][:, :3] + 0.1 * rng.normal(size=(60, 3))
    matrices, subspace = evaluate.agreement_tables(models, dims=[1, 3, 5], modes=4)
    pairs = subspace[["model_a", "model_b"]].drop_duplicates()
    assert pairs.to_numpy().tolist() == [["x", "y"], ["x", "z"], ["y", "z"]]
    for (a, b), rows in subspace.groupby(["model_a", "model_b"], sort=False):
        width = min(models[a].shape[1], models[b].shape[1])
        assert rows["d"].tolist() == [d for d in (1, 3, 5) if d <= width]
        for d, value in zip(rows["d"], rows["overlap"], strict=True):
            expected = evaluate.subspace_overlap(models[a], models[b], d)
            assert value == pytest.approx(expected, abs=1e-12)
        m = matrices[(matrices["model_a"] == a) & (matrices["model_b"] == b)]
        k = min(4, width)
        expected = evaluate.overlap_matrix(models[a], models[b], k).ravel()
        np.testing.assert_allclose(m["overlap"], expected, atol=1e-12)


# --- Table 1 and the command line ---------------------------------------------------


def test_benchmark_table_columns() -> None:
    words, W = _google_like_embedding(dim=8, seed=2)
    similarity = {"ws353": evaluate.load_wordsim353(), "men": None}
    table = evaluate.benchmark_table(
        {"m1": (W, words), "m2": (W[:, :4], words)},
        questions=evaluate.load_analogies(),
        similarity=similarity,
    )
    assert table["model"].tolist() == ["m1", "m2"]
    assert table["dim"].tolist() == [8, 4]
    assert table["analogy_a_n"].tolist() == [19544, 19544]
    assert table["analogy_b_n"].tolist() == [30494, 30494]
    assert table[["analogy_a", "analogy_b"]].stack().between(0, 1).all()
    assert table["ws353_total"].tolist() == [353, 353]
    assert table["men_rho"].isna().all()


def _write_vocab(path: Path, words: list[str]) -> Path:
    counts = range(len(words) + 100, 100, -1)
    rows = "".join(f"{w}\t{c}\n" for w, c in zip(words, counts, strict=False))
    path.write_text("word\tcount\n" + rows)
    return path


def test_cli_table_concepts_agreement(tmp_path: Path) -> None:
    words, W = _google_like_embedding(dim=8, seed=4)
    write_word2vec(tmp_path / "a.w2v.txt", words, W)
    write_word2vec(tmp_path / "b.w2v.txt", words[::-1], W[::-1, [1, 0, *range(2, 8)]])
    vocab = _write_vocab(tmp_path / "vocab.tsv", words)
    out = tmp_path / "t" / "table1.csv"
    rc = main(
        ["evaluate", "table", "--embedding", f"a={tmp_path / 'a.w2v.txt'}",
         "--embedding", str(tmp_path / "b.w2v.txt"), "--vocab", str(vocab),
         "--men", str(tmp_path / "absent.txt"), "--out", str(out)]
    )  # fmt: skip
    assert rc == 0
    table = pd.read_csv(out)
    assert table["model"].tolist() == ["a", "b"]
    # b is a in another word order with two columns swapped: same benchmarks
    cols = ["analogy_a", "analogy_b", "ws353_rho", "simlex999_rho"]
    np.testing.assert_allclose(table.loc[0, cols], table.loc[1, cols], rtol=1e-6)
    assert table["men_rho"].isna().all()
    meta = json.loads(Path(str(out) + ".meta.json").read_text())
    assert meta["params"]["action"] == "table"

    concepts = tmp_path / "concepts.csv"
    argv = ["evaluate", "concepts", "--in", str(tmp_path / "b.w2v.txt"), "--vocab"]
    argv += [str(vocab), "--directions", "3", "--top", "5", "--among", "100"]
    assert main([*argv, "--out", str(concepts)]) == 0
    c = pd.read_csv(concepts)
    assert len(c) == 3 * 2 * 5 and set(c["word"]) <= set(words[:100])

    overlap, sub = tmp_path / "overlap.csv", tmp_path / "subspace.csv"
    argv = ["evaluate", "agreement", "--embedding", f"a={tmp_path / 'a.w2v.txt'}"]
    argv += ["--embedding", f"b={tmp_path / 'b.w2v.txt'}", "--dims", "2", "8"]
    argv += ["--modes", "4", "--out", str(overlap), "--subspace-out", str(sub)]
    assert main(argv) == 0
    s = pd.read_csv(sub)
    np.testing.assert_allclose(s["overlap"], [1.0, 1.0], rtol=1e-6)  # same span
    assert len(pd.read_csv(overlap)) == 16


def test_per_item_outcomes_reproduce_table1(tmp_path: Path) -> None:
    words, W = _google_like_embedding(dim=8, seed=5)
    vocab = _write_vocab(tmp_path / "vocab.tsv", words)
    for name, X in (("a", W), ("b", W[:, :3])):
        write_word2vec(tmp_path / f"{name}.w2v.txt", words, X)
    out = {k: tmp_path / f"{k}.csv" for k in ("table", "questions", "pairs")}
    out["questions"] = tmp_path / "questions.csv.gz"
    argv = ["evaluate", "table", "--vocab", str(vocab), "--men", "none"]
    argv += [f"--embedding={n}={tmp_path / f'{n}.w2v.txt'}" for n in ("a", "b")]
    argv += ["--out", str(out["table"]), "--questions-out", str(out["questions"])]
    assert main([*argv, "--pairs-out", str(out["pairs"])]) == 0
    assert out["questions"].read_bytes()[:2] == b"\x1f\x8b"  # gzip
    table = pd.read_csv(out["table"]).set_index("model")
    questions = pd.read_csv(out["questions"], keep_default_na=False)
    acc = questions.groupby(["model", "protocol"])["correct"].agg(["mean", "size"])
    for model in ("a", "b"):
        for protocol in ("a", "b"):
            mean, size = acc.loc[(model, protocol)]
            assert mean == pytest.approx(table.loc[model, f"analogy_{protocol}"])
            assert size == table.loc[model, f"analogy_{protocol}_n"]
    pairs = pd.read_csv(out["pairs"], keep_default_na=False)
    assert set(pairs["benchmark"]) == {"ws353", "simlex999"}  # MEN: none
    for (model, bench), rows in pairs.groupby(["model", "benchmark"]):
        rho = spearmanr(rows["cos"], rows["score"]).statistic
        assert rho == pytest.approx(table.loc[model, f"{bench}_rho"])
        assert len(rows) == table.loc[model, f"{bench}_pairs"]
    assert Path(f"{out['pairs']}.meta.json").is_file()

    ci, paired = tmp_path / "ci.csv", tmp_path / "paired.csv"
    argv = ["evaluate", "bootstrap", "--questions", str(out["questions"])]
    argv += ["--pairs", str(out["pairs"]), "--reference", "a", "--resamples", "200"]
    argv += ["--level", "0.9", "--seed", "0", "--out", str(ci)]
    assert main([*argv, "--paired-out", str(paired)]) == 0
    intervals = pd.read_csv(ci)
    est = intervals.set_index(["model", "metric"])["estimate"]
    assert est[("b", "analogy_b")] == pytest.approx(table.loc["b", "analogy_b"])
    assert est[("a", "ws353_rho")] == pytest.approx(table.loc["a", "ws353_rho"])
    assert pd.read_csv(paired)["model"].unique().tolist() == ["b"]


def test_per_item_outcomes_need_one_vocabulary(tmp_path: Path) -> None:
    words, W = _google_like_embedding(dim=8, seed=6)
    write_word2vec(tmp_path / "a.w2v.txt", words, W)
    write_word2vec(tmp_path / "b.w2v.txt", words[:-40], W[:-40])  # lacks 40 words
    out = tmp_path / "out"
    argv = ["evaluate", "table", "--men", "none", "--out", str(out / "t.csv")]
    argv += ["--embedding", f"a={tmp_path / 'a.w2v.txt'}"]
    argv += ["--embedding", f"b={tmp_path / 'b.w2v.txt'}"]
    argv += ["--questions-out", str(out / "q.csv.gz")]
    assert main(argv) == 2
    assert not out.exists()  # checked before anything is written
    with pytest.raises(QwemInputError, match="model 'b' has .* pass the run's vocab"):
        frames = {"a": pd.DataFrame({"k": [1, 2]}), "b": pd.DataFrame({"k": [1, 3]})}
        evaluate.stack_items(frames, keys=["k"], what="analogy questions")


def test_cli_table_reads_word2vec_c_format(tmp_path: Path) -> None:
    # gensim's sample ends every line with a space, like the word2vec C tool
    from gensim.test.utils import datapath

    out = tmp_path / "table1.csv"
    argv = ["evaluate", "table", "--embedding", datapath("crime-and-punishment.vec")]
    assert main([*argv, "--men", "none", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table[["model", "words", "dim"]].values.tolist() == [
        ["crime-and-punishment", 291, 5]
    ]
    assert (table["analogy_a_n"] == 0).all() and table["analogy_a"].isna().all()


def test_cli_concepts_of_eigenvectors_are_oriented(tmp_path: Path) -> None:
    words = ["the", "of", "cat", "dog", "sun", "rare"]
    vectors = np.array(
        [[0.1, 0.0], [-0.5, 0.3], [0.4, -0.2], [0.2, 0.1], [-0.3, 0.0], [0.9, -0.9]]
    )
    # eigenvalues out of order: direction 1 is the column of eigenvalue 3
    np.savez(tmp_path / "eig.npz", values=[1.0, 3.0], vectors=vectors)
    vocab = _write_vocab(tmp_path / "vocab.tsv", words)
    out = tmp_path / "concepts.csv"
    argv = ["evaluate", "concepts", "--in", str(tmp_path / "eig.npz"), "--vocab"]
    argv += [str(vocab), "--directions", "2", "--top", "2", "--among", "5"]
    assert main([*argv, "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert (table["basis"] == "eigenvector").all()
    # eigenvalue 3's column has its largest |entry| (-0.9, "rare") negative, so
    # it is flipped: +0.3 "of"... becomes -0.3
    first = table[table["direction"] == 1]
    assert first["word"].tolist() == ["cat", "the", "of", "dog"]
    assert first["value"].tolist() == [0.2, 0.0, -0.3, -0.1]
    assert table[table["direction"] == 2]["word"].tolist() == [
        "cat",
        "dog",
        "of",
        "sun",
    ]


def test_cli_error_leaves_no_output(tmp_path: Path) -> None:
    eig = tmp_path / "eig.npz"
    np.savez(eig, values=np.ones(2), vectors=np.eye(3)[:, :2])
    out = tmp_path / "concepts.csv"
    argv = ["evaluate", "concepts", "--in", str(eig), "--directions", "1"]
    argv += ["--top", "2", "--among", "3"]
    assert main([*argv, "--out", str(out)]) == 2
    assert not out.exists() and list(tmp_path.iterdir()) == [eig]


# --- content digests: the pipeline's word2vec files are checked when read -----


def test_word2vec_with_a_changed_digit_names_the_file_and_its_rule(
    tmp_path: Path,
) -> None:
    from qwem.digests import write_sealed_meta
    from qwem.evaluate.inputs import load_embedding
    from qwem.io import write_word2vec

    path = tmp_path / "qwem_small.w2v.txt"
    write_word2vec(path, ["a", "b"], np.array([[1.0, 2.0], [3.0, 4.0]]))
    write_sealed_meta(path, {}, made_by="rule train_run (qwem train run)")
    assert load_embedding(path, None)[1] == ["a", "b"]  # unchanged: reads fine
    flip_byte(path, 2, xor=2)  # the last value 4 -> 6
    with pytest.raises(QwemInputError) as err:
        load_embedding(path, None)
    assert str(err.value).startswith(
        f"{path}: contents changed after rule train_run (qwem train run)"
    )
