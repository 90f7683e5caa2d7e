"""A changed byte in a token shard: a clear failure, advice that works, and an
identical rebuild (issue 17: every intermediate file is verified on read).

The shard keeps a valid token id, so only its digest tells the change. The
reading job (forced here, as a configuration change would) fails with exit 1
and the one-line qwem error in its log; following the advice the error gives
rebuilds the shard and everything made from it, bit for bit as before.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from conftest import SnakemakeRunner, flip_byte

pytestmark = pytest.mark.workflow

SHARD = "results/tiny/corpus/tokens/part-bundled-sample.npy"
# results that depend on the shard and that the rebuild must reproduce
PRODUCTS = (
    "corpus/tokens/part-bundled-sample.npy",
    "stats/M_star.npy",
    "stats/P_ij.npy",
    "closed_form/M_star.eig.npz",
    "train/qwem_small/W.npy",
)


def _content(path: Path) -> object:
    """A file's bytes; an ``.npz``'s arrays (its meta record holds timings)."""
    if path.suffix == ".npz":
        with np.load(path) as z:
            return {k: z[k].tobytes() for k in z.files if k != "meta"}
    return path.read_bytes()


def test_flipped_token_shard_fails_clearly_and_the_advice_rebuilds_it(
    tiny_copy: tuple[Path, SnakemakeRunner],
) -> None:
    workdir, run = tiny_copy
    config = ("--configfile", str(workdir / "tiny.yaml"))
    results = workdir / "results/tiny"
    before = {f: _content(results / f) for f in PRODUCTS}
    shard = workdir / SHARD
    flip_byte(shard, 2)  # the last id's low byte: still a valid id
    assert int(np.load(shard).max()) < 300

    proc = run(*config, "--forcerun", "cooccur_count", check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    log = (results / "logs/cooccur_count/bundled-sample.log").read_text()
    error = log.strip().splitlines()[-1]
    assert error.startswith(f"qwem: error: {SHARD}: contents changed after rule ")
    assert "vocab_tokenize (qwem vocab tokenize)" in error
    advice = re.search(r"'(snakemake [^']*)'", error)
    assert advice and advice[1] == f"snakemake --forcerun {SHARD}", error

    # after the failed job a plain rerun would plan the shard too, but not
    # after a failure elsewhere (a deleted intermediate whose results are
    # current plans nothing: test_reruns): the advice's --forcerun does both
    shard.unlink()
    assert "vocab_tokenize" in run(*config, "--dry-run").stdout
    run(*config, *advice[1].split()[1:])
    after = {f: _content(results / f) for f in PRODUCTS}
    assert after == before
    assert "Nothing to be done" in run(*config, "--dry-run").stdout
