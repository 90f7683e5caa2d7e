"""README's map of the stages ("Where things are") against the tree.

Each stage has one name in every layer: rules file, rule names, the ``qwem``
command group and its actions, the package, the output directories and the
test files. A stage missing from a layer, or a layer naming it differently,
fails here.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from conftest import ROOT
from qwem.cli import build_parser

RULES = ROOT / "workflow/rules"
# src/qwem modules that serve every stage (README, "Shared by all stages")
SHARED = {"__init__", "__main__", "cli", "bench", "config", "io", "errors", "runtime"}
SHARED |= {"memory"}  # the dense stages' memory models, collected for a config
SHARED |= {"digests"}  # content digests of the files between stages, checked on read


def readme_map() -> dict[str, dict[str, str]]:
    """The rows of README's "Where things are" table, by stage."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in section.splitlines() if r.startswith("| ")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    table = {}
    for row in rows[1:]:  # the |---| line is not "| "
        cells = dict(
            zip(header, (c.strip() for c in row.strip("|").split("|")), strict=True)
        )
        table[cells["stage"]] = cells
    return table


def paths(cell: str) -> list[str]:
    """The backquoted paths of a table cell."""
    return re.findall(r"`([^`]+)`", cell)


def rules_of(smk: Path) -> dict[str, str]:
    """Rule (and checkpoint) name -> its shell command, of one rules file."""
    text = smk.read_text()
    blocks = re.split(r"^(?:rule|checkpoint) (\w+):\n", text, flags=re.M)[1:]
    found = {}
    for name, body in zip(blocks[::2], blocks[1::2], strict=True):
        shell = re.search(r"^    shell:\n((?:        .*\n)+)", body, flags=re.M)
        found[name] = "".join(re.findall(r'"([^"]*)"', shell[1])) if shell else ""
    return found


def cli_actions() -> dict[str, set[str]]:
    """``qwem`` command groups and their actions."""
    parser = build_parser()
    groups = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    )
    actions = {}
    for stage, sub in groups.choices.items():
        inner = next(
            a for a in sub._actions if isinstance(a, argparse._SubParsersAction)
        )
        actions[stage] = set(inner.choices)
    return actions


MAP = readme_map()
STAGES = list(MAP)


def test_every_layer_has_the_same_stages() -> None:
    smk = {p.stem for p in RULES.glob("*.smk")} - {"common"}
    functions = {p.stem for p in (RULES / "functions").glob("*.smk")}
    assert set(STAGES) == smk, "README map vs workflow/rules/<stage>.smk"
    assert set(STAGES) == set(cli_actions()), "README map vs qwem command groups"
    assert functions <= set(STAGES), "workflow/rules/functions/ of no stage"
    included = re.findall(r'include: "workflow/rules/(\w+)\.smk"', _snakefile())
    assert included == ["common", *STAGES], "Snakefile includes in map order"
    modules = {p.stem for p in (ROOT / "src/qwem").iterdir() if _is_module(p)}
    assert modules - SHARED == set(STAGES), "src/qwem modules vs the stages"


def _snakefile() -> str:
    return (ROOT / "Snakefile").read_text()


def _is_module(p: Path) -> bool:
    return (p.suffix == ".py") or (p.is_dir() and (p / "__init__.py").exists())


@pytest.mark.parametrize("stage", STAGES)
def test_row_names_its_own_stage_in_every_column(stage: str) -> None:
    row = MAP[stage]
    assert paths(row["rules"]) == [f"workflow/rules/{stage}.smk"]
    package = paths(row["package"])
    assert package in ([f"src/qwem/{stage}/"], [f"src/qwem/{stage}.py"])
    assert (ROOT / package[0]).exists()
    assert paths(row["CLI"]) == [f"qwem {stage}"]
    tests = paths(row["tests"])
    assert tests == [
        f"tests/unit/test_{stage}*.py",
        f"tests/workflow/test_{stage}*.py",
    ]
    for pattern in tests:
        assert list(ROOT.glob(pattern)), f"no file matches {pattern}"


@pytest.mark.parametrize("stage", STAGES)
def test_rules_are_named_after_their_stage_and_call_its_command(stage: str) -> None:
    """Rule <stage>_<action> runs ``qwem <stage> <action>``, and every action
    of the command group has its rule (no orphan commands)."""
    rules = rules_of(RULES / f"{stage}.smk")
    assert rules, f"{stage}.smk defines no rule"
    actions = set()
    for rule, shell in rules.items():
        assert rule.startswith(f"{stage}_"), f"rule {rule} in {stage}.smk"
        action = rule.removeprefix(f"{stage}_").replace("_", "-")
        assert shell.startswith(f"qwem {stage} {action} "), (rule, shell[:80])
        actions.add(action)
    assert actions == cli_actions()[stage], f"qwem {stage} actions vs its rules"


@pytest.mark.parametrize("stage", STAGES)
def test_outputs_column_lists_the_directories_the_rules_write(stage: str) -> None:
    text = (RULES / f"{stage}.smk").read_text()
    outputs = re.findall(r'"results/\{name\}/([^/"]+)/', _outputs_only(text))
    listed = {p.rstrip("/") for p in paths(MAP[stage]["outputs (`results/<name>/`)"])}
    assert set(outputs) - {"logs", "benchmarks"} == listed


def _outputs_only(text: str) -> str:
    """The output: sections of a rules file."""
    return "".join(re.findall(r"^    output:\n((?:        .*\n)+)", text, flags=re.M))


def test_the_map_fails_on_a_missing_stage(tmp_path: Path) -> None:
    """The check can fail: a map without one row disagrees with the tree."""
    smk = {p.stem for p in RULES.glob("*.smk")} - {"common"}
    assert set(STAGES) - {"rmt"} != smk


def _cited_files() -> list[Path]:
    """Source, rules, config and test files that may cite the method."""
    globs = ("src/qwem/**/*.py", "workflow/**/*.smk", "config/*.yaml", "tests/**/*.py")
    return [p for g in globs for p in ROOT.glob(g)] + [ROOT / "Snakefile"]


def test_citations_resolve_to_sections_of_docs_method() -> None:
    """Comments cite docs/method.md#<anchor>, and every anchor is a heading."""
    headings = re.findall(r"^#+ (.+)$", (ROOT / "docs/method.md").read_text(), re.M)
    anchors = {
        re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings
    }
    cited: dict[str, set[str]] = {}
    for path in _cited_files():
        text = path.read_text()
        # the paper's working notes live outside the repository
        assert "THEORY" + ".md" not in text, f"{path} cites a file outside the repo"
        for anchor in re.findall(r"docs/method\.md#([\w-]+)", text):
            cited.setdefault(anchor, set()).add(str(path.relative_to(ROOT)))
    assert cited, "no citation found"
    missing = {a: sorted(f) for a, f in cited.items() if a not in anchors}
    assert not missing, f"anchors with no heading in docs/method.md: {missing}"


def test_modules_stay_small_and_the_command_line_thin() -> None:
    """No module of src/qwem over 400 lines; each cli/ module about 120 at most
    (a subcommand parses its arguments and calls one library function)."""
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for p in (ROOT / "src/qwem").rglob("*.py")
    }
    assert {p: n for p, n in sizes.items() if n > 400} == {}
    cli = {p: n for p, n in sizes.items() if "/cli/" in p and n > 130}
    assert cli == {}
