"""Every schema violation names what is allowed, in words (issue 17)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from conftest import ROOT
from qwem.config import explain_errors, load_schema

SCHEMA = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
SHIPPED: dict[str, Any] = yaml.safe_load((ROOT / "config/config.yaml").read_text())
CONSTRAINTS = (
    "type",
    "enum",
    "const",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "pattern",
    "minItems",
    "maxItems",
    "oneOf",
    "anyOf",
)


def _nodes(
    node: dict[str, Any], config: Any, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """(config path, schema node) of every constrained key the config can hold."""
    if path and any(word in node for word in CONSTRAINTS):
        yield path, node
    if not isinstance(config, dict):
        return
    for key, sub in node.get("properties", {}).items():
        yield from _nodes(sub, config.get(key, {}), (*path, key))
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        for key in config:
            if key not in node.get("properties", {}):
                yield from _nodes(extra, config[key], (*path, key))


BOUNDS = {
    "minimum": (-1, ">="),
    "exclusiveMinimum": (0, ">"),
    "maximum": (1, "<="),
    "exclusiveMaximum": (0, "<"),
}


def _violations(node: dict[str, Any]) -> Iterator[tuple[Any, str]]:
    """Values that break one constraint of ``node`` each, and a word the
    allowed text must then hold."""
    kinds = node.get("type")
    if kinds is not None:
        named = (
            "one of"
            if "enum" in node
            else str(kinds if isinstance(kinds, str) else kinds[0])
        )
        yield ({"not": "this"} if kinds != "object" else 3.5), named
    for word, (shift, sign) in BOUNDS.items():
        if word in node:
            yield node[word] + shift, f"{sign} {node[word]}"
    if "enum" in node:
        yield "no-such-choice", "one of " + str(node["enum"][0])
    if "minItems" in node:
        yield [], f"at least {node['minItems']} item"
    for word in ("oneOf", "anyOf"):
        if word in node:
            yield -1, ") or ("
            yield "?", ") or ("


def _cases() -> list[tuple[str, Any, str]]:
    cases = []
    for path, node in _nodes(SCHEMA, SHIPPED, ()):
        for value, words in _violations(node):
            cases.append((".".join(path), value, words))
    return cases


CASES = _cases()


def test_the_walk_reaches_the_issue_s_example() -> None:
    assert ("train.runs.qwem_small.lr", -1, ") or (") in CASES
    assert len(CASES) > 100


def test_a_negative_learning_rate_names_both_forms() -> None:
    config = copy.deepcopy(SHIPPED)
    config["train"]["runs"]["qwem_small"]["lr"] = -1
    (line,) = explain_errors(config, SCHEMA)
    assert "allowed: (number, > 0) or (array, at least 1 item(s), each item " in line
    assert "[integer >= 0, number > 0])" in line


def test_a_missing_required_key_lists_the_required_keys() -> None:
    config = copy.deepcopy(SHIPPED)
    config["train"]["runs"]["new"] = {"lr": 1.0}
    lines = explain_errors(config, SCHEMA)
    assert lines
    for line in lines:
        assert "is a required property; allowed: object, with keys loss, " in line


@pytest.mark.parametrize(("key", "value", "words"), CASES)
def test_every_schema_error_says_what_is_allowed(
    key: str, value: Any, words: str
) -> None:
    config = copy.deepcopy(SHIPPED)
    *parents, last = key.split(".")
    node = config
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    lines = explain_errors(config, SCHEMA)
    assert lines, f"{key} = {value!r} passed the schema"
    for line in lines:
        if line.startswith("unknown config key"):
            assert re.search(r"allowed keys: \S", line), line
            continue
        match = re.search(r"; allowed: (.*)$", line, flags=re.S)
        assert match and match.group(1).strip(), line
        assert not match.group(1).startswith(" ("), line  # not just a description
    if not any(line.startswith("unknown config key") for line in lines):
        assert any(words in line.partition("; allowed: ")[2] for line in lines), (
            words,
            lines,
        )
