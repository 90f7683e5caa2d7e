"""Checks of tests/cluster/slurm_local.sh's two runs; writes DIR/report.json.

usage: check_run.py DIR [--seconds-local S] [--seconds-slurm S]

DIR holds local/ and slurm/ (the same targets run with the default and the
slurm profile), their Snakemake output (local.log, slurm.log), and what the
script saved from SLURM: slurmctld.log (the lines this run added), squeue.txt
(`squeue -t all -o '%i|%j|%T|%b'`) and scontrol.txt (`scontrol show job -o`).
Every problem is printed; the exit status is 1 when there is one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

SUBMITTED = re.compile(
    r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (\S+)\)\."
)
ALLOCATED = re.compile(
    r"(?:sched: Allocate|sched/backfill: _start_job: Started) JobId=(\d+)"
)
STATS_ROW = re.compile(r"^(\w+)\s+(\d+)$")
# metadata keys holding wall times: the only thing allowed to differ
TIMINGS = {"seconds", "wall_seconds"}


def job_stats(log: str) -> Counter[str]:
    """Jobs per rule from the first 'Job stats:' table of a Snakemake log."""
    table = log.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    rows = (STATS_ROW.match(line.strip()) for line in table.splitlines())
    return Counter({m[1]: int(m[2]) for m in rows if m and m[1] != "total"})


def rule_of(slurm_log: Path) -> str:
    """The rule of a SLURM job log .snakemake/slurm_logs/rule_<rule>/.../<id>.log."""
    return slurm_log.parts[slurm_log.parts.index("slurm_logs") + 1][len("rule_") :]


def slurm_checks(d: Path, problems: list[str]) -> dict[str, object]:
    """Every job Snakemake ran was a SLURM job: submitted, allocated, completed."""
    log = (d / "slurm.log").read_text()
    planned = job_stats(log)
    submitted = {int(j): Path(p) for _, j, p in SUBMITTED.findall(log)}
    rules = Counter(rule_of(p) for p in submitted.values())
    if rules != planned:
        problems.append(f"jobs submitted per rule {dict(rules)} != planned {planned}")
    # the controller's log of the run's time span: the other cluster test
    # (make test-cluster runs both at once) adds its own jobs to it
    logged = {int(j) for j in ALLOCATED.findall((d / "slurmctld.log").read_text())}
    allocated = logged & set(submitted)
    if allocated != set(submitted):
        problems.append(
            f"slurmctld never allocated {sorted(set(submitted) - allocated)}"
        )
    run_id = re.search(r"SLURM run ID: (\S+)", log)
    name = run_id[1] if run_id else "?"
    queue = [line.split("|") for line in (d / "squeue.txt").read_text().splitlines()]
    ours = {int(i): state for i, job_name, state, _ in queue if job_name == name}
    if set(ours) != set(submitted) or set(ours.values()) != {"COMPLETED"}:
        problems.append(f"squeue -t all for run {run_id}: {ours}")
    # slurmd writes each job's output to <rule>/<wildcards>/<SLURM job id>.log:
    # the rule ran to its end inside that job
    for job, path in submitted.items():
        rule = rule_of(path)
        text = path.read_text() if path.exists() else ""
        if f"rule {rule}:" not in text or "1 of 1 steps (100%) done" not in text:
            problems.append(f"SLURM job {job}: {path} does not show {rule} done")
    gpus = {}
    for line in (d / "scontrol.txt").read_text().splitlines():
        job = re.search(r"JobId=(\d+)", line)
        if job and int(job[1]) in submitted:
            gpus[int(job[1])] = "gres/gpu=1" in line or "gres:gpu:1" in line
    train = {j for j, p in submitted.items() if "rule_train_run" in p.parts}
    if not train or not all(gpus.get(j) for j in train):
        problems.append(f"train_run jobs {train} did not all hold a GPU: {gpus}")
    if any(gpus.get(j) for j in set(submitted) - train):
        problems.append("a job other than train_run asked for a GPU")
    return {
        "planned": dict(planned),
        "submitted": len(submitted),
        "allocated": len(allocated),
        "completed": sum(s == "COMPLETED" for s in ours.values()),
        "gpu_jobs": sorted(j for j, g in gpus.items() if g),
        "run_id": name,
    }


def content(path: Path) -> Any:
    """A file's content for comparison, without the timings that it records."""
    if path.suffix == ".json":
        return untimed(json.loads(path.read_text()))
    if path.suffix == ".npy":
        return np.load(path)
    if path.suffix == ".npz":  # np.savez stamps each member with the time
        with np.load(path) as z:
            return {k: untimed(z[k]) for k in z}
    if path.suffix == ".csv":  # checkpoint tables record training wall time
        import pandas as pd

        table = pd.read_csv(path)
        return {c: table[c].to_numpy() for c in table.columns if c not in TIMINGS}
    if path.suffix == ".pt":  # the training state: tensors, RNG state, trace
        import torch

        return untimed(torch.load(path, weights_only=False))
    return path.read_bytes()


def untimed(value: Any) -> Any:
    """JSON-like value (or a 0-d string array holding JSON) minus 'seconds' keys."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "U" and value.ndim == 0:
        try:
            value = json.loads(str(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: untimed(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list | tuple):
        return [untimed(v) for v in value]
    if hasattr(value, "numpy"):  # a torch tensor
        return value.numpy()
    return value


def max_difference(a: Any, b: Any) -> float:
    """0 for equal contents, the largest |a - b| of differing arrays, else inf."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return float("inf")
        return max((max_difference(a[k], b[k]) for k in a), default=0.0)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return float("inf")
        return max(
            (max_difference(x, y) for x, y in zip(a, b, strict=True)), default=0.0
        )
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return float("inf")
        if np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
            return 0.0
        if a.dtype.kind not in "fc":
            return float("inf")
        return float(np.nanmax(np.abs(a - b)))
    return 0.0 if type(a) is type(b) and a == b else float("inf")


def result_checks(d: Path, problems: list[str]) -> dict[str, object]:
    """The SLURM run's results equal the local run's, file by file."""
    local, slurm = d / "local/results/tiny", d / "slurm/results/tiny"
    files = sorted(
        p.relative_to(local)
        for p in local.rglob("*")
        if p.is_file() and p.relative_to(local).parts[0] not in ("logs", "benchmarks")
    )
    identical, untimed_equal = [], []
    for rel in files:
        a, b = local / rel, slurm / rel
        if not b.exists():
            problems.append(f"{rel}: missing from the SLURM run")
        elif a.read_bytes() == b.read_bytes():
            identical.append(str(rel))
        elif (diff := max_difference(content(a), content(b))) == 0:
            untimed_equal.append(str(rel))
        else:
            # one CPU thread in both runs (tiny V, d and batch): even the
            # eigensolver and SGD give the same bits, so any difference is a bug
            problems.append(f"{rel}: contents differ (max |difference| {diff:.3g})")
    if not any(f.startswith("stats/") and f.endswith(".npy") for f in identical):
        problems.append("no statistics compared")
    return {
        "files": len(files),
        "identical": identical,
        "equal_but_timings": untimed_equal,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--seconds-local", type=int)
    parser.add_argument("--seconds-slurm", type=int)
    args = parser.parse_args()
    problems: list[str] = []
    report = {
        "slurm": slurm_checks(args.dir, problems),
        "results": result_checks(args.dir, problems),
        "seconds": {"local": args.seconds_local, "slurm": args.seconds_slurm},
        "problems": problems,
    }
    (args.dir / "report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({k: report[k] for k in ("slurm", "seconds")}, indent=2))
    for p in problems:
        print(f"PROBLEM: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
