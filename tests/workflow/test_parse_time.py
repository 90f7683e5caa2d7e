"""Planning the workflow touches nothing outside the checkout.

``snakemake -n`` parses the Snakefile, validates the config and builds the
DAG. For every shipped config and workflow profile it must open no network
connection and start no process: the dump index is a checkpoint rule, GPU
requests come from the config and profile, not from probing the host.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, audited_dry_run

pytestmark = pytest.mark.workflow

PROFILES = sorted(p.name for p in (ROOT / "workflow/profiles").iterdir())
CONFIGS = sorted(p.name for p in (ROOT / "config").glob("*.yaml"))


def test_the_profiles_and_configs_are_all_covered() -> None:
    assert {"default", "text8", "paper", "slurm"} <= set(PROFILES)
    assert {"config.yaml", "text8.yaml", "paper.yaml"} <= set(CONFIGS)


@pytest.mark.parametrize("profile", PROFILES)
def test_dry_run_of_each_profile_connects_and_spawns_nothing(
    tmp_path: Path, profile: str
) -> None:
    events, out = audited_dry_run(
        tmp_path,
        "--workflow-profile",
        f"workflow/profiles/{profile}",
        "--directory",
        str(tmp_path),
    )
    assert "Building DAG of jobs" in out
    assert events == [], f"profile {profile}: {events}"


@pytest.mark.parametrize("config", CONFIGS)
def test_dry_run_of_each_config_connects_and_spawns_nothing(
    tmp_path: Path, config: str
) -> None:
    files = [str(ROOT / "config/config.yaml"), str(ROOT / "config" / config)]
    events, out = audited_dry_run(
        tmp_path, "--configfile", *files, "--directory", str(tmp_path)
    )
    assert "Building DAG of jobs" in out
    assert events == [], f"config {config}: {events}"


def test_the_audit_sees_a_connection_and_a_process(tmp_path: Path) -> None:
    """The check can fail: a Snakefile that probes the host is caught."""
    snakefile = tmp_path / "Snakefile"
    snakefile.write_text(
        "import socket, subprocess\n"
        "subprocess.run(['true'])\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
        "except OSError:\n"
        "    pass\n"
        "rule all:\n"
        "    output: 'x'\n"
        "    shell: 'touch x'\n"
    )
    events, _ = audited_dry_run(
        tmp_path, "--snakefile", str(snakefile), roots=[snakefile]
    )
    kinds = {e.split()[0] for e in events}
    assert "subprocess.Popen" in kinds and "socket.connect" in kinds
