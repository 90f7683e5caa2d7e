"""Readable configuration errors for the workflow (schema plus cross-key rules).

Snakemake's ``validate`` does the validation and fills in defaults; when it
fails, :func:`explain_errors` restates every violation in one line that names
the key, the bad value and what is allowed. :func:`cross_check` adds the rules
a JSON schema cannot express (``dim < vocab_size``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from qwem.errors import QwemConfigError

#: What a training run can feed (``train.runs.<run>.roles``): figure or table ->
#: its slots, one run each. The schema lists the same names as enums.
ROLE_SLOTS: dict[str, tuple[str, ...]] = {
    "table1": ("sgns", "qwem"),
    "fig1": ("qwem", "sgns"),
    "fig2": ("qwem-small", "qwem-large", "sgns-small", "sgns-large"),
    "ablation": ("sgns", "quartic", "setting31", "qwem"),
}


def load_schema(path: str | Path) -> dict[str, Any]:
    """Read a YAML JSON-schema."""
    with open(path, encoding="utf-8") as fh:
        schema: dict[str, Any] = yaml.safe_load(fh)
    return schema


def _key(path: Any) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _allowed(schema: Mapping[str, Any]) -> str:
    """What a schema node allows, in words."""
    bits = []
    if "oneOf" in schema:
        bits.append(" or ".join(f"({_allowed(s)})" for s in schema["oneOf"]))
    if "const" in schema:
        bits.append(repr(schema["const"]))
    if "enum" in schema:
        bits.append("one of " + ", ".join(map(str, schema["enum"])))
    elif "type" in schema:
        kind = schema["type"]
        bits.append(" or ".join(kind) if isinstance(kind, list) else str(kind))
    for word, sign in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if word in schema:
            bits.append(f"{sign} {schema[word]}")
    if "pattern" in schema:
        bits.append(f"matching {schema['pattern']}")
    if "minItems" in schema:
        bits.append(f"at least {schema['minItems']} item(s)")
    if "items" in schema and "enum" in schema["items"]:
        bits.append("items from " + ", ".join(schema["items"]["enum"]))
    if "default" in schema:
        bits.append(f"default {schema['default']!r}")
    return ", ".join(bits)


def explain_errors(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """One line per schema violation: key, bad value, allowed values, fix.

    Returns an empty list when ``config`` is valid.
    """
    validator = jsonschema.Draft202012Validator(schema)
    lines = []
    for err in sorted(validator.iter_errors(config), key=lambda e: list(e.path)):
        key = _key(err.absolute_path)
        node = err.schema if isinstance(err.schema, Mapping) else {}
        if err.validator == "additionalProperties":
            allowed = sorted(node.get("properties", {}))
            extra = sorted(set(err.instance) - set(allowed))
            where = "" if key == "<top level>" else f" under {key!r}"
            lines.append(
                f"unknown config key(s) {', '.join(map(repr, extra))}{where}; "
                f"allowed keys: {', '.join(allowed)} (see config/README.md)"
            )
        else:
            desc = f" ({node['description']})" if "description" in node else ""
            lines.append(
                f"config key {key!r}: {err.message}; allowed: {_allowed(node)}{desc}"
            )
    return lines


def cross_check(config: Mapping[str, Any]) -> list[str]:
    """Rules across keys that the schema cannot express; one line per violation."""
    problems = []
    if config["dim"] >= config["vocab_size"]:
        problems.append(
            f"config key 'dim' ({config['dim']}) must be smaller than 'vocab_size' "
            f"({config['vocab_size']}): the embedding has at most V - 1 useful "
            "directions; lower dim or raise vocab_size"
        )
    gensim = config["baseline"]
    if gensim["min_alpha"] > gensim["alpha"]:
        problems.append(
            f"config key 'baseline.min_alpha' ({gensim['min_alpha']}) must not exceed "
            f"'baseline.alpha' ({gensim['alpha']}): gensim's learning rate decays "
            "linearly from alpha to min_alpha; lower min_alpha or raise alpha"
        )
    corpus = config["corpus"]
    bundled = corpus["bundled"]
    if "bundled" in corpus["sources"] and not (
        bundled["dump_sample"] or bundled["vital_articles"]
    ):
        problems.append(
            "corpus.sources lists 'bundled' but corpus.bundled.dump_sample and "
            "corpus.bundled.vital_articles are both false: enable one, or drop "
            "'bundled' from corpus.sources"
        )
    train = config["train"]
    problems += _role_claims(train["runs"], selected_runs(train))[1]
    return problems


def selected_runs(train: Mapping[str, Any]) -> list[str]:
    """The runs a config trains: ``train.select``, or every run of ``train.runs``."""
    select = train.get("select")
    return list(select) if select is not None else list(train.get("runs", {}))


def _role_claims(
    runs: Mapping[str, Mapping[str, Any]], selected: Sequence[str]
) -> tuple[dict[tuple[str, str], list[str]], list[str]]:
    """(figure, slot) -> the selected runs claiming it, and one line per problem."""
    claims: dict[tuple[str, str], list[str]] = {}
    problems = []
    for run in selected:
        for kind, slot in (runs.get(run, {}).get("roles") or {}).items():
            if slot is None:
                continue
            if slot not in ROLE_SLOTS.get(kind, ()):
                allowed = ", ".join(ROLE_SLOTS.get(kind, ())) or "none"
                problems.append(
                    f"train.runs.{run}.roles.{kind} is {slot!r}; allowed slots: "
                    f"{allowed} (figures: {', '.join(ROLE_SLOTS)})"
                )
                continue
            claims.setdefault((kind, slot), []).append(run)
    for (kind, slot), claimants in claims.items():
        if len(claimants) > 1:
            keys = " and ".join(f"train.runs.{r}.roles.{kind}" for r in claimants)
            problems.append(
                f"{keys} all claim the {kind} slot {slot!r}; a slot takes one run: "
                f"set the others' roles.{kind} to null or to another slot (an "
                "overlay's null withdraws a role the default config gave)"
            )
    return claims, problems


def run_roles(
    runs: Mapping[str, Mapping[str, Any]], selected: Sequence[str]
) -> dict[str, dict[str, str]]:
    """Which selected run fills each declared slot: figure or table -> slot -> run.

    Args:
        runs: ``train.runs`` (run name -> settings; ``roles`` optional, a
            mapping figure -> slot, where a null slot declares nothing).
        selected: the runs trained (see :func:`selected_runs`); roles of the
            other runs are ignored.

    Returns:
        For every figure of :data:`ROLE_SLOTS`, slot -> run (absent slots are
        left out), slots in :data:`ROLE_SLOTS` order.

    Raises:
        QwemConfigError: two selected runs claim the same slot, or a role names
            an unknown figure or slot (the schema's enums normally catch it).
    """
    claims, problems = _role_claims(runs, selected)
    if problems:
        raise QwemConfigError("; ".join(problems))
    return {
        kind: {s: claims[(kind, s)][0] for s in slots if (kind, s) in claims}
        for kind, slots in ROLE_SLOTS.items()
    }


def format_problems(problems: list[str], source: str = "config") -> str:
    """The error text shown before Snakemake stops (no job has run)."""
    body = "\n".join(f"  - {p}" for p in problems)
    return f"invalid {source}:\n{body}\nFix the key(s) above and rerun."


def run_name(profile: str | Path, overlay: str | Path | None = None) -> str:
    """The ``name`` a run gets: the last config file that sets it wins.

    Files: ``config/config.yaml``, then the profile's ``configfile`` list (or
    ``overlay`` when given, as ``--configfile`` replaces the profile's list).
    Used by ``make run`` to place the report at ``results/<name>/report.html``.
    """
    import yaml

    root = Path(__file__).resolve().parents[2]
    files: list[str | Path] = [root / "config/config.yaml"]
    if overlay:
        files.append(overlay)
    else:
        settings = yaml.safe_load(Path(profile).read_text()) or {}
        files += settings.get("configfile", [])
    name = "demo"
    for file in files:
        name = (yaml.safe_load(Path(file).read_text()) or {}).get("name", name)
    return str(name)
