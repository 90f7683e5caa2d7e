"""One SLURM job SIGKILLed mid-run, the workflow resumed; writes DIR/fault_report.json.

usage: kill_resume.py DIR [--words N] [--part PART]

The tiny configuration on a synthetic text8 cut into four token parts (text8's
own `shards` setting; text8.zip is read from a local path, no download), run
to results/tiny/stats/stats.json three times (1 side by side with 2 and 3: a
SLURM run's time is mostly job start-up and status polling, so together they
take little more than the longer one):

1. DIR/clean: uninterrupted, on this machine with the default profile (the
   reference; tests/cluster/test_slurm_local.py shows that a local run and a
   SLURM run give the same bits).
2. DIR/killed, through workflow/profiles/slurm: once the vocab_tokenize job
   of PART (default text8-002, the third of four) is RUNNING in squeue and
   its `qwem vocab tokenize` process has entered its tokenising loop (the
   progress line in the rule's log), that process alone is sent SIGKILL, as
   the kernel's OOM killer or a crash would end it: no handler runs, nothing
   is cleaned up by qwem itself. Snakemake keeps going, so every job that
   does not need the killed one completes.
3. DIR/killed again, the same command as 2: the resume.

Checked (every problem is printed; exit status 1 when there is one): the
process, frozen (SIGSTOP) the moment its loop began, was in a RUNNING SLURM
job, had not finished and had written nothing when it was killed; its SLURM
job ended FAILED, its shell command with status 137; no output of the killed
job, nor a temporary file of any write, was left behind; the interrupted run
completed every job outside the killed job's downstream; the resume ran (and
submitted to SLURM) exactly the killed job and its downstream, and left every
other file of the interrupted run as it was (bytes and mtime); every job of the
two SLURM runs ran through SLURM (in `squeue -t all`, COMPLETED but for the
killed one); and every final output of DIR/killed equals DIR/clean's byte for
byte, or, for files that record wall times, equal but for those timing keys
(check_run.py's rule, each such file listed in the report).

SIGKILL to the process rather than `scancel`: scancel (like a time limit or
preemption) sends SIGTERM first, which qwem turns into an exception that
removes its temporary file (qwem.io.atomic_path), the gentle path; SIGKILL
leaves on disk whatever was there. The kill strikes in the loop, before the
job writes anything, so Snakemake's removal of a failed job's outputs finds
nothing to remove; what is checked is that nothing of the job is left.

Runs all three with `--retries 0` on top of the profiles (whose `retries: 2`
would otherwise resubmit the killed job within the same run, a different
path from the resume tested here), and with the SLURM test settings of
slurm_local.sh run (squeue status checks, a 2 s first check, kept SLURM logs).
Needs the cluster up (tests/cluster/slurm_local.sh up).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import signal
import string
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from check_run import SUBMITTED, content, job_stats, max_difference, rule_of

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
from conftest import TINY  # noqa: E402

TARGET = "results/tiny/stats/stats.json"
PARTS = [f"text8-{i:03d}" for i in range(4)]
# the jobs of TARGET on four token parts (corpus_fetch_text8 is a localrule)
ALL_JOBS = Counter(
    corpus_fetch_text8=1,
    corpus_split_text8=1,
    vocab_count=4,
    vocab_build=1,
    vocab_tokenize=4,
    cooccur_count=4,
    cooccur_merge=1,
    targets_build=1,
)
# the killed vocab_tokenize job and everything downstream of it
RESUMED = Counter(vocab_tokenize=1, cooccur_count=1, cooccur_merge=1, targets_build=1)
FINISHED = re.compile(r"Finished jobid: \d+ \(Rule: (\w+)\)")
# a temporary file of qwem.io.atomic_path: .<name>.<8 random chars>.tmp<suffixes>
TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp(\.\w+)*$")


def log(msg: str) -> None:
    print(f"[kill_resume {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr)


def synthetic_text8(path: Path, words: int, seed: int = 0) -> int:
    """A text8-like zip (one member `text8`: " w1 w2 ...", lowercase a-z) of
    ``words`` Zipf-distributed words over 2,000 random letter strings."""
    rng = np.random.default_rng(seed)
    letters = np.array(list(string.ascii_lowercase))
    vocab = np.array(
        ["".join(rng.choice(letters, size=rng.integers(2, 9))) for _ in range(2000)]
    )
    p = 1.0 / np.arange(1, vocab.size + 1)
    text = " " + " ".join(vocab[rng.choice(vocab.size, size=words, p=p / p.sum())])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("text8", text)
    return len(text)


def write_config(d: Path, words: int) -> Path:
    """The tiny configuration on the synthetic text8 in four parts."""
    zip_path = d / "text8.zip"
    member = synthetic_text8(zip_path, words)
    config = {
        **TINY,
        "corpus": {
            "sources": ["text8"],
            "text8": {
                "url": str(zip_path),
                "bytes": zip_path.stat().st_size,
                "member_bytes": member,
                "words": words,
                "doc_words": 1000,
                "shards": len(PARTS),
            },
        },
    }
    path = d / "tiny4.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def command(config: Path, *, slurm: bool = True) -> list[str]:
    """The run's command line: through the slurm profile (with the test's
    SLURM settings), or on this machine with the default profile."""
    profile = "slurm" if slurm else "default"
    settings = [
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--slurm-keep-successful-logs",
    ]
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--configfile",
        str(config),
        "--workflow-profile",
        str(REPO / f"workflow/profiles/{profile}"),
        *(settings if slurm else ["--cores", "2"]),
        "--retries",
        "0",
        "--",
        TARGET,
    ]


def environment() -> dict[str, str]:
    """Rules run `qwem`: this interpreter's scripts first on PATH (sbatch
    passes the environment on to the jobs)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def start(cmd: list[str], workdir: Path, logfile: Path) -> subprocess.Popen[bytes]:
    workdir.mkdir(parents=True, exist_ok=True)
    with open(logfile, "wb") as out:
        return subprocess.Popen(
            cmd, cwd=workdir, env=environment(), stdout=out, stderr=subprocess.STDOUT
        )


def run(cmd: list[str], workdir: Path, logfile: Path) -> tuple[int, float]:
    t0 = time.monotonic()
    rc = start(cmd, workdir, logfile).wait()
    return rc, time.monotonic() - t0


def slurm_state(job: str) -> str:
    out = subprocess.run(
        ["squeue", "-h", "-t", "all", "-j", job, "-o", "%T"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def find_process(workdir: Path, argv_part: str) -> int | None:
    """The pid of the `qwem vocab tokenize` process reading ``argv_part`` in
    ``workdir`` (the clean run, at the same time, reads the same relative path)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = (entry / "cwd").resolve()
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv]
        if (
            len(args) > 3
            and Path(args[1]).name == "qwem"
            and args[2:4] == ["vocab", "tokenize"]
            and argv_part in args
            and cwd == workdir
        ):
            return int(entry.name)
    return None


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    pairs = (e.decode(errors="replace").partition("=") for e in raw if b"=" in e)
    return {k: v for k, _, v in pairs}


def process_state(pid: int) -> str:
    """The state letter of /proc/<pid>/stat (R, S, T stopped, ...), '' if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[0]


def job_files(workdir: Path, part: str) -> list[str]:
    """What vocab_tokenize ``part`` writes that exists now: its three outputs
    and any temporary file of theirs."""
    tokens = workdir / "results/tiny/corpus/tokens"
    if not tokens.is_dir():
        return []
    return sorted(
        f.name
        for f in tokens.iterdir()
        if f.name.startswith((f"part-{part}.", f".part-{part}."))
    )


def strike(
    proc: subprocess.Popen[bytes], workdir: Path, part: str, timeout: float = 600
) -> dict[str, Any]:
    """SIGKILL the vocab_tokenize process of ``part`` while it is tokenising.

    The process is found as soon as it starts; the moment its log shows the
    tokenising loop's progress line it is frozen (SIGSTOP), its state is
    recorded (SLURM job state, the log, the job's files on disk), then it is
    killed (SIGKILL). The loop takes about 0.25 s per million words on a quiet
    machine (0.45-0.5 s for a 2 M-word part, measured); the strike comes within
    a poll (20 ms) of the line.
    """
    rule_log = workdir / f"results/tiny/logs/vocab_tokenize/{part}.log"
    text = f"results/tiny/text/part-{part}.txt.gz"
    marker = f"tokenize part-{part}.txt.gz:"  # the progress bar, in the loop
    deadline = time.monotonic() + timeout
    pid = None
    while time.monotonic() < deadline and proc.poll() is None:
        if not rule_log.exists():  # the job's command has not started
            time.sleep(0.05)
            continue
        if pid is None:
            pid = find_process(workdir, text)
        if pid is not None and marker in rule_log.read_text(errors="replace"):
            seen = time.monotonic()
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                return {}  # too late: it finished
            stopped = time.monotonic()
            while process_state(pid) not in ("T", "") and time.monotonic() < seen + 5:
                time.sleep(0.01)
            job = environ_of(pid).get("SLURM_JOB_ID", "")
            frozen = {
                "pid": pid,
                "process_state": process_state(pid),
                "slurm_job": job,
                "state_when_struck": slurm_state(job) if job else "",
                "files_when_struck": job_files(workdir, part),
                "log_when_struck": rule_log.read_text(errors="replace"),
                # from reading the line (a poll, <= 20 ms, after its writing)
                "ms_line_read_to_sigstop": round(1000 * (stopped - seen), 1),
            }
            os.kill(pid, signal.SIGKILL)
            killed = time.monotonic()
            while process_state(pid) and time.monotonic() < killed + 10:
                time.sleep(0.05)
            log(
                f"SIGKILL to pid {pid} (SLURM job {job}, {frozen['state_when_struck']})"
            )
            return frozen
        time.sleep(0.02)
    return {}


def snapshot(results: Path) -> dict[str, tuple[int, str]]:
    """mtime (ns) and sha256 of every file under ``results``."""
    return {
        str(p.relative_to(results)): (
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(results.rglob("*"))
        if p.is_file()
    }


def slurm_jobs(logfile: Path) -> dict[str, str]:
    """SLURM job id -> rule of every job a Snakemake log says it submitted."""
    text = logfile.read_text()
    return {j: rule_of(Path(p)) for _, j, p in SUBMITTED.findall(text)}


def planned(logfile: Path) -> Counter[str]:
    """Jobs per rule of a Snakemake log's 'Job stats:' table (none: empty)."""
    text = logfile.read_text()
    return job_stats(text) if "Job stats:" in text else Counter()


def finished(logfile: Path) -> Counter[str]:
    return Counter(FINISHED.findall(logfile.read_text()))


def compare(clean: Path, killed: Path, problems: list[str]) -> dict[str, Any]:
    """Every final output (all but logs/ and benchmarks/) of the two runs."""

    def outputs(root: Path) -> set[Path]:
        return {
            p.relative_to(root)
            for p in root.rglob("*")
            if p.is_file()
            and p.relative_to(root).parts[0] not in ("logs", "benchmarks")
        }

    a, b = outputs(clean), outputs(killed)
    if a != b:
        problems.append(
            f"final outputs differ: only clean {sorted(map(str, a - b))}, "
            f"only killed {sorted(map(str, b - a))}"
        )
    identical, untimed_equal = [], []
    for rel in sorted(a & b):
        if (clean / rel).read_bytes() == (killed / rel).read_bytes():
            identical.append(str(rel))
        elif max_difference(content(clean / rel), content(killed / rel)) == 0:
            untimed_equal.append(str(rel))
        else:
            problems.append(f"{rel}: contents differ from the clean run")
    return {"identical": identical, "equal_but_timings": untimed_equal}


def interrupted(
    cmd: list[str], d: Path, part: str, problems: list[str]
) -> dict[str, Any]:
    """The run in DIR/killed whose vocab_tokenize ``part`` is SIGKILLed."""
    killed, results = d / "killed", d / "killed/results/tiny"
    proc = start(cmd, killed, d / "killed.log")
    try:
        struck = strike(proc, killed, part)
    finally:
        rc = proc.wait()
    if not struck:
        problems.append(f"vocab_tokenize {part} was not caught running")
    if rc == 0:
        problems.append("the interrupted run succeeded")
    # struck in its loop: stopped, not done ("tokens in" ends its log), and
    # none of its outputs written yet
    if struck and (
        struck["process_state"] != "T"
        or "tokens in" in struck["log_when_struck"]
        or struck["files_when_struck"]
    ):
        problems.append(f"vocab_tokenize {part} was not struck in its loop: {struck}")
    job = struck.get("slurm_job", "")
    if struck.get("state_when_struck") != "RUNNING":
        problems.append(f"SLURM job {job} was {struck.get('state_when_struck')}")
    struck["state_after"] = slurm_state(job) if job else ""
    if struck["state_after"] != "FAILED":
        problems.append(f"the killed SLURM job {job} ended {struck['state_after']!r}")
    # the job's own SLURM log: its shell command died of the signal
    job_log = (
        killed / f".snakemake/slurm_logs/rule_vocab_tokenize/tiny_{part}/{job}.log"
    )
    exit_status = "returned non-zero exit status 137"  # 128 + SIGKILL
    if not job_log.exists() or exit_status not in job_log.read_text():
        problems.append(f"no {exit_status!r} in {job_log}")
    plan = planned(d / "killed.log")
    if plan != ALL_JOBS:
        problems.append(f"the interrupted run planned {dict(plan)}")
    # it finished everything but the killed job and its downstream
    done = finished(d / "killed.log")
    if done != ALL_JOBS - RESUMED:
        problems.append(f"the interrupted run finished {dict(done)}")
    # nothing a later run could take for the killed job's output
    lost = [f"corpus/tokens/part-{part}{e}" for e in (".npy", ".offsets.npy", ".json")]
    lost.append(f"cooccur/part-{part}.npz")
    left = [f for f in lost if (results / f).exists()]
    temps = [str(p) for p in results.rglob(".*") if TEMP.match(p.name)]
    if left or temps:
        problems.append(f"the killed job left {left}, temporary files {temps}")
    return {**struck, "part": part, "planned": dict(plan), "finished": dict(done)}


def resumed(cmd: list[str], d: Path, part: str, problems: list[str]) -> dict[str, Any]:
    """The same command again in DIR/killed: only the killed job and its
    downstream run; every other file of the interrupted run stays as it was."""
    results = d / "killed/results/tiny"
    before = snapshot(results)
    rc, _ = run(cmd, d / "killed", d / "resumed.log")
    if rc != 0:
        problems.append(f"the resumed run failed ({rc}), see {d / 'resumed.log'}")
    plan = planned(d / "resumed.log")
    if plan != RESUMED:
        problems.append(f"the resume planned {dict(plan)}, expected {dict(RESUMED)}")
    done = finished(d / "resumed.log")
    if done != RESUMED:
        problems.append(f"the resume finished {dict(done)}")
    after = snapshot(results)
    # all but the killed job's log (its rerun writes it again) and the other
    # parts' counts, temp() outputs that cooccur_merge consumes
    consumed = {f"cooccur/part-{p}.npz" for p in PARTS if p != part}
    changed = sorted(
        f
        for f in before
        if f != f"logs/vocab_tokenize/{part}.log"
        and before[f] != after.get(f)
        and not (f in consumed and f not in after)
    )
    if changed:
        problems.append(f"the resume changed files of the interrupted run: {changed}")
    return {
        "planned": dict(plan),
        "finished": dict(done),
        "files_before": len(before),
        "changed": changed,
        "consumed": sorted(consumed & set(before) - set(after)),
    }


def through_slurm(d: Path, killed_job: str, problems: list[str]) -> dict[str, Any]:
    """Every job of the two SLURM runs was a SLURM job, COMPLETED but the killed one."""
    jobs = {n: slurm_jobs(d / f"{n}.log") for n in ("killed", "resumed")}
    everything = ALL_JOBS - Counter(corpus_fetch_text8=1)  # a localrule
    expected = {
        "killed": everything - RESUMED + Counter(vocab_tokenize=1),
        "resumed": RESUMED,
    }
    states = {n: {j: slurm_state(j) for j in jobs[n]} for n in jobs}
    for name, submitted in jobs.items():
        if Counter(submitted.values()) != expected[name]:
            problems.append(f"{name}: SLURM jobs per rule {submitted}")
        bad = {
            j: s
            for j, s in states[name].items()
            if s != "COMPLETED" and j != killed_job
        }
        if bad:
            problems.append(f"{name}: SLURM jobs not COMPLETED: {bad}")
    return {
        n: {j: f"{jobs[n][j]} {states[n][j]}" for j in sorted(jobs[n], key=int)}
        for n in jobs
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument(
        "--words",
        type=int,
        default=8_000_000,
        help="words of the synthetic text8 (2 M a part: the tokenising loop of a "
        "part, the window for the kill, takes about 0.5 s on a quiet machine)",
    )
    parser.add_argument("--part", default=PARTS[2], choices=PARTS)
    args = parser.parse_args()
    d = args.dir.resolve()
    d.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    config = write_config(d, args.words)
    cmd, local = command(config), command(config, slurm=False)
    (d / "command.txt").write_text(" ".join(cmd) + "\n" + " ".join(local) + "\n")
    seconds["setup"] = time.monotonic() - t0

    # the uninterrupted run goes on beside the other two, on this machine with
    # the default profile (tests/cluster/test_slurm_local.py shows a local run
    # and a SLURM run give the same bits): most of a SLURM run's time is job
    # start-up and the plugin's status polling, not work
    log(f"uninterrupted run in {d / 'clean'}, meanwhile the rest in {d / 'killed'}")
    clean = start(local, d / "clean", d / "clean.log")
    t1 = time.monotonic()
    ended: dict[str, float] = {}

    def wait_clean() -> None:
        clean.wait()
        ended["clean"] = time.monotonic()

    waiter = threading.Thread(target=wait_clean)
    waiter.start()
    try:
        log(f"run in {d / 'killed'}, its vocab_tokenize {args.part} to be killed")
        killed = interrupted(cmd, d, args.part, problems)
        seconds["killed"] = time.monotonic() - t1
        log("resuming with the same command")
        t2 = time.monotonic()
        resume = resumed(cmd, d, args.part, problems)
        seconds["resumed"] = time.monotonic() - t2
    finally:
        waiter.join()
    seconds["clean"] = ended["clean"] - t1
    if clean.returncode != 0:
        problems.append(f"the uninterrupted run failed ({clean.returncode})")
    plan, done = planned(d / "clean.log"), finished(d / "clean.log")
    if plan != ALL_JOBS or done != ALL_JOBS:
        problems.append(f"the uninterrupted run planned {plan}, finished {done}")

    slurm = through_slurm(d, killed.get("slurm_job", ""), problems)
    comparison = compare(d / "clean/results/tiny", d / "killed/results/tiny", problems)
    if not comparison["identical"]:
        problems.append("nothing compared byte for byte")
    seconds["total"] = time.monotonic() - t0
    report = {
        "killed": {k: v for k, v in killed.items() if k != "log_when_struck"},
        "log_when_struck": killed.get("log_when_struck", ""),
        "resumed": resume,
        "slurm_jobs": slurm,
        "comparison": comparison,
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "problems": problems,
    }
    (d / "fault_report.json").write_text(json.dumps(report, indent=2))
    summary = {k: report[k] for k in ("killed", "resumed", "seconds")}
    print(json.dumps(summary, indent=2))
    for p in problems:
        print(f"PROBLEM: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
