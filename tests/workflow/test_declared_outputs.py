"""Every file a job leaves behind is one the workflow declares.

Snakemake removes a failed job's declared outputs and can tell stale from
fresh only for files it knows; a file written beside them would survive a
failure and be mistaken for a good one. After the tiny run, every file under
``results/tiny`` must be a declared output (or inside a declared directory), a
log or benchmark of a rule, the provenance sidecar ``<output>.meta.json``
written with a declared output, or the HTML report (written by ``snakemake
--report`` after the run, by another test of the shared run, in any order).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from conftest import SnakemakeRunner

pytestmark = pytest.mark.workflow


def declared(workdir: Path, run: SnakemakeRunner) -> set[str]:
    """Output files (and directories) of every job of the run's DAG."""
    proc = run("--configfile", str(workdir / "tiny.yaml"), "--detailed-summary")
    rows = csv.DictReader(io.StringIO(proc.stdout), delimiter="\t")
    return {row["output_file"] for row in rows}


def undeclared(workdir: Path, outputs: set[str]) -> list[str]:
    """Files under results/tiny that no job declares."""
    dirs = tuple(f"{o}/" for o in outputs if (workdir / o).is_dir())
    found = []
    for path in sorted((workdir / "results/tiny").rglob("*")):
        rel = str(path.relative_to(workdir))
        if path.is_dir() or rel.startswith(
            ("results/tiny/logs/", "results/tiny/benchmarks/")
        ):
            continue
        if rel == "results/tiny/report.html":  # `snakemake --report`, not a job
            continue
        if rel in outputs or rel.startswith(dirs):
            continue
        if rel.endswith(".meta.json") and rel.removesuffix(".meta.json") in outputs:
            continue
        found.append(rel)
    return found


def test_every_file_of_the_tiny_run_is_declared(
    tiny_run: tuple[Path, SnakemakeRunner],
) -> None:
    workdir, run = tiny_run
    outputs = declared(workdir, run)
    assert "results/tiny/train/qwem_small/trace.csv" in outputs
    assert undeclared(workdir, outputs) == []


def test_an_undeclared_file_is_found(tiny_run: tuple[Path, SnakemakeRunner]) -> None:
    """The check can fail: a stray file beside the outputs is reported."""
    workdir, run = tiny_run
    outputs = declared(workdir, run)
    stray = workdir / "results/tiny/train/qwem_small/stray.npy"
    stray.write_bytes(b"")
    try:
        assert undeclared(workdir, outputs) == [
            "results/tiny/train/qwem_small/stray.npy"
        ]
    finally:
        stray.unlink()
