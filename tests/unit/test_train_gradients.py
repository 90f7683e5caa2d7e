"""What the samplers and engines learn, not what they restate.

The population gradient of the training objective is written here directly
from its definition (docs/method.md, "Models"):

    ∇L = 2 C W,  C_ij = P_ij Ψ+_ij ℓ+'(x_ij) + ν P_i P_j Ψ-_ij ℓ-'(x_ij),

with Ψ spelled out per scheme below (not taken from :mod:`qwem.train.psi`),
and P_i, P_ij from the counter. Each engine's sampled gradient must average to
it, for every scheme and both negative weights; a formula with a wrong
weight (e.g. word2vec's keep probabilities left unnormalised, negatives
without the subsampling of their centre, ν ignored) fails these tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
from numpy.typing import NDArray

from qwem import cooccur, targets
from qwem.train import loop, minibatch, psi, sequential, slots
from qwem.train.config import TrainConfig

L = 3
T_SUB = 0.02  # subsampling t: frequent words of the tiny corpus are thinned
SCHEMES = ("unigram", "omniscient", "sgns")
F64 = NDArray[np.float64]


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _zipf_docs(V: int = 8, n_docs: int = 30, seed: int = 1) -> list[list[int]]:
    """Documents of 3..40 tokens, word k drawn with probability ∝ 1 / (k + 1)
    (so subsampling matters), plus one document holding every word."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, V + 1)
    docs = [
        rng.choice(V, int(rng.integers(3, 41)), p=p / p.sum()).tolist()
        for _ in range(n_docs)
    ]
    return [*docs, list(range(V))]


def _stream(docs: list[list[int]]) -> tuple[NDArray[np.uint16], NDArray[np.int64]]:
    tokens = np.array([t for doc in docs for t in doc], dtype=np.uint16)
    offsets = np.cumsum([0] + [len(doc) for doc in docs], dtype=np.int64)
    return tokens, offsets


def _corpus(docs: list[list[int]], V: int) -> loop.Corpus:
    tokens, offsets = _stream(docs)
    counts = cooccur.count(
        tokens,
        offsets,
        vocab_size=V,
        context_length=L,
        weighting="linear",
        max_memory_mb=1e6,
        method="auto",
    )
    p_i = targets.unigram_probs(counts.unigram)
    return loop.Corpus(tokens, offsets, p_i, targets.pair_probs(counts), L, "linear")


def _definition_psi(scheme: str, p_i: F64, p_ij: F64, nu: float) -> tuple[F64, F64]:
    """(Ψ+, Ψ-) from their definitions, as dense (V, V) arrays."""
    V = p_i.size
    if scheme == "unigram":  # (P_i / mean P)^-1 (P_j / mean P)^-1
        u = 1.0 / (p_i / p_i.mean())
        return np.outer(u, u), np.outer(u, u)
    if scheme == "omniscient":  # Setting 3.1: mean(G) / G, G = P_ij + ν P_i P_j
        G = p_ij + nu * np.outer(p_i, p_i)
        return G.mean() / G, G.mean() / G
    # word2vec: keep probability a (centre of every pair, context of positives),
    # negatives from P^(3/4) (weight n = P^(3/4) / P against P); both / mean
    a = np.minimum(1.0, np.sqrt(T_SUB / p_i) + T_SUB / p_i)
    a_bar, n = a / a.mean(), p_i**0.75 / p_i
    n_bar = n / n.mean()
    assert a_bar.size == V
    return np.outer(a_bar, a_bar), 0.5 * (
        np.outer(a_bar, n_bar) + np.outer(n_bar, a_bar)
    )


def _exact_gradient(
    W: F64, corpus: loop.Corpus, scheme: str, loss: str, nu: float
) -> F64:
    p_i, p_ij = corpus.p_i, np.asarray(corpus.p_ij)
    plus, minus = _definition_psi(scheme, p_i, p_ij, nu)
    X = W @ W.T
    sig = 1.0 / (1.0 + np.exp(-X))
    d_pos, d_neg = (-1 + X / 2, 1 + X / 2) if loss == "qwem" else (sig - 1, sig)
    C = p_ij * plus * d_pos + nu * np.outer(p_i, p_i) * minus * d_neg
    return 2.0 * C @ W


def _cfg(scheme: str, loss: str, nu: float, **kw: object) -> TrainConfig:
    base: dict[str, object] = {
        "loss": loss,
        "reweighting": scheme,
        "negative_weight": nu,
        "init": 0.5,
        "lr": ((0, 1.0),),
        "batch_size": 2000,
        "steps": 1,
        "dim": 3,
        "seed": 5,
        "device": "cpu",
        "subsample": T_SUB,
        "trace_every": 100,
        "trace_log_points": 0,
        "checkpoints": 12,
        "state_every": 1000,
        "name": "grad",
    }
    return TrainConfig.from_dict({**base, **kw})


def _sequential_gradients(
    corpus: loop.Corpus, cfg: TrainConfig, W: F64, batches: int, slots: int
) -> F64:
    """(batches, V, d): the sequential engine's mean gradient per slot over
    consecutive batches of ``slots`` slots, W held fixed."""
    step_fn, _, _ = loop.engine(corpus, cfg, torch.device("cpu"), torch.float64)
    stream = step_fn.stream
    assert stream is not None
    out = np.empty((batches, *W.shape))
    for b in range(batches):
        D = np.zeros_like(W)
        stream.run(W, D, -1.0, slots)  # rate -1: D collects the gradient
        out[b] = D / slots
    return out


def _minibatch_gradients(
    corpus: loop.Corpus, cfg: TrainConfig, W: F64, batches: int
) -> F64:
    """(batches, V, d): sampled minibatch gradients at a fixed W."""
    psi_, sampler = loop.sampling(corpus, cfg, torch.device("cpu"), torch.float64)
    gen = torch.Generator().manual_seed(11)
    Wt = torch.as_tensor(W)
    return np.stack(
        [
            minibatch.batch_gradient(Wt, sampler, psi_, cfg, gen)[0].numpy()
            for _ in range(batches)
        ]
    )


ENGINES = ("sequential", "sequential-3-negatives", "minibatch", "minibatch-shared")


@pytest.mark.parametrize("nu", [1.0, 2.0])
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("engine", ENGINES)
def test_mean_sampled_gradient_is_the_population_gradient(
    engine: str, scheme: str, nu: float
) -> None:
    """Every entry of the mean within 5 standard errors of the exact gradient
    (5 σ: with 8 x 3 entries and 36 cases a false alarm has odds ~1e-5), and
    precise enough that a 25 % error in the negatives' weight is > 10 σ off."""
    docs = _zipf_docs()
    corpus = _corpus(docs, 8)
    loss = "sgns" if scheme == "sgns" else "qwem"
    W = np.random.default_rng(2).standard_normal((8, 3)) * 0.5
    if engine.startswith("sequential"):
        k = 3 if engine.endswith("negatives") else 1
        cfg = _cfg(scheme, loss, nu, engine="sequential", negative_samples=k)
        grads = _sequential_gradients(corpus, cfg, W, batches=200, slots=20_000)
    else:
        shared = 4 if engine == "minibatch-shared" else 0
        cfg = _cfg(scheme, loss, nu, shared_negatives=shared, batch_size=8000)
        grads = _minibatch_gradients(corpus, cfg, W, batches=1500)
    mean = grads.mean(0)
    se = grads.std(0, ddof=1) / np.sqrt(grads.shape[0])
    exact = _exact_gradient(W, corpus, scheme, loss, nu)
    z = np.abs(mean - exact) / se
    assert z.max() < 5.0, f"max z = {z.max():.1f}"
    off = _exact_gradient(W, corpus, scheme, loss, 1.25 * nu)
    assert (np.abs(off - exact) / se).max() > 10.0


def test_the_old_word2vec_weights_are_detectably_wrong() -> None:
    """The same comparison has the power to reject the weights the trainer
    used before: keep probabilities a_i a_j unnormalised on positives,
    negatives weighted 1 against P_i Q_j (their centre never thinned)."""
    corpus = _corpus(_zipf_docs(), 8)
    p_i, p_ij = corpus.p_i, np.asarray(corpus.p_ij)
    W = np.random.default_rng(2).standard_normal((8, 3)) * 0.5
    a = np.minimum(1.0, np.sqrt(T_SUB / p_i) + T_SUB / p_i)
    q = p_i**0.75 / (p_i**0.75).sum()
    X = W @ W.T
    sig = 1.0 / (1.0 + np.exp(-X))
    old = 2.0 * (p_ij * np.outer(a, a) * (sig - 1) + np.outer(p_i, q) * sig) @ W
    cfg = _cfg("sgns", "sgns", 1.0, engine="sequential")
    grads = _sequential_gradients(corpus, cfg, W, batches=200, slots=20_000)
    se = grads.std(0, ddof=1) / np.sqrt(grads.shape[0])
    assert (np.abs(grads.mean(0) - old) / se).max() > 10.0


@pytest.mark.parametrize("nu", [1.0, 2.0])
def test_sgns_weights_have_the_defined_totals_of_comparable_size(nu: float) -> None:
    """With every row of W equal to v, x = |v|² for every pair, and a slot's
    expected QWEM loss is S+ (-x + x²/4) + S- (x + x²/4), S+ = sum P_ij Ψ+,
    S- = ν sum P_i P_j Ψ-: two values of x give both totals. They match the
    definitions and are both O(1) (the old positives summed to ~0.04)."""
    corpus = _corpus(_zipf_docs(), 8)
    p_i, p_ij = corpus.p_i, np.asarray(corpus.p_ij)
    plus, minus = _definition_psi("sgns", p_i, p_ij, nu)
    totals = np.array([(p_ij * plus).sum(), nu * (np.outer(p_i, p_i) * minus).sum()])
    cfg = _cfg("sgns", "qwem", nu, engine="sequential")
    step_fn, _, _ = loop.engine(corpus, cfg, torch.device("cpu"), torch.float64)
    assert step_fn.stream is not None
    rows, slots = [], 2_000_000
    for x in (1.0, 2.0):
        W = np.full((8, 3), np.sqrt(x / 3))
        loss, _ = step_fn.stream.run(W, np.zeros_like(W), 0.0, slots)
        rows.append((loss / slots, [-x + x * x / 4, x + x * x / 4]))
    mean_loss = np.array([r[0] for r in rows])
    S = np.linalg.solve(np.array([r[1] for r in rows]), mean_loss)
    # 3 %: the Monte Carlo error of 2e6 correlated slots (measured ~0.5 %)
    np.testing.assert_allclose(S, totals, rtol=0.03)
    assert np.all((totals > 0.1) & (totals < 10))


def test_psi_module_matches_the_definitions() -> None:
    corpus = _corpus(_zipf_docs(), 8)
    p_i, p_ij = corpus.p_i, np.asarray(corpus.p_ij)
    for scheme in SCHEMES:
        for nu in (1.0, 2.0):
            f = psi.psi_factors(scheme, p_i, p_ij, negative_weight=nu, subsample=T_SUB)
            plus, minus = _definition_psi(scheme, p_i, p_ij, nu)
            np.testing.assert_allclose(f.positive(), plus, rtol=1e-12)
            np.testing.assert_allclose(f.negative(), minus, rtol=1e-12)


@pytest.mark.parametrize("loss", ["qwem", "sgns"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_kappa_gives_the_top_modes_growth_rate(loss: str, scheme: str) -> None:
    """Full-batch gradient descent from small W grows its top mode as
    exp(lr κ λ_1(M*) s): κ is measured, not assumed. Under Setting 3.1 with
    the QWEM loss, κ = mean(G) exactly."""
    corpus = _corpus(_zipf_docs(), 8)
    p_i, p_ij = corpus.p_i, np.asarray(corpus.p_ij)
    f = psi.psi_factors(scheme, p_i, p_ij, negative_weight=1.0, subsample=T_SUB)
    kappa = psi.kappa(loss=loss, p_ij=p_ij, p_i=p_i, psi=f, negative_weight=1.0)
    lam1 = np.linalg.eigvalsh(targets.m_star(p_ij, p_i, p_i, 1.0))[-1]
    if loss == "qwem" and scheme == "omniscient":
        G = p_ij + np.outer(p_i, p_i)
        assert kappa == pytest.approx(G.mean(), rel=1e-12)
    W = np.random.default_rng(0).standard_normal((8, 3)) * 1e-8
    lr = 0.01 / (kappa * lam1)
    norms = []
    for _ in range(1200):  # W grows e^12-fold: still far below O(1)
        W = W - lr * _exact_gradient(W, corpus, scheme, loss, 1.0)
        norms.append(np.linalg.norm(W, 2))
    # the top singular value's growth per step, once the top mode dominates
    rate = np.log(norms[-1] / norms[-601]) / 600
    # discrete steps: exp growth per step is log(1 + lr μ) = lr μ (1 - 0.005)
    assert rate == pytest.approx(np.log1p(lr * kappa * lam1), rel=0.01)


@pytest.mark.parametrize(("scheme", "loss"), [("omniscient", "qwem"), ("sgns", "sgns")])
def test_sequential_engine_learns_the_top_eigenspace_of_m_star(
    scheme: str, loss: str
) -> None:
    """word2vec's loop from small init, on documents of four disjoint topics
    (M* has three large eigenvalues, then a gap of 14x), ends in M*'s top-3
    eigenspace: QWEM with Setting 3.1 weights at singular values √λ_k (it is
    PCA of M*), word2vec's own loss and weights in the same subspace
    (measured: overlap 0.9999 and 0.993)."""
    sizes, n_docs = (5, 4, 3, 2), 40
    rng = np.random.default_rng(0)
    starts = np.cumsum([0, *sizes])
    docs = []
    for d in range(n_docs):
        topic = d % len(sizes)
        n = int(rng.integers(5, 16))
        docs.append((starts[topic] + rng.integers(0, sizes[topic], n)).tolist())
    V = int(starts[-1])
    corpus = _corpus(docs, V)
    p_i, p_ij = corpus.p_i, np.asarray(corpus.p_ij)
    lam, U = np.linalg.eigh(targets.m_star(p_ij, p_i, p_i, 1.0))
    lam, U = lam[::-1], U[:, ::-1]
    assert lam[2] > 10 * lam[3]
    cfg = _cfg(scheme, loss, 1.0, engine="sequential", init=1e-6, dim=3)
    step_fn, _, kappa = loop.engine(corpus, cfg, torch.device("cpu"), torch.float64)
    assert step_fn.stream is not None
    lr = 0.2 / kappa / lam[0]  # t grows by lr κ = 0.2 / λ_1 per step
    W = loop.initial_embedding(cfg, V).numpy()
    for k in range(700):  # t = 122 / λ_1, about 4 τ_3 from u(0) ~ 1e-12
        rate = lr * (1.0 if k < 600 else 0.1)  # then quieter, for the noise
        step_fn.stream.run(W, W, rate / 1000, 1000)
    Ud, s, _ = np.linalg.svd(W, full_matrices=False)
    assert np.linalg.norm(U[:, :3].T @ Ud) ** 2 / 3 > 0.95
    if loss == "qwem":  # 2 %: SGD noise at the final rate (measured 0.3 %)
        np.testing.assert_allclose(s, np.sqrt(lam[:3]), rtol=0.02)


def test_alias_tables_draw_their_distribution() -> None:
    p = np.array([0.5, 0.0, 0.2, 0.3])
    prob, alias = slots.alias_table(p)
    # exact law of the table: P(k) = (prob_k + sum_{alias_m = k} (1 - prob_m)) / n
    exact = prob.copy()
    np.add.at(exact, alias, 1.0 - prob)
    np.testing.assert_allclose(exact / p.size, p, atol=1e-15)


def test_window_distribution_gives_the_distance_weights() -> None:
    for weighting in ("linear", "flat"):
        pb = slots.window_distribution(5, weighting)
        w = cooccur.distance_weights(5, weighting)[1:]
        np.testing.assert_allclose(np.cumsum(pb[::-1])[::-1], w / w[0])


def test_each_pass_visits_the_documents_in_a_new_order() -> None:
    orders = []
    for passes in (0, 1, 0):
        order = np.empty(50, dtype=np.int64)
        sequential.shuffle_documents(order, 7, passes)
        assert sorted(order.tolist()) == list(range(50))  # a permutation
        orders.append(order)
    assert np.array_equal(orders[0], orders[2])  # a function of (seed, pass)
    assert not np.array_equal(orders[0], orders[1])


def test_kappa_eigensolve_gives_the_same_value_every_call() -> None:
    """Same inputs, same κ: the top eigenvalue does not depend on how many
    eigensolves ran before it in the process (ARPACK's own start vector does)."""
    from qwem.train.psi import top_eigenvalue

    rng = np.random.default_rng(0)
    M = rng.standard_normal((300, 300))
    M = M + M.T
    values = {top_eigenvalue(M) for _ in range(4)}
    assert len(values) == 1
    assert abs(values.pop() - np.linalg.eigvalsh(M)[-1]) < 1e-9
