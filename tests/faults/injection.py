"""Fault injection for the fault suite: damage a file, run Snakemake, judge the outcome.

The invariant every case asserts (`check_invariant`): after a fault, a rerun
either fails clearly -- Snakemake exits non-zero and every failed job's log
ends with one line ``qwem: error: <file> ...`` that names the damaged file --
or rebuilds correctly, its products equal to the undamaged run's (timings
aside). It never exits 0 with changed results, and no log holds a Python
traceback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = "results/tiny"

# the products whose equality a correct rebuild must keep (beside its targets)
KEY_PRODUCTS = (
    "eval/table1.csv",
    "closed_form/M_star.eig.npz",
    "stats/M_star.npy",
    *(
        f"train/{run}/W.npy"
        for run in (
            "qwem_small",
            "qwem_large",
            "sgns_small",
            "sgns_large",
            "ablation_quartic",
            "ablation_setting31",
        )
    ),
)

TRACEBACK = "Traceback (most recent call last)"


def copy_run(source: Path, dest: Path) -> Path:
    """A full copy of a finished run (file times and Snakemake's records kept).

    The tiny run is ~17 MB: a real copy costs a fraction of a second and, unlike
    hard links, a shell redirect into a log or an in-place write can never
    reach the shared run.
    """
    shutil.copytree(
        source,
        dest,
        symlinks=True,
        ignore=shutil.ignore_patterns("locks", "log", "incomplete"),
    )
    return dest


# --- faults -----------------------------------------------------------------


def truncate(path: Path) -> None:
    """Cut the file to half its size."""
    os.truncate(path, path.stat().st_size // 2)


def _flip_at(path: Path, offset: int, mask: int = 0x01) -> None:
    """XOR one byte of the file in place."""
    with open(path, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)[0]
        fh.seek(offset)
        fh.write(bytes([byte ^ mask]))


def _npy_data_offset(path: Path) -> tuple[int, int]:
    """Where an .npy file's data starts, and the size of one element."""
    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            _, _, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            _, _, dtype = np.lib.format.read_array_header_2_0(fh)
        return fh.tell(), dtype.itemsize


def _npz_member_data(path: Path) -> tuple[int, int]:
    """Offset and size of the stored data of an .npz's largest member."""
    with zipfile.ZipFile(path) as zf:
        info = max(zf.infolist(), key=lambda i: i.compress_size)
    with open(path, "rb") as fh:
        fh.seek(info.header_offset + 26)
        name_len, extra_len = np.frombuffer(fh.read(4), dtype="<u2")
    start = info.header_offset + 30 + int(name_len) + int(extra_len)
    return start, info.compress_size


def flip(path: Path) -> None:
    """Flip one bit in the data, keeping every header valid.

    - ``.npy``: the lowest bit of the middle element (past the header): a token
      id stays a valid id, a float changes in its last place;
    - ``.npz``: one bit in the middle of the largest member's stored bytes
      (the zip headers and the member's .npy header stay valid);
    - ``.gz``: one bit in the middle of the compressed stream (between the
      10-byte header and the 8-byte trailer);
    - text: a digit in the middle of the file, replaced by another digit
      (``'4'`` <-> ``'5'``), so the file still parses.
    """
    name = path.name
    size = path.stat().st_size
    if name.endswith(".npy"):
        start, item = _npy_data_offset(path)
        count = (size - start) // item
        _flip_at(path, start + (count // 2) * item)
    elif name.endswith(".npz"):
        start, stored = _npz_member_data(path)
        _flip_at(path, start + stored // 2 + 64)
    elif name.endswith(".gz"):
        _flip_at(path, 10 + (size - 18) // 2, 0x10)
    else:
        data = path.read_bytes()
        first = data.index(b"\n") + 1  # keep a header line intact
        middle = first + (size - first) // 2
        digit = re.compile(rb"[0-9]")
        found = digit.search(data, middle) or digit.search(data, first)
        assert found, f"{path}: no digit to flip"
        _flip_at(path, found.start())
    os.utime(path)


def delete(path: Path) -> None:
    """Remove the file."""
    path.unlink()


FAULTS = {"truncate": truncate, "flip": flip, "delete": delete}


# --- comparing results ----------------------------------------------------------


def _untimed(obj: Any) -> Any:
    """A JSON value without its timings (keys naming seconds)."""
    if isinstance(obj, dict):
        return {k: _untimed(v) for k, v in obj.items() if "seconds" not in k}
    if isinstance(obj, list):
        return [_untimed(v) for v in obj]
    return obj


def same_result(got: Path, want: Path) -> bool:
    """Whether two result files hold the same result (timings aside).

    ``.npz``: every array but ``meta``; ``.json``: the parsed value without
    keys naming seconds; anything else: bytes.
    """
    if not got.exists():
        return False
    if got.name.endswith(".npz"):
        try:
            with np.load(got) as a, np.load(want) as b:
                keys = set(b) - {"meta"}
                return set(a) - {"meta"} == keys and all(
                    np.array_equal(a[k], b[k]) for k in keys
                )
        except Exception:  # an unreadable file is a changed file
            return False
    if got.name.endswith(".json"):
        try:
            return _untimed(json.loads(got.read_text())) == _untimed(
                json.loads(want.read_text())
            )
        except ValueError:
            return False
    return got.read_bytes() == want.read_bytes()


def changed_results(workdir: Path, original: Path, files: Iterable[str]) -> list[str]:
    """Those of ``files`` (relative to results/tiny) that differ from the original."""
    return [
        rel
        for rel in dict.fromkeys(files)
        if (original / RESULTS / rel).exists()
        and not same_result(workdir / RESULTS / rel, original / RESULTS / rel)
    ]


def temp_files(workdir: Path) -> list[str]:
    """Temporary files of atomic writes (``.<name>.<random>.tmp<suffixes>``)."""
    return sorted(
        str(p.relative_to(workdir)) for p in (workdir / RESULTS).rglob(".*.tmp*")
    )


# --- judging a rerun ------------------------------------------------------------


@dataclass(frozen=True)
class FailedJob:
    """A job Snakemake reports as failed, and its log file."""

    rule: str
    log: Path | None


def failed_jobs(out: str, workdir: Path) -> list[FailedJob]:
    """The failed jobs of a Snakemake run, from its output."""
    jobs = []
    for block in re.split(r"\n(?=\S)", out):
        m = re.match(r"(?:\[.*?\]\s*)?Error in rule (\w+):", block.strip())
        if not m:
            continue
        log = re.search(r"^\s*log: (\S+)", block, re.M)
        jobs.append(FailedJob(m[1], workdir / log[1] if log else None))
    return jobs


def last_line(path: Path) -> str:
    """The last non-empty line of a text file."""
    lines = [line for line in path.read_text(errors="replace").splitlines() if line]
    return lines[-1] if lines else ""


def tracebacks(workdir: Path) -> list[str]:
    """The job logs that hold a Python traceback."""
    logs = (workdir / RESULTS / "logs").rglob("*.log")
    return sorted(
        str(p.relative_to(workdir))
        for p in logs
        if TRACEBACK in p.read_text(errors="replace")
    )


def check_invariant(
    proc: subprocess.CompletedProcess[str],
    workdir: Path,
    original: Path,
    damaged: str,
    compared: Iterable[str],
) -> None:
    """Assert: a clear failure naming ``damaged``, or a correct rebuild.

    Args:
        proc: the rerun.
        workdir: the damaged copy it ran in.
        original: the undamaged run.
        damaged: the damaged file, relative to results/tiny.
        compared: files (relative to results/tiny) that a rebuild must leave
            equal to the original's; the key products are always compared.
    """
    out = proc.stdout + proc.stderr
    where = f"{damaged}: snakemake exited {proc.returncode}"
    shown = tracebacks(workdir)
    assert not shown, (
        f"{where}; a Python traceback in "
        + "; ".join(f"{s} ({last_line(workdir / s)})" for s in shown)
        + "\n"
        + "\n".join((workdir / s).read_text()[-1500:] for s in shown)
    )
    if proc.returncode == 0:
        changed = changed_results(workdir, original, [*compared, *KEY_PRODUCTS])
        assert not changed, f"{where} with changed results: {changed}\n{out[-3000:]}"
        return
    failed = failed_jobs(out, workdir)
    assert failed, f"{where} but no failed job:\n{out[-3000:]}"
    for job in failed:
        assert job.log is not None and job.log.exists(), f"{where}; {job}: no log"
        line = last_line(job.log)
        assert line.startswith("qwem: error: ") and damaged in line, (
            f"{where}; the log of {job.rule} ({job.log.relative_to(workdir)}) "
            f"does not end naming {damaged}: {line!r}\n"
            + job.log.read_text(errors="replace")[-1500:]
        )
