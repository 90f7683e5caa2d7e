"""``make run`` tells a live Snakemake lock from a stale one (issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from qwem.runtime import check_locks, lock_state, snakemake_pids


def _fake_proc(root: Path, pid: int, words: list[str], cwd: Path) -> None:
    entry = root / str(pid)
    entry.mkdir(parents=True)
    (entry / "cmdline").write_bytes(b"\0".join(w.encode() for w in words) + b"\0")
    (entry / "cwd").symlink_to(cwd)


def _lock(directory: Path) -> None:
    locks = directory / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("x")


def test_no_lock_files_is_free(tmp_path: Path) -> None:
    assert lock_state(tmp_path, proc=tmp_path / "proc") == ("free", [])


def test_fake_proc_tells_live_from_stale(tmp_path: Path) -> None:
    work, elsewhere, proc = tmp_path / "work", tmp_path / "other", tmp_path / "proc"
    work.mkdir()
    elsewhere.mkdir()
    proc.mkdir()
    _lock(work)
    _fake_proc(proc, 10, ["/venv/bin/python", "/venv/bin/snakemake", "-c2"], elsewhere)
    _fake_proc(proc, 11, ["vim", "Snakefile"], work)
    (proc / "self").mkdir()
    assert lock_state(work, proc=proc) == ("stale", [])
    _fake_proc(proc, 12, ["/venv/bin/python", "-m", "snakemake", "-c1"], work)
    assert snakemake_pids(work, proc=proc) == [12]
    assert lock_state(work, proc=proc) == ("live", [12])
    assert lock_state(work, proc=proc, exclude=[12]) == ("stale", [])


def test_a_real_process_holds_the_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _lock(tmp_path)
    assert check_locks(tmp_path) == 2
    assert "stale lock" in capsys.readouterr().err
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "snakemake"],
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 10
        while sleeper.pid not in snakemake_pids(tmp_path):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert check_locks(tmp_path) == 2
        err = capsys.readouterr().err
        assert f"(pid {sleeper.pid}); wait for it" in err
    finally:
        sleeper.kill()
        sleeper.wait()
    assert lock_state(tmp_path)[0] == "stale"


def test_the_module_command_exits_0_without_locks(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "qwem.runtime", "locks"], cwd=tmp_path, env=env
    )
    assert done.returncode == 0
    _lock(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "qwem.runtime", "locks"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "make unlock" in done.stderr
