"""``qwem evaluate``: Table 1 benchmarks, bootstrap, MEN, concepts, agreement.

Embeddings are word2vec text files or eigenpairs ``.npz`` (whose rows follow
``--vocab``); the work is :mod:`qwem.evaluate.jobs` and every CSV carries the
command line in its ``.meta.json`` sidecar.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qwem.cli.common import (
    actions,
    add_command,
    input_arg,
    named_path,
    opt_str,
    params_of,
    pick,
    required,
    vocab_and_questions,
)


def cmd_table(a: argparse.Namespace) -> None:
    from qwem.evaluate.jobs import benchmark_files

    keys = ("vocab", "questions", "men", "out", "analogies_out", "similarity_out")
    opts = pick(a, *keys, "questions_out", "pairs_out")
    table = benchmark_files(a.embedding, params=params_of(a), **opts)
    print(table.to_string(index=False))


def cmd_bootstrap(a: argparse.Namespace) -> None:
    from qwem.evaluate.jobs import bootstrap_files

    keys = ("resamples", "level", "seed", "reference", "out", "paired_out")
    intervals = bootstrap_files(
        a.questions, a.pairs, params=params_of(a), **pick(a, *keys)
    )
    print(intervals.to_string(index=False))


def cmd_fetch_men(a: argparse.Namespace) -> None:
    from qwem.evaluate.men import fetch_men

    fetch_men(
        a.url, a.out, timeout_s=a.timeout, **pick(a, "member", "sha256", "retries")
    )


def cmd_concepts(a: argparse.Namespace) -> None:
    from qwem.evaluate.jobs import concepts_file

    keys = ("vocab", "directions", "top", "among", "out")
    table = concepts_file(a.input, params=params_of(a), **pick(a, *keys))
    print(table.head(2 * a.top).to_string(index=False))


def cmd_agreement(a: argparse.Namespace) -> None:
    from qwem.evaluate.jobs import agreement_files

    keys = ("vocab", "dims", "modes", "out", "subspace_out")
    table = agreement_files(a.embedding, params=params_of(a), **pick(a, *keys))
    print(table.to_string(index=False))


def _embeddings(p: argparse.ArgumentParser, help_: str) -> None:
    p.add_argument(
        "--embedding",
        type=named_path,
        action="append",
        required=True,
        metavar="NAME=PATH",
        help=f"{help_}; repeatable",
    )


def register(stages: Any) -> None:
    """Add ``qwem evaluate ...``."""
    ev = actions(stages, "evaluate", "benchmarks, bootstrap, concepts, agreement")
    p = add_command(ev, "table", cmd_table, "Table 1: analogies (a, b), WS-353, ...")
    _embeddings(p, "word2vec text file or eigenpairs .npz")
    vocab_and_questions(p)
    p.add_argument("--men", type=opt_str, help="MEN file; 'none' or absent: NaN")
    p.add_argument("--out", type=Path, help="Table 1 as CSV")
    p.add_argument("--analogies-out", type=Path, help="per-category accuracies")
    p.add_argument("--similarity-out", type=Path, help="similarity rows per model")
    p.add_argument(
        "--questions-out",
        type=Path,
        help="every analogy question's outcome per model (.csv or .csv.gz); "
        "needs every model to have the same questions (one --vocab)",
    )
    p.add_argument("--pairs-out", type=Path, help="every pair's cosine per model")

    p = add_command(ev, "bootstrap", cmd_bootstrap, "bootstrap intervals, paired")
    # --questions-out, --pairs-out of table; intervals (long CSV), differences
    required(p, Path, "questions", "pairs", "out", "paired-out")
    required(p, str, "reference")
    required(p, int, "resamples", "seed")
    required(p, float, "level")

    p = add_command(ev, "fetch-men", cmd_fetch_men, "download the MEN similarity set")
    p.add_argument("--url", required=True, help="http(s)://, file:// or a path")
    p.add_argument("--member", type=opt_str, help="file inside a .tar.gz / .zip")
    p.add_argument("--sha256", type=opt_str, help="expected digest of the download")
    # not in the config: short on purpose (offline -> an empty MEN, reported)
    p.add_argument("--retries", type=int, default=1)
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per request")
    p.add_argument("--out", type=Path, required=True)

    p = add_command(ev, "concepts", cmd_concepts, "top words of eigen/PCA directions")
    input_arg(p, "eigenpairs .npz (eigenvectors) or word2vec file (PCA directions)")
    p.add_argument("--vocab", type=Path, help="vocab.tsv (needed for .npz)")
    required(p, int, "directions", "top", "among")  # top: words per side
    required(p, Path, "out")

    p = add_command(ev, "agreement", cmd_agreement, "subspace and vector overlaps")
    _embeddings(p, "word2vec file or eigenpairs .npz (at least two)")
    p.add_argument("--vocab", type=Path, help="vocab.tsv (needed for .npz)")
    p.add_argument("--dims", type=int, nargs="+", required=True, help="subspace d")
    p.add_argument("--modes", type=int, required=True, help="k of the k x k matrix")
    required(p, Path, "out", "subspace-out")  # out: (v_i . v~_j)^2, long
