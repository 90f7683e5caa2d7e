"""Fixtures of the fault suite: a damaged copy of the shared tiny run per case."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SnakemakeRunner, runner
from faults.injection import copy_run


@pytest.fixture
def fault_copy(
    tiny_run: tuple[Path, SnakemakeRunner], tmp_path: Path
) -> tuple[Path, SnakemakeRunner]:
    """A full copy of the tiny run for one case to damage; (workdir, runner)."""
    workdir = copy_run(tiny_run[0], tmp_path / "run")
    return workdir, runner(workdir)
