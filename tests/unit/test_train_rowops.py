"""The sequential engine's compiled loop against its interpreted source.

``NUMBA_DISABLE_JIT=1`` runs the same functions as plain Python (libm's exp
and log1p, NumPy's IEEE float64 arithmetic, the documented summation order
of :func:`qwem.train.rowops.dot`). In float64 the compiled loop must give the
same bits: a reassociated (fastmath) dot product or a fused multiply-add in
the row update would not. float32 (fastmath, gensim's precision) must stay
within float32 rounding of float64.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

# 300 slots of word2vec's scheme (same-centre negatives) and of Setting 3.1
# (uniform negatives, a pair factor) on a Zipf corpus, d = 19 (not a multiple
# of the dot product's 8 lanes), 3 negatives per slot
SCRIPT = """
import sys, numpy as np, torch, warnings
warnings.simplefilter("ignore")  # uint64 wrap-around in the interpreted generator
from qwem import cooccur, targets
from qwem.train import loop
from qwem.train.config import TrainConfig
out, dtypes = sys.argv[1], sys.argv[2:]
rng = np.random.default_rng(3)
p = 1.0 / np.arange(1, 13)
docs = [rng.choice(12, int(rng.integers(4, 30)), p=p / p.sum()) for _ in range(25)]
docs.append(np.arange(12))
tokens = np.concatenate(docs).astype(np.uint16)
offsets = np.cumsum([0] + [d.size for d in docs]).astype(np.int64)
counts = cooccur.count(tokens, offsets, vocab_size=12, context_length=3,
                       weighting="linear", max_memory_mb=1e6, method="auto")
p_i = targets.unigram_probs(counts.unigram)
corpus = loop.Corpus(tokens, offsets, p_i, targets.pair_probs(counts), 3, "linear")
results = {}
for scheme, loss in (("sgns", "sgns"), ("omniscient", "qwem")):
    for dtype in dtypes:
        cfg = TrainConfig.from_dict({"loss": loss, "reweighting": scheme,
            "init": 0.5, "lr": 1.0, "batch_size": 300, "steps": 1, "dim": 19,
            "seed": 9, "engine": "sequential", "negative_samples": 3,
            "subsample": 0.05, "dtype": dtype, "name": "ref"})
        tdtype = torch.float64 if dtype == "float64" else torch.float32
        step, _, _ = loop.engine(corpus, cfg, torch.device("cpu"), tdtype)
        W = loop.initial_embedding(cfg, 12).to(tdtype).numpy()
        losses = [step.stream.run(W, W, 0.05, 100) for _ in range(3)]
        key = f"{scheme}-{dtype}"
        results.update({f"{key}-W": W, f"{key}-losses": np.array(losses),
                        f"{key}-cursor": step.stream.cursor,
                        f"{key}-rng": step.stream.rng})
np.savez(out, **results)
"""

SCHEMES = ("sgns", "omniscient")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The loop's results compiled (float64, float32) and interpreted (float64)."""
    tmp = tmp_path_factory.mktemp("rowops")
    out = {}
    for mode, dtypes in (("jit", ["float64", "float32"]), ("python", ["float64"])):
        env = {**os.environ, "NUMBA_DISABLE_JIT": "0" if mode == "jit" else "1"}
        path = tmp / f"{mode}.npz"
        subprocess.run(
            [sys.executable, "-c", SCRIPT, str(path), *dtypes],
            env=env,
            check=True,
            timeout=300,
        )
        with np.load(path) as z:
            out[mode] = {k: z[k] for k in z.files}
    return out


@pytest.mark.parametrize("scheme", SCHEMES)
def test_compiled_float64_loop_gives_the_interpreted_bits(
    runs: dict[str, dict], scheme: str
) -> None:
    compiled, python = runs["jit"], runs["python"]
    for key in ("cursor", "rng", "losses"):
        name = f"{scheme}-float64-{key}"
        np.testing.assert_array_equal(compiled[name], python[name], err_msg=name)
    W = compiled[f"{scheme}-float64-W"]
    assert W.tobytes() == python[f"{scheme}-float64-W"].tobytes()
    assert np.abs(W).max() > 0.1  # the rows did move


@pytest.mark.parametrize("scheme", SCHEMES)
def test_float32_loop_follows_float64(runs: dict[str, dict], scheme: str) -> None:
    jit = runs["jit"]
    # the same draws (the cursor), and W within float32 rounding
    np.testing.assert_array_equal(
        jit[f"{scheme}-float32-cursor"], jit[f"{scheme}-float64-cursor"]
    )
    np.testing.assert_allclose(
        jit[f"{scheme}-float32-W"], jit[f"{scheme}-float64-W"], rtol=0, atol=1e-5
    )
