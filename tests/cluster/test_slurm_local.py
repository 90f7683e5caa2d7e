"""The tiny DAG through a real one-node SLURM cluster, equal to a local run;
and one SLURM job killed mid-run, the workflow resumed, equal to a clean run.

tests/cluster/slurm_local.sh installs Debian's slurm-wlm and munge, starts the
daemons and runs the same targets locally and through workflow/profiles/slurm;
tests/cluster/check_run.py writes what it found to report.json. Its `fault`
mode runs tests/cluster/kill_resume.py (fault_report.json). Run with
`make test-cluster` (root and apt needed; CI sets QWEM_CLUSTER_REQUIRED=1 so that
a machine without them fails instead of skipping).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

pytestmark = pytest.mark.cluster

SCRIPT = ROOT / "tests/cluster/slurm_local.sh"
# the jobs of stats.json, closed_form/M_star.w2v.txt and train/qwem_small.w2v.txt
EXPECTED_JOBS = {
    "corpus_extract_dump": 1,
    "corpus_extract_summaries": 1,
    "vocab_count": 2,
    "vocab_build": 1,
    "vocab_tokenize": 2,
    "cooccur_count": 2,
    "cooccur_merge": 1,
    "targets_build": 1,
    "spectral_solve": 1,
    "train_run": 1,
}


def _missing_requirement() -> str | None:
    """Why this machine cannot host the test cluster, or None."""
    if os.geteuid() != 0:
        return "needs root (installs slurm-wlm and munge, starts their daemons)"
    if not shutil.which("slurmctld") and not shutil.which("apt-get"):
        return "needs apt-get to install slurm-wlm and munge (Debian/Ubuntu)"
    return None


def _script(*args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=timeout
    )


# make test-cluster runs the two tests at once (pytest -n 2): the first to
# come brings the cluster up, the last to leave takes it down, unless it was
# up before; USERS records who is in, under LOCK
LOCK = Path(tempfile.gettempdir()) / "qwem-test-cluster.lock"
USERS = LOCK.with_suffix(".json")


@contextmanager
def _locked() -> Iterator[dict[str, Any]]:
    """USERS's content, to read and change while holding LOCK."""
    with LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = json.loads(USERS.read_text()) if USERS.exists() else {}
        # a test process that died without its teardown no longer counts
        state["pids"] = [p for p in state.get("pids", []) if _alive(p)]
        yield state
        USERS.write_text(json.dumps(state))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def cluster() -> Iterator[None]:
    """The local cluster up for the test; down after the last test using it,
    unless it was up before the first."""
    if reason := _missing_requirement():
        if os.environ.get("QWEM_CLUSTER_REQUIRED") == "1":
            pytest.fail(f"QWEM_CLUSTER_REQUIRED=1 but this machine {reason}")
        pytest.skip(reason)
    with _locked() as state:
        if not state["pids"]:  # the first in brings the cluster up
            state["was_up"] = _script("status", timeout=30).returncode == 0
            up = _script("up", timeout=300)
            assert up.returncode == 0, up.stderr[-4000:]
        state["pids"].append(os.getpid())
    try:
        yield
    finally:
        with _locked() as state:
            state["pids"].remove(os.getpid())
            if not state["pids"] and not state["was_up"]:
                _script("down", timeout=120)


def _report(mode: str, d: Path, name: str, timeout: int) -> dict[str, Any]:
    """Run slurm_local.sh MODE D; its report D/NAME, once it shows no problem."""
    run = _script(mode, str(d), timeout=timeout)
    print(run.stderr)
    report_file = d / name
    assert report_file.exists(), run.stderr[-8000:]
    report = json.loads(report_file.read_text())
    assert report["problems"] == [], run.stderr[-8000:]
    assert run.returncode == 0, run.stderr[-8000:]
    return report


def test_tiny_dag_through_slurm_equals_a_local_run(
    cluster: None, tmp_path: Path
) -> None:
    report = _report("run", tmp_path, "report.json", timeout=900)
    slurm = report["slurm"]
    assert slurm["planned"] == EXPECTED_JOBS
    total = sum(EXPECTED_JOBS.values())
    assert slurm["submitted"] == slurm["allocated"] == slurm["completed"] == total
    assert len(slurm["gpu_jobs"]) == 1  # train_run's --gpus=1, nothing else
    results = report["results"]
    for npy in ("unigram", "P_ij", "M_star", "pmi", "ppmi", "sgns", "G"):
        assert f"stats/{npy}.npy" in results["identical"]
    assert "cooccur/counts.npz" in results["identical"] + results["equal_but_timings"]
    # one CPU thread on both sides: the eigensolver and SGD give the same bits
    assert "closed_form/M_star.npy" in results["identical"]
    assert "train/qwem_small/W.npy" in results["identical"]


def test_job_killed_mid_run_then_resumed_equals_a_clean_run(
    cluster: None, tmp_path: Path
) -> None:
    """Four token parts; the vocab_tokenize process of the third is SIGKILLed
    inside its SLURM job; the resume reruns that job and its downstream only."""
    report = _report("fault", tmp_path, "fault_report.json", timeout=1200)
    killed = report["killed"]
    assert killed["state_when_struck"] == "RUNNING"
    assert killed["state_after"] == "FAILED"
    # the interrupted run: all but the killed job and its downstream
    assert killed["finished"]["vocab_tokenize"] == 3
    assert killed["finished"]["cooccur_count"] == 3
    assert "cooccur_merge" not in killed["finished"]
    resumed = report["resumed"]
    assert (
        resumed["planned"]
        == resumed["finished"]
        == {
            "vocab_tokenize": 1,
            "cooccur_count": 1,
            "cooccur_merge": 1,
            "targets_build": 1,
        }
    )
    assert resumed["changed"] == []
    assert len(report["slurm_jobs"]["resumed"]) == 4
    comparison = report["comparison"]
    for npy in ("unigram", "P_ij", "M_star", "pmi", "ppmi", "sgns", "G"):
        assert f"stats/{npy}.npy" in comparison["identical"]
    for part in range(4):
        assert f"corpus/tokens/part-text8-{part:03d}.npy" in comparison["identical"]
    # the only files that differ in bytes record wall times (and the npz's
    # member timestamps): equal once those are left out
    assert comparison["equal_but_timings"] == ["cooccur/counts.npz", "stats/stats.json"]
