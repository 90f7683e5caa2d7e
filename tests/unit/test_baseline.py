"""gensim Word2Vec baseline: planted topics, knobs, trace, pair counts, CLI."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from gensim.models.callbacks import CallbackAny2Vec
from numpy.typing import NDArray

import qwem.cli
from qwem import baseline, vocab
from qwem.cli import baseline as cli_baseline
from qwem.errors import QwemConfigError, QwemInputError
from qwem.io import save_npy

V = 40
# even ids are topic A, odd ids topic B: interleaved, so a row order that
# followed gensim's frequency ranking instead of ours would mix the topics
WORDS = [f"{'a' if i % 2 == 0 else 'b'}{i:02d}" for i in range(V)]
TOPIC = np.arange(V) % 2
# small settings that train in about a second (one worker: reproducible);
# sample=0: on a 40-word corpus every word has frequency ~2.5 %, so any usual
# threshold would drop most tokens
SMALL = baseline.GensimConfig(
    dim=8,
    window=3,
    negative=5,
    sample=0.0,
    alpha=0.025,
    min_alpha=1e-4,
    epochs=10,
    seed=1,
    threads=1,
)
Shards = list[tuple[NDArray[np.uint16], NDArray[np.int64]]]


def _two_topic_shards(n_docs: int = 400, doc_len: int = 30, seed: int = 0) -> Shards:
    """Two shards of documents drawing words from one topic only.

    60 % of the documents are topic A, so every A word is more frequent than
    every B word and gensim's own order (by frequency) differs from ours.
    """
    rng = np.random.default_rng(seed)
    docs = []
    for _ in range(n_docs):
        topic = 0 if rng.random() < 0.6 else 1
        docs.append(rng.choice(np.flatnonzero(topic == TOPIC), size=doc_len))
    shards = []
    for part in (docs[: n_docs // 2], docs[n_docs // 2 :]):
        tokens = np.concatenate(part).astype(np.uint16)
        offsets = np.arange(len(part) + 1, dtype=np.int64) * doc_len
        shards.append((tokens, offsets))
    return shards


def _zipf_shard(n_docs: int, vocab_size: int, seed: int) -> Shards:
    """One shard of documents of 0..59 Zipf-distributed words (every word occurs)."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab_size + 1)
    lengths = rng.integers(0, 60, n_docs)
    tokens = rng.choice(vocab_size, size=int(lengths.sum()), p=p / p.sum())
    tokens[:vocab_size] = np.arange(vocab_size)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return [(tokens.astype(np.uint16), offsets)]


def _topic_margin(W: NDArray[np.float64]) -> float:
    """Mean cosine within a topic minus across topics."""
    U = W / np.linalg.norm(W, axis=1, keepdims=True)
    C = U @ U.T
    same = TOPIC[:, None] == TOPIC[None, :]
    off_diag = ~np.eye(V, dtype=bool)
    return float(C[same & off_diag].mean() - C[~same].mean())


def test_planted_topics_are_recovered_in_vocabulary_order() -> None:
    W = baseline.train_gensim(_two_topic_shards(), WORDS, SMALL, evaluate=None).vectors
    assert W.shape == (V, 8) and W.dtype == np.float64
    # measured within ~0.95, across ~0.12 for seeds 0-4; gensim's own (frequency)
    # row order would give a margin of ~0, so this also checks the row order
    assert _topic_margin(W) > 0.5


def test_rows_are_the_gensim_vectors_of_each_word() -> None:
    shards = _two_topic_shards(n_docs=100)
    model, _ = baseline.fit_gensim(shards, WORDS, SMALL, evaluate=None)
    assert model.wv.index_to_key != WORDS  # gensim ranks by frequency
    W = baseline.vectors_in_vocab_order(model, WORDS)
    for i, word in enumerate(WORDS):
        np.testing.assert_array_equal(W[i], model.wv[word])
    # the counts handed to gensim are the true ones
    counts = np.bincount(np.concatenate([t for t, _ in shards]), minlength=V)
    assert [model.wv.get_vecattr(w, "count") for w in WORDS] == counts.tolist()
    # one worker and the same seed: bitwise the same vectors
    again = baseline.train_gensim(shards, WORDS, SMALL, evaluate=None)
    np.testing.assert_array_equal(again.vectors, W)


def test_a_tiny_learning_rate_learns_nothing() -> None:
    # alpha reaches gensim: at 1e-6 the vectors stay at their random start
    slow = dataclasses.replace(SMALL, alpha=1e-6, min_alpha=1e-6)
    W = baseline.train_gensim(_two_topic_shards(), WORDS, slow, evaluate=None).vectors
    assert abs(_topic_margin(W)) < 0.1


@pytest.mark.parametrize(
    "change",
    [
        {"negative": 2},
        {"sample": 0.01},
        {"alpha": 0.05},
        {"min_alpha": 0.01},
        {"window": 2},
        {"seed": 2},
    ],
)
def test_every_knob_changes_the_trained_vectors(change: dict[str, Any]) -> None:
    shards = _two_topic_shards(n_docs=100)
    cfg = dataclasses.replace(SMALL, epochs=2)
    base = baseline.train_gensim(shards, WORDS, cfg, evaluate=None).vectors
    changed = dataclasses.replace(cfg, **change)
    other = baseline.train_gensim(shards, WORDS, changed, evaluate=None).vectors
    assert not np.array_equal(base, other)


def test_subsampling_reaches_gensim_with_the_word2vec_keep_probabilities() -> None:
    shards = _zipf_shard(n_docs=200, vocab_size=30, seed=0)
    words = [f"w{i}" for i in range(30)]
    cfg = dataclasses.replace(SMALL, sample=0.01)
    model = baseline.build_model(shards, words, cfg)
    keep, noise = baseline.sampling_probabilities(model, words)
    f = baseline.token_counts(shards, 30) / shards[0][0].size
    expected = np.minimum(1.0, np.sqrt(cfg.sample / f) + cfg.sample / f)
    # gensim stores keep * (2^32 - 1) as uint32: off by at most 2^-32
    np.testing.assert_allclose(keep, expected, rtol=0, atol=1e-9)
    assert keep[0] < 0.5 and keep[-1] == 1.0
    counts = baseline.token_counts(shards, 30).astype(float)
    q = counts**0.75 / np.sum(counts**0.75)  # word2vec's unigram^0.75 noise
    # cum_table is rounded to integers of a 2^31 - 1 domain
    np.testing.assert_allclose(noise, q, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dim": 0}, "dim must be >= 1, got 0"),
        ({"window": 0}, r"baseline.window \(or context_length when it is null\)"),
        ({"negative": 0}, "baseline.negative must be >= 1, got 0"),
        ({"epochs": 0}, "baseline.epochs must be >= 1"),
        ({"threads": 0}, "baseline.threads must be >= 1"),
        ({"sample": 1.0}, r"baseline.sample must be in \[0, 1\)"),
        ({"alpha": 0.0}, "baseline.alpha must be > 0, got 0.0"),
        ({"min_alpha": 0.05}, r"baseline.min_alpha must be in \[0, baseline.alpha"),
        ({"seed": -1}, "seed must be >= 0"),
    ],
)
def test_bad_settings_name_the_key(change: dict[str, Any], message: str) -> None:
    with pytest.raises(QwemConfigError, match=message):
        dataclasses.replace(SMALL, **change)


def test_long_documents_are_cut_into_chunks_of_max_words() -> None:
    long_doc = np.arange(25_000) % 3
    tokens = np.concatenate([long_doc, [2, 1, 0]]).astype(np.uint16)
    offsets = np.array([0, 25_000, 25_003], dtype=np.int64)
    corpus = baseline.token_documents([(tokens, offsets)], ["x", "y", "z"])
    chunks = list(corpus)
    assert [len(c) for c in chunks] == [10_000, 10_000, 5_000, 3]
    assert len(corpus) == 4
    names = np.array(["x", "y", "z"])
    assert [w for c in chunks[:3] for w in c] == names[long_doc].tolist()
    assert chunks[3] == ["z", "y", "x"]
    assert list(corpus) == chunks  # re-iterable: gensim makes one pass per epoch
    starts, lengths = baseline.chunk_bounds(offsets)
    assert starts.tolist() == [0, 10_000, 20_000, 25_000]
    assert lengths.tolist() == [10_000, 10_000, 5_000, 3]


def test_empty_documents_yield_nothing() -> None:
    tokens = np.array([0, 1], dtype=np.uint16)
    offsets = np.array([0, 0, 2, 2], dtype=np.int64)
    corpus = baseline.token_documents([(tokens, offsets)], ["x", "y"])
    assert list(corpus) == [["x", "y"]] and len(corpus) == 1


def test_absent_vocabulary_word_is_named() -> None:
    with pytest.raises(QwemInputError, match=r"1 vocabulary word\(s\) never occur.*zz"):
        baseline.train_gensim(
            _two_topic_shards(n_docs=20), [*WORDS, "zz"], SMALL, evaluate=None
        )


def test_token_id_outside_vocabulary_is_refused() -> None:
    shards = _two_topic_shards(n_docs=20)
    with pytest.raises(QwemInputError, match="id 39 is outside the vocabulary of 30"):
        baseline.train_gensim(shards, WORDS[:30], SMALL, evaluate=None)


# --- the trace -------------------------------------------------------------


def test_trace_has_a_row_per_epoch_and_ends_at_the_returned_vectors() -> None:
    shards = _two_topic_shards(n_docs=100)
    seen: list[NDArray[np.float64]] = []

    def score(W: NDArray[np.float64]) -> float:
        seen.append(W.copy())
        return float(W[0, 0])  # any number that depends on the vectors

    cfg = dataclasses.replace(SMALL, epochs=4)
    run = baseline.train_gensim(shards, WORDS, cfg, evaluate=score)
    trace = run.trace
    assert list(trace.columns) == baseline.TRACE_COLUMNS
    assert trace["epoch"].tolist() == [0, 1, 2, 3, 4] and len(seen) == 5
    assert trace.iloc[0][["seconds", "pair_updates", "effective_words"]].eq(0).all()
    for column in ("seconds", "pair_updates", "effective_words"):
        assert (np.diff(trace[column]) > 0).all(), column
    # the last row scores the returned vectors, the first the initial ones
    np.testing.assert_array_equal(seen[-1], run.vectors)
    assert trace["analogy_accuracy"].iloc[-1] == run.vectors[0, 0]
    assert not np.array_equal(seen[0], run.vectors)
    # sample=0 keeps every token: every epoch trains on the whole corpus
    tokens = sum(t.size for t, _ in shards)
    assert trace["effective_words"].tolist() == [tokens * e for e in range(5)]
    # the same expected pair updates each epoch
    per_epoch = np.diff(trace["pair_updates"])
    np.testing.assert_allclose(per_epoch, per_epoch[0], rtol=1e-12)


def test_trace_seconds_leave_the_evaluation_out() -> None:
    def slow(W: NDArray[np.float64]) -> float:
        time.sleep(0.5)
        return 0.0

    cfg = dataclasses.replace(SMALL, epochs=2)
    start = time.perf_counter()
    run = baseline.train_gensim(_two_topic_shards(n_docs=50), WORDS, cfg, evaluate=slow)
    assert time.perf_counter() - start > 1.5  # three evaluations of 0.5 s
    # training 3,000 tokens twice takes milliseconds; the evaluation between
    # the epochs (0.5 s) would show if it were counted
    assert run.trace["seconds"].iloc[-1] < 0.4


def test_without_an_evaluation_the_accuracy_is_nan() -> None:
    cfg = dataclasses.replace(SMALL, epochs=1)
    run = baseline.train_gensim(_two_topic_shards(50), WORDS, cfg, evaluate=None)
    assert run.trace["analogy_accuracy"].isna().all()


# --- pair updates ----------------------------------------------------------


def _enumerated_pairs(
    docs: list[NDArray[np.int64]],
    keep: NDArray[np.float64],
    noise: NDArray[np.float64],
    window: int,
    negative: int,
) -> float:
    """Expected pair updates by enumerating every keep pattern and window size."""
    total = 0.0
    for doc in docs:
        for mask in itertools.product((False, True), repeat=len(doc)):
            prob = np.prod(np.where(mask, keep[doc], 1 - keep[doc]))
            kept = doc[np.array(mask, dtype=bool)]
            for i, word in enumerate(kept.tolist()):
                for b in range(1, window + 1):
                    contexts = min(b, i) + min(b, len(kept) - 1 - i)
                    per_context = 1 + negative * (1 - noise[word])
                    total += prob * contexts * per_context / window
    return total


@pytest.mark.parametrize("window", [1, 2, 3, 12])
def test_pair_updates_match_an_enumeration(window: int) -> None:
    rng = np.random.default_rng(0)
    keep, noise = rng.uniform(0.2, 1.0, 5), rng.dirichlet(np.ones(5))
    docs = [rng.integers(0, 5, n) for n in (0, 1, 2, 5, 9, 11, 3)]
    tokens = np.concatenate(docs).astype(np.uint16)
    offsets = np.concatenate([[0], np.cumsum([d.size for d in docs])]).astype(np.int64)
    got = baseline.expected_pair_updates(
        [(tokens, offsets)], keep=keep, noise=noise, window=window, negative=3
    )
    want = _enumerated_pairs(docs, keep, noise, window, 3)
    assert got == pytest.approx(want, rel=1e-12)  # float64 sums of ~10^4 terms


def test_pair_updates_without_subsampling_have_a_closed_form() -> None:
    # every token kept: a chunk of n >= L tokens has n (L + 1) - (L + 1)(L + 2) / 3
    # context pairs in expectation over the window sizes
    lengths = np.array([40, 100, 10_000, 25_000])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    tokens = np.zeros(offsets[-1], dtype=np.uint16)
    L = 16
    chunks = np.array([40, 100, 10_000, 10_000, 10_000, 5_000])
    contexts = np.sum(chunks * (L + 1) - (L + 1) * (L + 2) / 3)
    got = baseline.expected_pair_updates(
        [(tokens, offsets)],
        keep=np.ones(1),
        noise=np.full(1, 0.25),
        window=L,
        negative=4,
    )
    assert got == pytest.approx(contexts * (1 + 4 * 0.75), rel=1e-12)


class _PairCounter(CallbackAny2Vec):
    """Pairs of each epoch, read from gensim's loss when every vector is zero.

    With zero vectors every dot product is 0, no update moves them, and every
    positive or negative pair adds the same table value -log sigma(x_498) to
    ``running_training_loss`` (gensim's sigmoid table is indexed by
    int((x + 6) * 83), so x = 0 falls in bin 498, not 500).
    """

    UNIT = -math.log(1 / (1 + math.exp(-(498 / 1000 * 2 - 1) * 6)))

    def __init__(self) -> None:
        self.pairs: list[float] = []
        self.words: list[int] = []
        self.seen = 0

    def on_epoch_end(self, model: Any) -> None:
        self.pairs.append(model.get_latest_training_loss() / self.UNIT)
        model.running_training_loss = 0.0  # float32 sums: keep them short
        self.words.append(model.effective_words - self.seen)
        self.seen = model.effective_words


@pytest.mark.parametrize(("sample", "window"), [(0.0, 1), (0.0, 5), (0.02, 5)])
def test_pair_updates_match_what_gensim_computes(sample: float, window: int) -> None:
    shards = _zipf_shard(n_docs=60, vocab_size=30, seed=1)
    words = [f"w{i}" for i in range(30)]
    cfg = dataclasses.replace(
        SMALL, sample=sample, window=window, negative=4, epochs=100
    )
    model = baseline.build_model(shards, words, cfg)
    model.wv.vectors[:] = 0.0
    counter = _PairCounter()
    model.train(
        baseline.token_documents(shards, words),
        total_examples=model.corpus_count,
        epochs=cfg.epochs,
        callbacks=[counter],
        compute_loss=True,
    )
    keep, noise = baseline.sampling_probabilities(model, words)
    for measured, expected in (
        (
            counter.pairs,
            baseline.expected_pair_updates(
                shards, keep=keep, noise=noise, window=window, negative=4
            ),
        ),
        (counter.words, baseline.expected_effective_words(shards, keep=keep)),
    ):
        values = np.asarray(measured, dtype=np.float64)
        standard_error = values.std() / np.sqrt(values.size)
        # 4 standard errors of the 100-epoch mean, plus 0.1 % for the float32
        # loss sums (0.05 % measured); counting the noise draws that hit the
        # centre word (gensim skips them) would be 3-4 % higher and fail
        tolerance = 4 * standard_error + 1e-3 * expected
        assert abs(values.mean() - expected) < tolerance, (values.mean(), expected)


def test_the_trace_counts_the_expected_pair_updates() -> None:
    shards = _zipf_shard(n_docs=60, vocab_size=30, seed=1)
    words = [f"w{i}" for i in range(30)]
    cfg = dataclasses.replace(SMALL, sample=0.02, epochs=3)
    model, trace = baseline.fit_gensim(shards, words, cfg, evaluate=None)
    keep, noise = baseline.sampling_probabilities(model, words)
    per_epoch = baseline.expected_pair_updates(
        shards, keep=keep, noise=noise, window=cfg.window, negative=cfg.negative
    )
    np.testing.assert_allclose(trace["pair_updates"], np.arange(4) * per_epoch)


# --- command line ----------------------------------------------------------


def _write_inputs(tmp_path: Path) -> list[str]:
    """vocab.tsv and two shards under tmp_path; the CLI's input arguments."""
    shards = _two_topic_shards(n_docs=100)
    counts = np.bincount(np.concatenate([t for t, _ in shards]), minlength=V)
    table = pd.DataFrame({"word": WORDS, "count": counts})
    vocab.write_vocabulary(table, tmp_path / "vocab.tsv")
    for k, (tokens, offsets) in enumerate(shards):
        save_npy(tmp_path / f"tok-{k}.npy", tokens)
        save_npy(tmp_path / f"off-{k}.npy", offsets)
    return [str(tmp_path / "tok-0.npy"), str(tmp_path / "tok-1.npy"), "--offsets"]


SETTINGS = ["--dim", "8", "--window", "3", "--negative", "4", "--sample", "0"]
SETTINGS += ["--alpha", "0.03", "--min-alpha", "0.001", "--epochs", "3"]
SETTINGS += ["--seed", "2", "--threads", "1"]


@pytest.fixture
def with_baseline_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """``qwem baseline`` registered until cli/__init__.py lists it itself."""
    if cli_baseline not in qwem.cli.STAGES:
        monkeypatch.setattr(qwem.cli, "STAGES", (*qwem.cli.STAGES, cli_baseline))


def _outputs(tmp_path: Path) -> list[str]:
    return [
        *("--out-npy", str(tmp_path / "out/W.npy")),
        *("--out-w2v", str(tmp_path / "out/W.w2v.txt")),
        *("--out-trace", str(tmp_path / "out/gensim/checkpoints.csv")),
    ]


@pytest.mark.usefixtures("with_baseline_cli")
def test_cli_writes_npy_meta_word2vec_and_trace(tmp_path: Path) -> None:
    from gensim.models import KeyedVectors

    argv = ["baseline", "gensim", *_write_inputs(tmp_path)]
    argv += [str(tmp_path / "off-0.npy"), str(tmp_path / "off-1.npy")]
    argv += ["--vocab", str(tmp_path / "vocab.tsv"), *SETTINGS, *_outputs(tmp_path)]
    assert qwem.cli.main(argv) == 0
    W = np.load(tmp_path / "out/W.npy")
    assert W.shape == (V, 8) and W.dtype == np.float64
    meta = json.loads((tmp_path / "out/W.npy.meta.json").read_text())
    want = {"window": 3, "negative": 4, "sample": 0.0, "alpha": 0.03}
    assert want.items() <= meta["params"].items() and meta["shape"] == [V, 8]
    assert meta["params"]["min_alpha"] == 0.001 and meta["params"]["epochs"] == 3
    kv = KeyedVectors.load_word2vec_format(str(tmp_path / "out/W.w2v.txt"))
    assert kv.index_to_key == WORDS
    # 9 significant digits written, gensim reads float32
    np.testing.assert_allclose(kv.vectors, W, rtol=1e-6, atol=1e-7)
    trace = pd.read_csv(tmp_path / "out/gensim/checkpoints.csv")
    assert list(trace.columns) == baseline.TRACE_COLUMNS
    assert trace["epoch"].tolist() == [0, 1, 2, 3]
    # no analogy question has its four words among a00 ... b39
    assert trace["analogy_accuracy"].isna().all()
    assert (tmp_path / "out/gensim/checkpoints.csv.meta.json").exists()


@pytest.mark.usefixtures("with_baseline_cli")
def test_cli_refuses_min_alpha_above_alpha_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["baseline", "gensim", *_write_inputs(tmp_path)]
    argv += [str(tmp_path / "off-0.npy"), str(tmp_path / "off-1.npy")]
    argv += ["--vocab", str(tmp_path / "vocab.tsv"), *SETTINGS, *_outputs(tmp_path)]
    argv[argv.index("--min-alpha") + 1] = "0.1"
    assert qwem.cli.main(argv) == 2
    assert "baseline.min_alpha must be in [0, baseline.alpha" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("with_baseline_cli")
def test_cli_refuses_unpaired_offsets_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["baseline", "gensim", *_write_inputs(tmp_path), str(tmp_path / "off-0.npy")]
    argv += ["--vocab", str(tmp_path / "vocab.tsv"), *SETTINGS, *_outputs(tmp_path)]
    assert qwem.cli.main(argv) == 2
    assert "2 token shards but 1 offsets files" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
