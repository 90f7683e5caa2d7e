"""Snakemake reruns exactly what a change touches, and survives a SIGKILL.

Plans come from `snakemake --dry-run` on the tiny run's results: a change must
plan the same jobs as forcing the job it touches (`--forcerun`), which is that
job and everything downstream of it, and nothing upstream. A deleted file is
rebuilt when a requested result needs it (the default target lists the
vocabulary and the embeddings, not the merged counts or the eigenpairs).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, TINY, SnakemakeRunner, kill_during, write_config

pytestmark = pytest.mark.workflow

# the corpus stages before the vocabulary
CORPUS_RULES = {
    "corpus_download",
    "corpus_fetch_text8",
    "corpus_split_text8",
    "corpus_extract_dump",
    "corpus_extract_summaries",
    "vocab_count",
}
STATS = ("unigram", "P_ij", "M_star", "pmi", "ppmi", "sgns", "G")


def plan(run: SnakemakeRunner, *args: str) -> tuple[Counter[str], str]:
    """Jobs per rule that a dry run plans (empty when nothing is to be done)."""
    proc = run("--dry-run", *args)
    out = proc.stdout + proc.stderr
    if "Nothing to be done" in out:
        return Counter(), out
    table = out.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    rows = (re.fullmatch(r"(\w+)\s+(\d+)", line.strip()) for line in table.splitlines())
    return Counter({m[1]: int(m[2]) for m in rows if m and m[1] != "total"}), out


def reason(out: str, rule: str) -> str:
    """The 'reason:' line of the first job of a rule in dry-run output."""
    found = re.search(r"reason: (.*)", out.split(f"rule {rule}:", 1)[1])
    assert found, f"no reason for {rule}"
    return found[1]


def changed_config(tmp_path: Path, **changes: object) -> Path:
    """TINY with nested keys changed, e.g. {'train.runs.qwem_small.lr': 2.0}."""
    config = copy.deepcopy(TINY)
    for dotted, value in changes.items():
        *path, last = dotted.split(".")
        node = config
        for key in path:
            node = node[key]
        node[last] = value
    return write_config(tmp_path / "changed.yaml", config)


def file_times(results: Path) -> dict[str, int]:
    """mtime (ns) of every result file, logs and benchmarks left out."""
    return {
        str(p.relative_to(results)): p.stat().st_mtime_ns
        for p in results.rglob("*")
        if p.is_file() and p.relative_to(results).parts[0] not in ("logs", "benchmarks")
    }


def test_nothing_changed_plans_nothing(tiny_run: tuple[Path, SnakemakeRunner]) -> None:
    workdir, run = tiny_run
    planned, out = plan(run, "--configfile", str(workdir / "tiny.yaml"))
    assert planned == Counter(), out[-3000:]


def test_vocab_size_plans_the_vocabulary_and_everything_after_it(
    tiny_run: tuple[Path, SnakemakeRunner], tmp_path: Path
) -> None:
    workdir, run = tiny_run
    changed, out = plan(
        run, "--configfile", str(changed_config(tmp_path, vocab_size=250))
    )
    forced, _ = plan(
        run, "--configfile", str(workdir / "tiny.yaml"), "--forcerun", "vocab_build"
    )
    assert changed == forced
    assert changed["vocab_build"] == 1 and changed["vocab_tokenize"] == 2
    assert changed["cooccur_count"] == 2 and changed["train_run"] == 6
    assert not CORPUS_RULES & set(changed)
    assert "Params have changed" in reason(out, "vocab_build")


def test_learning_rate_plans_that_run_and_its_consumers_only(
    tiny_run: tuple[Path, SnakemakeRunner], tmp_path: Path
) -> None:
    workdir, run = tiny_run
    config = changed_config(tmp_path, **{"train.runs.qwem_small.lr": 2.0})
    changed, out = plan(run, "--configfile", str(config))
    forced, _ = plan(
        run,
        "--configfile",
        str(workdir / "tiny.yaml"),
        "--forcerun",
        "results/tiny/train/qwem_small/trace.csv",
    )
    assert changed == forced
    assert changed["train_run"] == 1
    assert "wildcards: name=tiny, run=qwem_small" in out.split("rule train_run:")[1]
    upstream = {"targets_build", "spectral_solve", "spectral_theory"}
    assert not (upstream | CORPUS_RULES) & set(changed)
    assert "Params have changed" in reason(out, "train_run")


@pytest.mark.parametrize(
    ("key", "value"),
    [("baseline.negative", 3), ("baseline.min_alpha", 1e-3), ("baseline.window", 2)],
)
def test_gensim_knob_plans_the_baseline_and_its_consumers_only(
    tiny_run: tuple[Path, SnakemakeRunner], tmp_path: Path, key: str, value: object
) -> None:
    workdir, run = tiny_run
    changed, out = plan(
        run, "--configfile", str(changed_config(tmp_path, **{key: value}))
    )
    forced, _ = plan(
        run,
        "--configfile",
        str(workdir / "tiny.yaml"),
        "--forcerun",
        "results/tiny/train/gensim.w2v.txt",
    )
    assert changed == forced
    assert changed["baseline_gensim"] == 1 and changed["evaluate_table"] == 1
    upstream = {"vocab_build", "vocab_tokenize", "targets_build", "train_run"}
    assert not (upstream | CORPUS_RULES) & set(changed)
    assert "Params have changed" in reason(out, "baseline_gensim")


def test_figure_option_plans_figures_only(
    tiny_run: tuple[Path, SnakemakeRunner], tmp_path: Path
) -> None:
    _, run = tiny_run
    changed, out = plan(
        run, "--configfile", str(changed_config(tmp_path, **{"plots": {"dpi": 72}}))
    )
    figures = {r for r in changed if r.startswith("plots_")}
    assert len(figures) >= 4, out[-3000:]
    assert set(changed) == figures | {"all"}
    assert "Params have changed" in reason(out, "plots_fig3")


def test_moving_a_role_plans_only_what_the_role_feeds(
    tiny_run: tuple[Path, SnakemakeRunner], tmp_path: Path
) -> None:
    _, run = tiny_run
    # qwem_small takes over Table 1's QWEM row from qwem_large
    config = changed_config(
        tmp_path,
        **{
            "train.runs.qwem_large.roles.table1": None,
            "train.runs.qwem_small.roles.table1": "qwem",
        },
    )
    changed, out = plan(run, "--configfile", str(config))
    fed = {"plots_table1", "plots_compute", "plots_overlap", "all"}
    assert set(changed) == fed, out[-3000:]
    assert "Params have changed" in reason(out, "plots_table1")


def test_bootstrap_option_plans_the_intervals_and_tables_only(
    tiny_run: tuple[Path, SnakemakeRunner], tmp_path: Path
) -> None:
    _, run = tiny_run
    config = changed_config(tmp_path, **{"evaluate.bootstrap.resamples": 300})
    changed, out = plan(run, "--configfile", str(config))
    assert set(changed) == {"evaluate_bootstrap", "plots_table1", "all"}, out[-3000:]
    assert "Params have changed" in reason(out, "evaluate_bootstrap")


def test_deleted_vocabulary_plans_it_and_everything_after_it(
    tiny_copy: tuple[Path, SnakemakeRunner],
) -> None:
    workdir, run = tiny_copy
    config = ("--configfile", str(workdir / "tiny.yaml"))
    vocab = "results/tiny/corpus/vocab.tsv"
    forced, _ = plan(run, *config, "--forcerun", vocab)
    (workdir / vocab).unlink()
    planned, _ = plan(run, *config)
    assert planned == forced
    assert planned["vocab_build"] == 1 and planned["vocab_tokenize"] == 2
    assert not CORPUS_RULES & set(planned)


def test_deleted_intermediate_of_current_results_plans_nothing(
    tiny_copy: tuple[Path, SnakemakeRunner],
) -> None:
    # Snakemake rebuilds a file only when a requested result needs it: the
    # merged counts feed statistics that are still up to date
    workdir, run = tiny_copy
    (workdir / "results/tiny/cooccur/counts.npz").unlink()
    planned, _ = plan(run, "--configfile", str(workdir / "tiny.yaml"))
    assert planned == Counter()


def test_deleted_result_regenerates_it_and_its_dependents_only(
    tiny_copy: tuple[Path, SnakemakeRunner],
) -> None:
    workdir, run = tiny_copy
    config = ("--configfile", str(workdir / "tiny.yaml"))
    results = workdir / "results/tiny"
    w2v = results / "closed_form/M_star.w2v.txt"
    eig = results / "closed_form/M_star.eig.npz"
    with np.load(eig) as z:
        before = {k: z[k] for k in ("values", "vectors", "residuals")}
    times = file_times(results)
    forced, _ = plan(run, *config, "--forcerun", str(w2v.relative_to(workdir)))
    w2v.unlink()
    planned, _ = plan(run, *config)
    assert planned == forced
    assert planned["spectral_solve"] == 1 and planned["spectral_theory"] == 1
    assert "targets_build" not in planned and "train_run" not in planned

    run(*config)
    assert w2v.exists()
    with np.load(eig) as z:
        for key, value in before.items():
            np.testing.assert_array_equal(z[key], value)  # same seed, same bits
    after = file_times(results)
    touched = {f for f in times if after[f] != times[f]}
    M_star = {f"closed_form/M_star.{ext}" for ext in ("eig.npz", "npy")}
    assert M_star | {"closed_form/spectra.csv", "closed_form/theory.csv"} <= touched
    untouched = ("text/", "corpus/", "cooccur/", "stats/", "train/", "closed_form/pmi")
    assert not {f for f in touched if f.startswith(untouched)}
    assert plan(run, *config)[0] == Counter()


def _wait_for_second_count_job(logs: Path, proc: subprocess.Popen[str]) -> None:
    """Poll until the second counting job has started (its log exists)."""
    deadline = time.monotonic() + 120
    while len(list(logs.glob("*.log"))) < 2:
        assert proc.poll() is None, "snakemake ended before the second count job"
        assert time.monotonic() < deadline, "no second count job after 120 s"
        time.sleep(0.02)
    # and Snakemake has marked it running (under load the marker can trail)
    incomplete = logs.parents[3] / ".snakemake/incomplete"
    while not (incomplete.is_dir() and any(incomplete.iterdir())):
        assert proc.poll() is None, "snakemake ended before marking the job"
        assert time.monotonic() < deadline, "no incomplete marker after 120 s"
        time.sleep(0.01)


def test_sigkill_while_counting_then_rerun_gives_identical_statistics(
    tiny_run: tuple[Path, SnakemakeRunner], tiny_copy: tuple[Path, SnakemakeRunner]
) -> None:
    original = tiny_run[0] / "results/tiny"
    workdir, run = tiny_copy
    config = ("--configfile", str(workdir / "tiny.yaml"))
    results = workdir / "results/tiny"
    # without the statistics and the merged counts, both shards are counted
    (results / "cooccur/counts.npz").unlink()
    shutil.rmtree(results / "stats")
    logs = results / "logs/cooccur_count"
    shutil.rmtree(logs)
    target = "results/tiny/stats/stats.json"
    # one core: the two shards are counted one after the other
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
    cmd += ["--cores", "1", *config, "--", target]
    kill_during(cmd, workdir, lambda proc: _wait_for_second_count_job(logs, proc))
    # killed between the shards: the first shard's counts exist, no merge yet,
    # and Snakemake's marker of the running job was left behind
    assert len(list((results / "cooccur").glob("part-*.npz"))) == 1
    assert not (results / "cooccur/counts.npz").exists()
    assert any((workdir / ".snakemake/incomplete").iterdir())

    run("--unlock", *config)
    rerun = run("--rerun-incomplete", *config, "--", target)
    assert "rule cooccur_count:" in rerun.stdout + rerun.stderr
    for name in STATS:
        rel = f"stats/{name}.npy"
        assert (results / rel).read_bytes() == (original / rel).read_bytes(), rel
    with (
        np.load(results / "cooccur/counts.npz") as got,
        np.load(original / "cooccur/counts.npz") as want,
    ):
        assert set(got) == set(want)
        for key in set(want) - {"meta"}:
            np.testing.assert_array_equal(got[key], want[key])
        # the meta records are equal but for the jobs' wall times
        untimed = [json.loads(str(z["meta"])) for z in (got, want)]
        for meta in untimed:
            assert set(meta.pop("wall_seconds")) == {"count", "merge"}
        assert untimed[0] == untimed[1]
