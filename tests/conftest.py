"""Shared fixtures: repository paths, a Snakemake runner, tiny configurations."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"

SnakemakeRunner = Callable[..., subprocess.CompletedProcess[str]]

# Frequent words of the bundled corpus (all in the tiny run's vocabulary).
_MEN_WORDS = [
    "a",
    "after",
    "all",
    "also",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "been",
    "but",
    "by",
    "century",
    "city",
    "first",
    "for",
    "from",
    "had",
    "has",
    "have",
    "he",
    "her",
    "his",
    "in",
    "is",
    "it",
    "its",
    "more",
    "national",
    "new",
    "not",
    "of",
    "on",
    "one",
    "or",
    "other",
    "school",
    "state",
    "that",
    "the",
    "their",
    "they",
    "this",
    "time",
    "to",
    "two",
    "united",
    "war",
    "was",
    "were",
    "which",
    "who",
    "with",
    "world",
]


def synthetic_men(path: Path, *, pairs: int = 150, seed: int = 0) -> Path:
    """A MEN-format file ("word1 word2 score") of random pairs of frequent words
    with random scores 0..50: what the workflow fetches as MEN at test time
    (no download, and no similarity data in the repository)."""
    rng = random.Random(seed)
    lines = ["word1 word2 score"]
    for _ in range(pairs):
        a, b = rng.sample(_MEN_WORDS, 2)
        lines.append(f"{a} {b} {float(rng.randint(0, 50))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


MEN_SYNTHETIC = synthetic_men(
    Path(tempfile.gettempdir()) / f"qwem-tests-{os.getuid()}" / "men-synthetic.txt"
)


def _env() -> dict[str, str]:
    """Rules call `qwem`: put this interpreter's scripts first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def kill_during(
    cmd: list[str], workdir: Path, wait: Callable[[subprocess.Popen[str]], None]
) -> subprocess.Popen[str]:
    """Start ``cmd`` in its own process group (snakemake and its jobs), call
    ``wait(proc)`` until the moment to strike, then SIGKILL the whole group."""
    with subprocess.Popen(
        cmd,
        cwd=workdir,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            wait(proc)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc


AUDIT = ROOT / "tests/tools/audited_snakemake.py"
# the workflow's own code: the Snakefile, the rules and the qwem package
AUDIT_ROOTS = [ROOT / "Snakefile", ROOT / "workflow", ROOT / "src/qwem"]


def audited_dry_run(
    tmp_path: Path, *args: str, roots: list[Path] = AUDIT_ROOTS
) -> tuple[list[str], str]:
    """Events of the workflow's code during ``snakemake -n ARGS`` (checkout as
    cwd): each connection, name lookup or process start, with the workflow
    frame that caused it (tests/tools/audited_snakemake.py); and the output."""
    import qwem

    events = tmp_path / "events.json"
    # the installed package may live elsewhere (a non-editable install)
    where = [*roots, Path(qwem.__file__).parent]
    cmd = [sys.executable, str(AUDIT), str(events), ":".join(map(str, where))]
    # a GPU tool on PATH, so that code probing the host for a GPU is caught
    # here too, not only on a GPU machine
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "nvidia-smi").write_text("#!/bin/sh\necho 'GPU 0: test'\n")
    (bin_dir / "nvidia-smi").chmod(0o755)
    env = _env()
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    proc = subprocess.run(
        [*cmd, "-n", "--cores", "1", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return json.loads(events.read_text()), out


def runner(workdir: Path) -> SnakemakeRunner:
    """A function running the real workflow in ``workdir``: run(*args, check=True)."""

    def run(*args: str, check: bool = True) -> Any:
        cmd = [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(ROOT / "Snakefile"),
        ]
        cmd += ["--cores", "2", *args]
        proc = subprocess.run(
            cmd, cwd=workdir, env=_env(), capture_output=True, text=True
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"snakemake {' '.join(args)} failed ({proc.returncode}):\n"
                f"{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
            )
        return proc

    return run


@pytest.fixture
def snakemake(tmp_path: Path) -> SnakemakeRunner:
    """Run the real workflow in tmp_path: snakemake(*args, check=True)."""
    return runner(tmp_path)


def write_config(path: Path, overrides: dict[str, Any]) -> Path:
    """Write a config overlay (YAML) and return its path."""
    path.write_text(yaml.safe_dump(overrides, sort_keys=False))
    return path


_TINY_RUN = {"init": 0.1, "lr": 1.0, "steps": 40}
TINY = {
    "name": "tiny",
    "vocab_size": 300,
    "context_length": 4,
    "dim": 8,
    "corpus": {"sources": ["bundled"], "min_article_words": 50},
    # Snakemake merges config overlays key by key, so the default config's run
    # names are all redefined here with a few steps each (roles as the default's;
    # all at init 0.1, so both Fig. 2 panels are at 0.1)
    "train": {
        "batch_size": 256,
        "trace_every": 10,
        "trace_log_points": 5,
        "checkpoints": 4,
        "state_every": 20,
        "singular_values": 4,
        "runs": {
            "qwem_small": {
                "loss": "qwem",
                "reweighting": "omniscient",
                **_TINY_RUN,
                "roles": {"fig1": "qwem", "fig2": "qwem-small"},
            },
            "qwem_large": {
                "loss": "qwem",
                "reweighting": "omniscient",
                **_TINY_RUN,
                "roles": {"table1": "qwem", "fig2": "qwem-large", "ablation": "qwem"},
            },
            "sgns_small": {
                "loss": "sgns",
                "reweighting": "sgns",
                **_TINY_RUN,
                "roles": {"fig1": "sgns", "fig2": "sgns-small"},
            },
            "sgns_large": {
                "loss": "sgns",
                "reweighting": "sgns",
                **_TINY_RUN,
                "roles": {"table1": "sgns", "fig2": "sgns-large", "ablation": "sgns"},
            },
            "ablation_quartic": {
                "loss": "qwem",
                "reweighting": "sgns",
                **_TINY_RUN,
                "roles": {"ablation": "quartic"},
            },
            "ablation_setting31": {
                "loss": "sgns",
                "reweighting": "omniscient",
                **_TINY_RUN,
                "roles": {"ablation": "setting31"},
            },
        },
    },
    # two epochs: the trace (train/gensim/checkpoints.csv) has three rows
    "baseline": {"epochs": 2},
    # no download at test time: a synthetic MEN-format file written above
    "evaluate": {
        "men": {"url": str(MEN_SYNTHETIC), "member": None},
        "concepts": {"directions": 3, "top": 5, "among": 200},
        "agreement": {"dims": [1, 2, 4, 8], "modes": 4, "k": [1, 2, "d"]},
        "bootstrap": {"resamples": 200},
    },
    # every tiny run starts at 0.1: the theory curves must have that init
    "theory": {"inits": [1.0e-12, 0.1]},
    "rmt": {"dim": 64, "hist_dims": [16, 32, 64], "points": 5, "modes": 20},
}


@pytest.fixture
def tiny_config(tmp_path: Path) -> Path:
    """A small but complete run on the bundled corpus (name 'tiny')."""
    return write_config(tmp_path / "tiny.yaml", TINY)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SnakemakeRunner]:
    """The whole DAG run once on the tiny configuration; (workdir, runner).

    Tests that only read its outputs share it; tests that change files or
    configuration make their own run.
    """
    workdir = tmp_path_factory.mktemp("tiny-run")
    config = write_config(workdir / "tiny.yaml", TINY)
    run = runner(workdir)
    run("--configfile", str(config))
    return workdir, run


@pytest.fixture
def tiny_copy(
    tiny_run: tuple[Path, SnakemakeRunner], tmp_path: Path
) -> tuple[Path, SnakemakeRunner]:
    """A copy of the tiny run (file times and Snakemake's records kept)."""
    workdir, _ = tiny_run
    dest = tmp_path / "run"
    shutil.copytree(
        workdir, dest, symlinks=True, ignore=shutil.ignore_patterns("locks")
    )
    return dest, runner(dest)


def flip_byte(path: Path, from_end: int = 1, *, xor: int = 1) -> None:
    """Change one byte of ``path`` in place: the byte ``from_end`` bytes before
    its end (in the data, not a header), XORed with ``xor``."""
    data = bytearray(path.read_bytes())
    data[-from_end] ^= xor
    path.write_bytes(bytes(data))
