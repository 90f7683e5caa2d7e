"""Every file the DAG writes between stages, damaged three ways, then a rerun.

Each case copies the shared tiny run, applies one fault to one file, and runs
Snakemake on the outputs of that file's consumer (a rule reading it), so that
only the affected part reruns. The faults (`faults.injection`):

- ``truncate``: the file cut to half its size;
- ``flip``: one bit of the data changed, headers kept valid (past an .npy's
  header, inside a gzip stream or an .npz member, a digit of a text file);
- ``delete``: the file removed.

A truncated or flipped file is newer than its consumer's outputs, so Snakemake
reruns the consumer on it (mtime trigger; `test_a_damaged_file_plans_its_consumer`
checks this with ``--dry-run``). A deleted file is rebuilt by its producer
because the consumer's outputs need it (Snakemake rebuilds a missing file only
when a requested result needs it: `tests/workflow/test_reruns.py`).

The invariant (`faults.injection.check_invariant`): either a clear failure --
Snakemake exits non-zero and every failed job's log ends with one line
``qwem: error: <file> ...`` naming the damaged file -- or a correct rebuild,
the consumer's outputs and the key products (eval/table1.csv, the arrays of
closed_form/M_star.eig.npz, train/*/W.npy, stats/M_star.npy) equal to the
undamaged run's, timings aside. Never exit 0 with changed results, never a
Python traceback in a log.

Files covered (tiny run, results/tiny/): text/part-*.txt.gz,
corpus/wordcounts/part-*.tsv.gz, corpus/vocab.tsv, corpus/tokens/part-*.npy,
part-*.offsets.npy and part-*.json, cooccur/counts.npz, stats/P_ij.npy,
stats/M_star.npy, stats/unigram.npy, closed_form/M_star.eig.npz,
train/<run>/W.npy, train/<run>.w2v.txt, train/gensim.w2v.txt, eval/table1.csv,
eval/analogy_questions.csv.gz, rmt/M_star.eig.npz. Where a file comes in
parts, one part stands for all. Products that no rule reads (train/<run>/W.npy,
figures, tables) are outside: nothing is computed from them, and Snakemake does
not re-read its outputs.

``make test`` runs the ``flip`` case of every file (the damage that could pass
unnoticed: the file still parses); ``make test-faults`` adds ``truncate``,
``delete`` and the SIGKILL cases (marker ``faults_full``).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import SnakemakeRunner
from faults.injection import FAULTS, RESULTS, check_invariant, truncate

pytestmark = [pytest.mark.faults, pytest.mark.workflow]


@dataclass(frozen=True)
class Site:
    """A file between stages, the rule consuming it, and what that rule makes.

    Attributes:
        path: the file, relative to results/tiny.
        consumer: the rule rerun on it (the one whose log must name it).
        targets: outputs of that rule (relative to results/tiny) to request.
    """

    path: str
    consumer: str
    targets: tuple[str, ...]


SITES = {
    "text": Site(
        "text/part-bundled-vital.txt.gz",
        "vocab_count",
        ("corpus/wordcounts/part-bundled-vital.tsv.gz",),
    ),
    "wordcounts": Site(
        "corpus/wordcounts/part-bundled-sample.tsv.gz",
        "vocab_build",
        ("corpus/vocab.tsv",),
    ),
    "vocab": Site(
        "corpus/vocab.tsv",
        "vocab_tokenize",
        (
            "corpus/tokens/part-bundled-sample.npy",
            "corpus/tokens/part-bundled-sample.offsets.npy",
            "corpus/tokens/part-bundled-sample.json",
        ),
    ),
    "tokens": Site(
        "corpus/tokens/part-bundled-sample.npy",
        "cooccur_count",
        ("cooccur/counts.npz",),
    ),
    "offsets": Site(
        "corpus/tokens/part-bundled-vital.offsets.npy",
        "cooccur_count",
        ("cooccur/counts.npz",),
    ),
    "token-info": Site(
        "corpus/tokens/part-bundled-sample.json",
        "vocab_summarize",
        ("corpus/summary.json",),
    ),
    "counts": Site(
        "cooccur/counts.npz", "targets_build", ("stats/stats.json", "stats/P_ij.npy")
    ),
    "P_ij": Site(
        "stats/P_ij.npy",
        "train_run",
        ("train/qwem_small/W.npy", "train/qwem_small.w2v.txt"),
    ),
    "M_star": Site(
        "stats/M_star.npy",
        "spectral_solve",
        ("closed_form/M_star.eig.npz", "closed_form/M_star.w2v.txt"),
    ),
    "unigram": Site(
        "stats/unigram.npy",
        "train_run",
        ("train/sgns_small/W.npy", "train/sgns_small.w2v.txt"),
    ),
    "eigenpairs": Site(
        "closed_form/M_star.eig.npz", "spectral_spectra", ("closed_form/spectra.csv",)
    ),
    "run-w2v": Site(
        "train/qwem_small.w2v.txt",
        "evaluate_table",
        ("eval/table1.csv", "eval/analogy_questions.csv.gz"),
    ),
    "gensim-w2v": Site(
        "train/gensim.w2v.txt",
        "evaluate_table",
        ("eval/table1.csv", "eval/analogy_questions.csv.gz"),
    ),
    "table1": Site("eval/table1.csv", "plots_table1", ("tables/table1.csv",)),
    "questions": Site(
        "eval/analogy_questions.csv.gz",
        "evaluate_bootstrap",
        ("eval/table1_ci.csv", "eval/table1_paired.csv"),
    ),
    "rmt-eigenpairs": Site(
        "rmt/M_star.eig.npz", "rmt_tables", ("rmt/sweep.csv", "rmt/fits.csv")
    ),
}


def rerun(
    run: SnakemakeRunner, workdir: Path, targets: tuple[str, ...]
) -> subprocess.CompletedProcess[str]:
    """Run Snakemake on ``targets`` (relative to results/tiny), unchecked."""
    paths = [f"{RESULTS}/{t}" for t in targets]
    return run("--configfile", str(workdir / "tiny.yaml"), "--", *paths, check=False)


FULL = pytest.mark.faults_full


@pytest.mark.parametrize(
    "fault", [f if f == "flip" else pytest.param(f, marks=FULL) for f in FAULTS]
)
@pytest.mark.parametrize("site", list(SITES))
def test_damaged_file_fails_clearly_or_rebuilds(
    tiny_run: tuple[Path, SnakemakeRunner],
    fault_copy: tuple[Path, SnakemakeRunner],
    site: str,
    fault: str,
) -> None:
    """One fault in one file: a clear failure naming it, or a correct rebuild."""
    original = tiny_run[0]
    workdir, run = fault_copy
    where = SITES[site]
    FAULTS[fault](workdir / RESULTS / where.path)
    # a deleted file is requested too: Snakemake rebuilds a missing file only
    # for a result that needs it, and the consumer's outputs are up to date
    targets = (where.path, *where.targets) if fault == "delete" else where.targets
    targets = tuple(dict.fromkeys(targets))
    proc = rerun(run, workdir, targets)
    out = proc.stdout + proc.stderr
    if where.path not in where.targets:
        # the damage reached the consumer: it reran (or a job before it failed)
        assert f"rule {where.consumer}:" in out or proc.returncode != 0, out[-3000:]
    check_invariant(proc, workdir, original, where.path, targets)
    if fault == "delete" and proc.returncode == 0:
        assert (workdir / RESULTS / where.path).exists(), f"{where.path}: not rebuilt"


@pytest.mark.parametrize("site", ["counts"])
def test_a_damaged_file_plans_its_consumer(
    fault_copy: tuple[Path, SnakemakeRunner], site: str
) -> None:
    """A damaged file (touched now) makes Snakemake rerun its consumer, not its
    producer: the mtime trigger the damage cases rely on."""
    workdir, run = fault_copy
    where = SITES[site]
    truncate(workdir / RESULTS / where.path)
    proc = run(
        "--dry-run",
        "--configfile",
        str(workdir / "tiny.yaml"),
        "--",
        *(f"{RESULTS}/{t}" for t in where.targets),
    )
    out = proc.stdout + proc.stderr
    consumer = out.split(f"rule {where.consumer}:", 1)
    assert len(consumer) == 2, out[-3000:]
    assert "Updated input files" in consumer[1].split("\n\n", 1)[0], out[-3000:]
