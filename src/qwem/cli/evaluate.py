"""``qwem evaluate``: Table 1 benchmarks, concepts, agreement, random-matrix tables.

Embeddings are word2vec text files (any, not only the pipeline's); eigenpairs
are the ``.npz`` of ``qwem spectral solve --eig`` (arrays ``values``,
``vectors``), whose rows follow ``--vocab``. Every CSV is written atomically
with a ``.meta.json`` sidecar recording the command's parameters.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qwem.cli.common import actions, add_command, opt_str

logger = logging.getLogger(__name__)

Embedding = tuple[NDArray[np.float64], list[str]]


def named_path(text: str) -> tuple[str, Path]:
    """``NAME=PATH`` (or ``PATH``, named after the file up to its first dot)."""
    name, sep, path = text.partition("=")
    if not sep:
        name, path = Path(text).name.split(".")[0], text
    if not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return name, Path(path)


def load_embedding(path: Path, vocab: Path | None) -> Embedding:
    """(W, words) of a word2vec text file or an eigenpairs ``.npz``.

    An ``.npz`` gives W = U Λ^{1/2} over its positive eigenvalues and needs
    ``vocab`` for its words; a word2vec file is put in vocabulary order and
    restricted to it when ``vocab`` is given.
    """
    from qwem.evaluate import restrict_to_vocabulary
    from qwem.io import read_word2vec
    from qwem.vocab import read_vocabulary

    if path.suffix == ".npz":
        from qwem.rmt import eigen_embedding

        values, vectors, words = load_eigenpairs(path, vocab)
        return eigen_embedding(values, vectors), words
    words, W = read_word2vec(path)
    if vocab is not None:
        kept, words = restrict_to_vocabulary(W, words, read_vocabulary(vocab))
        W = np.asarray(kept, dtype=np.float64)
    logger.info("%s: %d words, dimension %d", path, W.shape[0], W.shape[1])
    return W, words


def load_eigenpairs(
    path: Path, vocab: Path | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], list[str]]:
    """(values, vectors, words) of an eigenpairs ``.npz`` and its vocabulary."""
    from qwem.errors import QwemInputError
    from qwem.vocab import read_vocabulary

    if vocab is None:
        raise QwemInputError(f"{path}: eigenpairs carry no words; pass --vocab")
    try:
        with np.load(path, allow_pickle=False) as z:
            values = np.asarray(z["values"], np.float64)
            vectors = np.asarray(z["vectors"], np.float64)
    except (OSError, KeyError, ValueError) as exc:
        raise QwemInputError(
            f"{path}: not an eigenpairs .npz with 'values' and 'vectors' ({exc}); "
            "rerun qwem spectral solve"
        ) from exc
    words = read_vocabulary(vocab)
    if vectors.shape[0] != len(words):
        raise QwemInputError(
            f"{path}: {vectors.shape[0]} rows but {vocab} has {len(words)} words; "
            "pass the vocabulary the target was built on"
        )
    return values, vectors, words


def write_csv(table: Any, path: Path, a: argparse.Namespace) -> None:
    """Write ``table`` atomically, with the command's parameters as a sidecar."""
    from qwem.io import atomic_text, write_meta

    with atomic_text(path) as fh:  # gzip-compressed when the name ends in .gz
        table.to_csv(fh, index=False, lineterminator="\n")
    params = {k: v for k, v in vars(a).items() if k != "func"}
    write_meta(path, params, rows=len(table))
    logger.info("wrote %s (%d rows)", path, len(table))


def cmd_table(a: argparse.Namespace) -> None:
    import pandas as pd

    from qwem import evaluate

    questions = evaluate.load_analogies(a.questions)
    similarity = evaluate.similarity_benchmarks(a.men)
    results = {}
    for name, path in a.embedding:
        W, words = load_embedding(path, a.vocab)
        results[name] = evaluate.model_benchmarks(
            W, words, questions=questions, similarity=similarity
        )
    table = pd.DataFrame([{"model": m, **r.row()} for m, r in results.items()])
    print(table.to_string(index=False))
    outputs = [
        (a.out, table),
        (a.analogies_out, _stacked(results, "analogies")),
        (a.similarity_out, _stacked(results, "similarity")),
    ]
    if a.questions_out:  # checks, before any writing, that models share questions
        outcomes = {m: r.outcomes for m, r in results.items()}
        stacked = evaluate.stack_items(
            outcomes, keys=evaluate.QUESTION_KEYS, what="analogy questions"
        )
        outputs.append((a.questions_out, stacked))
    if a.pairs_out:
        pairs = {m: r.pairs for m, r in results.items()}
        stacked = evaluate.stack_items(
            pairs, keys=evaluate.PAIR_KEYS, what="similarity pairs"
        )
        outputs.append((a.pairs_out, stacked))
    for path, frame in outputs:
        if path:
            write_csv(frame, path, a)


def _stacked(results: dict[str, Any], field: str) -> Any:
    """One per-model table of every model (a ``model`` column last)."""
    import pandas as pd

    frames = [getattr(r, field).assign(model=m) for m, r in results.items()]
    return pd.concat(frames, ignore_index=True)


def cmd_bootstrap(a: argparse.Namespace) -> None:
    import pandas as pd

    from qwem.evaluate import bootstrap

    settings = bootstrap.BootstrapSettings(
        resamples=a.resamples, level=a.level, seed=a.seed, reference=a.reference
    )
    questions = pd.read_csv(a.questions, keep_default_na=False)
    pairs = pd.read_csv(a.pairs, keep_default_na=False)
    intervals, paired = bootstrap.table1_bootstrap(questions, pairs, settings)
    print(intervals.to_string(index=False))
    write_csv(intervals, a.out, a)
    write_csv(paired, a.paired_out, a)


def cmd_fetch_men(a: argparse.Namespace) -> None:
    """Download MEN (plain text, or a member of a .tar.gz / .zip).

    Unreachable source (offline, 404, retries exhausted): an EMPTY output file
    and a warning, so the benchmark table shows MEN as unavailable; delete the
    file and rerun once online. A wrong checksum or an unreadable file is an
    error and leaves nothing behind.
    """
    import tarfile
    import zipfile

    from qwem.corpus.download import download
    from qwem.errors import QwemChecksumError, QwemDownloadError, QwemInputError
    from qwem.evaluate import load_men
    from qwem.io import atomic_path

    raw = a.out.with_name(a.out.name + ".download")
    try:
        download(
            a.url,
            raw,
            sha256=a.sha256,
            retries=a.retries,
            timeout_s=a.timeout,
            backoff_s=2.0,
        )
    except QwemChecksumError:
        raise  # the source answered with other bytes: an error, not "offline"
    except QwemDownloadError as exc:
        Path(f"{raw}.part").unlink(missing_ok=True)
        logger.warning(
            "MEN is not available (%s); the table reports it as missing. "
            "Delete %s and rerun when %s can be reached.",
            exc,
            a.out,
            a.url,
        )
        with atomic_path(a.out) as tmp:
            tmp.write_bytes(b"")
        return
    try:
        if tarfile.is_tarfile(raw):
            with tarfile.open(raw) as tar:
                member = tar.extractfile(a.member or "")
                data = member.read() if member else b""
        elif zipfile.is_zipfile(raw):
            with zipfile.ZipFile(raw) as zf:
                data = zf.read(a.member or "")
        else:
            data = raw.read_bytes()
    except (KeyError, OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
        raise QwemInputError(
            f"{a.url}: cannot read member {a.member!r} of the archive ({exc}); "
            "set evaluate.men.member to the path of the MEN text file inside it"
        ) from exc
    finally:
        raw.unlink(missing_ok=True)
    with atomic_path(a.out) as tmp:
        tmp.write_bytes(data)
        pairs = load_men(tmp)
        if pairs is None or len(pairs) < 100:
            raise QwemInputError(
                f"{a.url}: not a MEN file (expected ~3,000 'word1 word2 score' "
                "lines); check evaluate.men.url / member"
            )
    logger.info("MEN: %d pairs -> %s", len(pairs), a.out)


def cmd_concepts(a: argparse.Namespace) -> None:
    from qwem import evaluate

    if a.input.suffix == ".npz":
        values, vectors, words = load_eigenpairs(a.input, a.vocab)
        order = np.argsort(-values, kind="stable")[: a.directions]
        directions, basis = evaluate.orient(vectors[:, order]), "eigenvector"
    else:
        W, words = load_embedding(a.input, a.vocab)
        directions, basis = evaluate.pca_directions(W, a.directions), "pca"
    table = evaluate.concept_table(directions, words, top=a.top, among=a.among)
    table.insert(0, "basis", basis)
    print(table.head(2 * a.top).to_string(index=False))
    write_csv(table, a.out, a)


def cmd_agreement(a: argparse.Namespace) -> None:
    import pandas as pd

    from qwem import evaluate
    from qwem.errors import QwemInputError

    names = [name for name, _ in a.embedding]
    if len(names) < 2 or len(set(names)) < len(names):
        raise QwemInputError(
            f"agreement needs two or more --embedding with distinct names, got {names}"
        )
    models = {name: load_embedding(path, a.vocab) for name, path in a.embedding}
    common = pd.Index(_common_words(models))
    aligned = {
        n: W[pd.Index(words).get_indexer(common)] for n, (W, words) in models.items()
    }
    matrix, table = evaluate.agreement_tables(aligned, dims=a.dims, modes=a.modes)
    print(table.to_string(index=False))
    write_csv(matrix, a.out, a)
    write_csv(table, a.subspace_out, a)


def _common_words(models: dict[str, Embedding]) -> list[str]:
    """Words every model has, in the first model's order."""
    first, *rest = (words for _, words in models.values())
    shared = set(first).intersection(*rest)
    if len(shared) < len(first):
        logger.warning("models share %d of %d words", len(shared), len(first))
    return [w for w in first if w in shared]


def usable_families(questions: Any, words: list[str], families: list[str]) -> list[str]:
    """The families with at least 2 in-vocabulary pairs (a small V lacks some)."""
    from qwem import rmt
    from qwem.errors import QwemInputError

    usable = []
    for family in families:
        try:
            rmt.family_pairs(questions, words, family)
        except QwemInputError as exc:
            logger.warning("skipping %s", exc)
        else:
            usable.append(family)
    if not usable:
        raise QwemInputError(
            f"no analogy family among {families} has 2 in-vocabulary pairs; "
            "raise vocab_size"
        )
    return usable


def cmd_rmt(a: argparse.Namespace) -> None:
    from qwem import evaluate, rmt

    W, words = load_embedding(a.input, a.vocab)
    questions = evaluate.load_analogies(a.questions)
    a.families = usable_families(questions, words, a.families or list(rmt.FAMILIES))
    a.edge_shift = rmt.TW1_MEAN_SHIFT if a.edge_shift is None else a.edge_shift
    dims = rmt.log_grid(a.d_min, min(a.d_max, W.shape[1]), a.points).tolist()
    sweep = rmt.family_sweep(W, words, questions, families=a.families, dims=dims)
    spectra = rmt.spectrum_tables(
        W,
        words,
        questions,
        families=a.families,
        dims=a.hist_dims,
        margin=a.margin,
        max_outliers=a.max_outliers,
        edge_shift=a.edge_shift,
        points=a.density_points,
    )
    local = rmt.localisation_table(
        W, words, questions, families=a.families, modes=a.modes
    )
    print(spectra.fits.to_string(index=False))
    write_csv(sweep, a.sweep_out, a)
    write_csv(spectra.eigenvalues, a.spectra_out, a)
    write_csv(spectra.fits, a.fits_out, a)
    write_csv(spectra.density, a.density_out, a)
    write_csv(local, a.localisation_out, a)


def register(stages: Any) -> None:
    """Add ``qwem evaluate ...``."""
    ev = actions(stages, "evaluate", "benchmarks, concepts, agreement, RMT tables")
    p = add_command(ev, "table", cmd_table, "Table 1: analogies (a, b), WS-353, ...")
    _embeddings(p, "word2vec text file or eigenpairs .npz")
    _vocab_and_questions(p)
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

    p = add_command(
        ev, "bootstrap", cmd_bootstrap, "bootstrap intervals of Table 1, paired"
    )
    p.add_argument("--questions", type=Path, required=True, help="--questions-out")
    p.add_argument("--pairs", type=Path, required=True, help="--pairs-out")
    p.add_argument("--reference", required=True, help="model of the paired table")
    p.add_argument("--resamples", type=int, required=True, help="B")
    p.add_argument("--level", type=float, required=True, help="e.g. 0.95")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True, help="intervals (long CSV)")
    p.add_argument("--paired-out", type=Path, required=True, help="differences")

    p = add_command(ev, "fetch-men", cmd_fetch_men, "download the MEN similarity set")
    p.add_argument("--url", required=True, help="http(s)://, file:// or a path")
    p.add_argument("--member", type=opt_str, help="file inside a .tar.gz / .zip")
    p.add_argument("--sha256", type=opt_str, help="expected digest of the download")
    p.add_argument("--retries", type=int, default=1)
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per request")
    p.add_argument("--out", type=Path, required=True)

    p = add_command(ev, "concepts", cmd_concepts, "top words of eigen/PCA directions")
    _input(p, "eigenpairs .npz (eigenvectors) or word2vec file (PCA directions)")
    p.add_argument("--vocab", type=Path, help="vocab.tsv (needed for .npz)")
    p.add_argument("--directions", type=int, required=True, help="how many")
    p.add_argument("--top", type=int, default=20, help="words per side (paper: 20)")
    p.add_argument("--among", type=int, default=4000, help="most frequent words")
    p.add_argument("--out", type=Path, required=True)

    p = add_command(ev, "agreement", cmd_agreement, "subspace and vector overlaps")
    _embeddings(p, "word2vec file or eigenpairs .npz (at least two)")
    p.add_argument("--vocab", type=Path, help="vocab.tsv (needed for .npz)")
    p.add_argument("--dims", type=int, nargs="+", required=True, help="subspace d")
    p.add_argument("--modes", type=int, required=True, help="k of the k x k matrix")
    p.add_argument("--out", type=Path, required=True, help="(v_i . v~_j)^2, long")
    p.add_argument("--subspace-out", type=Path, required=True)

    p = add_command(ev, "rmt", cmd_rmt, "spiked-model tables of analogy families")
    _input(p, "eigenpairs .npz (or an embedding already in the eigenbasis)")
    _vocab_and_questions(p)
    _rmt_options(p)
    for name in ("sweep", "spectra", "fits", "density", "localisation"):
        p.add_argument(f"--{name}-out", type=Path, required=True)


def _embeddings(p: argparse.ArgumentParser, help_: str) -> None:
    p.add_argument(
        "--embedding",
        type=named_path,
        action="append",
        required=True,
        metavar="NAME=PATH",
        help=f"{help_}; repeatable",
    )


def _input(p: argparse.ArgumentParser, help_: str) -> None:
    p.add_argument("--in", dest="input", type=Path, required=True, help=help_)


def _vocab_and_questions(p: argparse.ArgumentParser) -> None:
    p.add_argument("--vocab", type=Path, help="vocab.tsv: restrict and order words")
    p.add_argument(
        "--questions", type=Path, help="analogies (default: gensim's Google file)"
    )


def _rmt_options(p: argparse.ArgumentParser) -> None:
    """Defaults are the paper's protocol (docs/method.md#random-matrix-analyses)."""
    p.add_argument(
        "--families",
        nargs="+",
        metavar="FAMILY",
        help="keys of qwem.rmt.FAMILIES or Google categories (default: all five)",
    )
    p.add_argument("--d-min", type=int, default=4)
    p.add_argument("--d-max", type=int, default=4096, help="clipped to D")
    p.add_argument("--points", type=int, default=21, help="log-grid points")
    p.add_argument("--hist-dims", type=int, nargs="+", default=[128, 256, 512, 1024])
    p.add_argument("--modes", type=int, default=100, help="localisation modes")
    p.add_argument("--margin", type=float, default=6.0, help="Tracy-Widom units")
    p.add_argument("--max-outliers", type=int, default=10)
    p.add_argument(
        "--edge-shift",
        type=float,
        help="Tracy-Widom units added to the top bulk eigenvalue to estimate λ+ "
        "(default -E[TW1] = 1.2065; 0 is the paper's literal estimator)",
    )
    p.add_argument("--density-points", type=int, default=200)
