"""The paper profile's plan on SLURM, from a recorded enwiki dump index.

A real dump lists its article parts in ``enwiki-<date>-sha1sums.txt``, among
several hundred other files; the index ``tests/enwiki_index.py`` writes
has that format and the page-range layout of a recent dump (69 parts), with
synthetic checksums (tests/data/README.md). With it as ``corpus.enwiki.index``
and the dump server set to an address where nothing listens, the corpus_index
checkpoint copies it, then ``snakemake -n`` with the slurm workflow profile
plans the whole paper run. README's table "Paper profile on SLURM: the plan"
must match that plan row by row: jobs per rule, threads, mem_mb, runtime and
gpu of every job, and where each rule runs. Both dry runs are audited: the
workflow's code opens no connection and starts no process while planning.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest

from conftest import ROOT, audited_dry_run, runner
from enwiki_index import write_index
from qwem.corpus.sources import parse_dump_index

pytestmark = pytest.mark.workflow

DATE = "20261101"
# the index, written by tests/enwiki_index.py (removed when the process ends)
_INDEX_DIR = tempfile.TemporaryDirectory()
INDEX = write_index(Path(_INDEX_DIR.name) / f"enwiki-{DATE}-sha1sums.txt", DATE)
# nothing listens on the discard port: a download at parse time would fail
OFFLINE = "http://127.0.0.1:9"
PROFILE = ("--workflow-profile", "workflow/profiles/slurm")
# Snakemake caps each job's threads at --cores, SLURM jobs included; a cap
# above every request shows what the rules ask for (README says so)
CORES = ("--cores", "64")
SECTION = "### Paper profile on SLURM: the plan"
# the rules that run once per dump part
PER_PART = (
    "corpus_download",
    "corpus_extract_dump",
    "vocab_count",
    "vocab_tokenize",
    "cooccur_count",
)
COLUMNS = ["rule", "jobs", "threads", "mem_mb", "runtime (min)", "gpu", "runs on"]


@dataclass
class Job:
    """One job of a dry run's listing."""

    rule: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def resources(self) -> dict[str, str]:
        items = (r.split("=", 1) for r in self.fields["resources"].split(", "))
        return {k: v.replace("<TBD>", "TBD") for k, v in items}

    @property
    def wildcards(self) -> dict[str, str]:
        listed = self.fields.get("wildcards", "")
        return dict(w.split("=", 1) for w in listed.split(", ") if w)

    @property
    def inputs(self) -> list[str]:
        return self.fields.get("input", "").split(", ")

    @property
    def outputs(self) -> list[str]:
        return self.fields["output"].split(", ")

    def planned(self) -> dict[str, str]:
        """The columns of README's table that a job has."""
        res = self.resources
        return {
            "threads": self.fields.get("threads", "1"),
            "mem_mb": res["mem_mb"],
            "runtime (min)": res["runtime"],
            "gpu": res.get("gpu", "–"),
        }


def job_stats(out: str) -> dict[str, int]:
    """Jobs per rule, from the dry run's "Job stats" table."""
    table = out.split("Job stats:", 1)[1].split("\ntotal", 1)[0]
    rows = (line.split() for line in table.splitlines())
    return {r[0]: int(r[1]) for r in rows if len(r) == 2 and r[1].isdigit()}


def jobs(out: str) -> list[Job]:
    """Every job a (non-quiet) dry run lists, with its indented fields."""
    listed = re.split(r"^(?:local)?(?:rule|checkpoint) (\w+):\n", out, flags=re.M)[1:]
    found = []
    for rule, body in zip(listed[::2], listed[1::2], strict=True):
        job = Job(rule)
        for line in body.splitlines():
            m = re.match(r"^    (\w[\w ]*): (.*)$", line)
            if m is None:
                break
            job.fields[m[1]] = m[2]
        found.append(job)
    return found


def readme_plan() -> tuple[list[dict[str, str]], str]:
    """The rows of README's plan table (cells by column) and the section's text."""
    text = (ROOT / "README.md").read_text()
    assert SECTION in text, f"README has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n#", 1)[0]
    lines = [r for r in section.splitlines() if r.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == COLUMNS
    rows = [
        dict(zip(header, (c.strip() for c in r.strip("|").split("|")), strict=True))
        for r in lines[1:]
    ]
    return rows, section


def row_key(cell: str) -> tuple[list[str], list[str]]:
    """The rules a row covers (`a`, `b`, ...) and its runs: `train_run` (x, y)."""
    if cell == "**total**":
        return ["total"], []
    m = re.fullmatch(r"((?:`\w+`(?:, )?)+)(?: \(([\w, ]+)\))?", cell)
    assert m, f"README plan row {cell!r}"
    runs = [w.strip() for w in m[2].split(",")] if m[2] else []
    return re.findall(r"`(\w+)`", m[1]), runs


def localrules() -> set[str]:
    """Rules marked ``localrule: True`` in workflow/rules/*.smk."""
    local = set()
    for smk in (ROOT / "workflow/rules").glob("*.smk"):
        listed = re.split(r"^(?:rule|checkpoint) (\w+):\n", smk.read_text(), flags=re.M)
        for name, body in zip(listed[1::2], listed[2::2], strict=True):
            if re.search(r"^    localrule: True$", body, flags=re.M):
                local.add(name)
    return local


@dataclass
class Plan:
    before: str  # the dry run before the index exists
    before_events: list[str]
    out: str  # the dry run with the index
    events: list[str]
    workdir: Path


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    workdir = tmp_path_factory.mktemp("paper-plan")
    offline = f"corpus={{enwiki: {{index: '{INDEX}', base_url: '{OFFLINE}'}}}}"
    where = ("--directory", str(workdir), "--config", offline)
    before_events, before = audited_dry_run(workdir, *PROFILE, *CORES, *where)
    # the checkpoint copies the recorded index (the same config: the profile's
    # config files are config.yaml, embedded, and paper.yaml)
    index = f"results/paper/download/enwiki-{DATE}-sha1sums.txt"
    paper = ROOT / "config/paper.yaml"
    runner(workdir)(index, "--configfile", str(paper), "--config", offline)
    assert (workdir / index).read_bytes() == INDEX.read_bytes()
    events, out = audited_dry_run(workdir, *PROFILE, *CORES, *where)
    return Plan(before, before_events, out, events, workdir)


def test_the_fixture_is_a_sha1sums_file_of_a_whole_dump() -> None:
    lines = INDEX.read_text().splitlines()
    assert all(re.fullmatch(r"[0-9a-f]{40}  enwiki-\d{8}-\S+", ln) for ln in lines)
    names = [ln.split()[1] for ln in lines]
    assert len(set(names)) == len(names) > 500
    for kind in ("pages-meta-history", "stub-meta-current", "abstract", "page.sql"):
        assert any(kind in n for n in names), kind
    parts = parse_dump_index(INDEX.read_text(), date=DATE)
    assert 60 <= len(parts) <= 80
    # contiguous page ranges from page 1, files numbered 1..27
    ranges = [tuple(map(int, re.findall(r"p(\d+)", p.part)[-2:])) for p in parts]
    assert ranges[0][0] == 1
    assert all(b + 1 == c for (_, b), (c, _) in pairwise(ranges))
    assert {int(p.part.split("-")[1]) for p in parts} == set(range(1, 28))


def test_the_plan_waits_for_the_index_without_any_connection(plan: Plan) -> None:
    stats = job_stats(plan.before)
    assert stats["corpus_index"] == 1 and "corpus_download" not in stats
    assert plan.before_events == []


def test_planning_with_the_index_connects_and_spawns_nothing(plan: Plan) -> None:
    assert "corpus_index" not in job_stats(plan.out)
    assert plan.events == []


def test_one_job_per_dump_part_and_one_merge_of_all_counts(plan: Plan) -> None:
    parts = [p.part for p in parse_dump_index(INDEX.read_text(), date=DATE)]
    listed = jobs(plan.out)
    by_rule: dict[str, list[Job]] = {}
    for job in listed:
        by_rule.setdefault(job.rule, []).append(job)
    for rule in PER_PART:
        planned = sorted(j.wildcards["part"] for j in by_rule[rule])
        assert planned == sorted(parts), rule
    counts = sorted(o for j in by_rule["cooccur_count"] for o in j.outputs)
    # the merge tree: every count shard into one cooccur_merge job (N -> 1),
    # whose output is the targets' only input
    (merge,) = by_rule["cooccur_merge"]
    assert sorted(merge.inputs) == counts and len(counts) == len(parts)
    (targets,) = by_rule["targets_build"]
    assert targets.inputs == merge.outputs == ["results/paper/cooccur/counts.npz"]
    # the vocabulary and the corpus summary also reduce over every part
    (vocab,) = by_rule["vocab_build"]
    assert len(vocab.inputs) == len(parts)
    assert set(job_stats(plan.out)) >= {*PER_PART, "cooccur_merge", "train_run"}


def test_readme_table_matches_the_plan_row_by_row(plan: Plan) -> None:
    rows, section = readme_plan()
    stats = job_stats(plan.out)
    listed = jobs(plan.out)
    assert Counter(j.rule for j in listed) == stats  # every job listed once
    local = localrules() | {"all"}
    covered: Counter[str] = Counter()
    total = None
    for row in rows:
        rules, runs = row_key(row["rule"])
        if rules == ["total"]:
            total = int(row["jobs"])
            continue
        mine = [j for j in listed if j.rule in rules]
        if runs:
            mine = [j for j in mine if j.wildcards["run"] in runs]
            assert sorted(j.wildcards["run"] for j in mine) == sorted(runs), rules
        assert {j.rule for j in mine} == set(rules), f"{row['rule']}: not planned"
        assert len(mine) == int(row["jobs"]), f"{row['rule']}: jobs"
        covered.update(j.rule for j in mine)
        want = {c: row[c] for c in ("threads", "mem_mb", "runtime (min)", "gpu")}
        for job in mine:
            assert job.planned() == want, f"{job.rule} {job.wildcards}"
        on_login_node = row["runs on"].startswith("login node")
        for rule in rules:
            assert on_login_node == (rule in local), f"{rule}: runs on"
    assert covered == stats, "README rows vs the plan's rules"
    assert total == sum(stats.values())
    # the count the README states for the recorded index, and its formula
    n = len(parse_dump_index(INDEX.read_text(), date=DATE))
    fixed = total - len(PER_PART) * n
    assert f"N = {n}" in section and f"{len(PER_PART)} N + {fixed}" in section
