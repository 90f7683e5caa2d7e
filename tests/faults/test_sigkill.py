"""A SIGKILL in the middle of each long stage, then a rerun.

Each case copies the shared tiny run and forces one job of a long stage
(``--forcerun <rule>`` on that job's outputs): corpus_extract_dump,
cooccur_count (both shards; `tests/workflow/test_reruns.py` kills between the
shards, this kills inside the first), train_run and spectral_solve. Once the
job has started -- its log exists and a temporary file of an atomic write has
appeared beside its outputs, or a short delay has passed -- Snakemake's whole
process group gets SIGKILL. ``snakemake --unlock`` and a rerun with
``--rerun-incomplete`` must then rebuild outputs equal to the uninterrupted
run's (bytes; the arrays of .npz files; JSON without timings), leave no
temporary file (``.*.tmp*``) anywhere under results/, and no traceback in a log.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, SnakemakeRunner, kill_during
from faults.injection import RESULTS, changed_results, temp_files, tracebacks

pytestmark = [pytest.mark.faults, pytest.mark.faults_full, pytest.mark.workflow]


@dataclass(frozen=True)
class Stage:
    """A job to kill: its rule, the outputs to request, its log, what to compare.

    Attributes:
        rule: the rule forced and killed.
        targets: outputs requested (relative to results/tiny).
        log: the job's log (relative to results/tiny).
        compared: files equal to the uninterrupted run's after the rerun.
        removed: files deleted first, so that the rerun needs the killed job
            (an intermediate output otherwise leaves its consumer up to date).
    """

    rule: str
    targets: tuple[str, ...]
    log: str
    compared: tuple[str, ...]
    removed: tuple[str, ...] = ()


STAGES = {
    "corpus_extract_dump": Stage(
        "corpus_extract_dump",
        ("text/part-bundled-sample.txt.gz",),
        "logs/corpus_extract_dump/bundled-sample.log",
        ("text/part-bundled-sample.txt.gz",),
    ),
    "cooccur_count": Stage(
        "cooccur_count",
        ("cooccur/counts.npz",),
        "logs/cooccur_count/bundled-sample.log",
        ("cooccur/counts.npz",),
        removed=("cooccur/counts.npz",),
    ),
    "train_run": Stage(
        "train_run",
        ("train/qwem_small.w2v.txt",),
        "logs/train_run/qwem_small.log",
        # (checkpoints.csv and trace.csv record wall times)
        ("train/qwem_small/W.npy", "train/qwem_small.w2v.txt"),
    ),
    "spectral_solve": Stage(
        "spectral_solve",
        ("closed_form/M_star.eig.npz",),
        "logs/spectral_solve/M_star.log",
        (
            "closed_form/M_star.eig.npz",
            "closed_form/M_star.npy",
            "closed_form/M_star.w2v.txt",
        ),
    ),
}

# after the log appears, how long to wait for a temporary file before killing
DELAY_S = 1.5


def wait_for_job(
    workdir: Path, stage: Stage, proc: subprocess.Popen[str], timeout: float = 180
) -> None:
    """Poll until the job runs: its log exists, then a temporary file appears
    under results/ or ``DELAY_S`` passes."""
    log = workdir / RESULTS / stage.log
    deadline = time.monotonic() + timeout
    while not (log.exists() and log.stat().st_size > 0):
        assert proc.poll() is None, f"snakemake ended before {stage.rule} started"
        assert time.monotonic() < deadline, f"{stage.rule} did not start"
        time.sleep(0.01)
    started = time.monotonic()
    while time.monotonic() - started < DELAY_S and not temp_files(workdir):
        if proc.poll() is not None:
            return
        time.sleep(0.005)


@pytest.mark.parametrize("stage", list(STAGES))
def test_sigkill_in_a_long_stage_then_rerun_rebuilds_the_same(
    tiny_run: tuple[Path, SnakemakeRunner],
    fault_copy: tuple[Path, SnakemakeRunner],
    stage: str,
) -> None:
    """Kill the forced job mid-run; the rerun's outputs equal the original's."""
    original = tiny_run[0]
    workdir, run = fault_copy
    job = STAGES[stage]
    for rel in (job.log, *job.removed):
        (workdir / RESULTS / rel).unlink()
    config = ("--configfile", str(workdir / "tiny.yaml"))
    targets = [f"{RESULTS}/{t}" for t in job.targets]
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
    cmd += ["--cores", "1", *config, "--forcerun", job.rule, "--", *targets]
    proc = kill_during(cmd, workdir, lambda p: wait_for_job(workdir, job, p))
    assert proc.returncode == -signal.SIGKILL, "the job ended before the kill"

    run("--unlock", *config)
    rerun = run("--rerun-incomplete", *config, "--", *targets, check=False)
    out = rerun.stdout + rerun.stderr
    assert rerun.returncode == 0, out[-4000:]
    assert f"rule {job.rule}:" in out, f"{job.rule} was not rerun:\n{out[-3000:]}"
    assert not tracebacks(workdir)
    assert not changed_results(workdir, original, job.compared)
    assert temp_files(workdir) == []
