"""Readable configuration errors for the workflow (schema plus cross-key rules).

Snakemake's ``validate`` does the validation and fills in defaults; when it
fails, :func:`explain_errors` restates every violation in one line that names
the key, the bad value and what is allowed. :func:`cross_check` adds the rules
a JSON schema cannot express (``dim < vocab_size``, lr breakpoints, ...): the
two together refuse every value a stage would refuse, before any job runs.
The schema's ``default:`` entries (with ``config/config.yaml``) are the only
defaults of config-valued settings: library functions take them as arguments
(:func:`schema_defaults` for a dataclass built from a partial dict).
"""

from __future__ import annotations

import copy
import functools
import itertools
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


#: The config schema: with ``config/config.yaml`` the one place defaults live
#: (the package is installed editable, so the checkout's file is found).
SCHEMA_PATH = (
    Path(__file__).resolve().parents[2] / "workflow/schemas/config.schema.yaml"
)


#: The smallest d of the random-matrix sweep (``qwem evaluate rmt --d-min``).
RMT_MIN_DIM = 4


def load_schema(path: str | Path = SCHEMA_PATH) -> dict[str, Any]:
    """Read a YAML JSON-schema (by default the config schema, :data:`SCHEMA_PATH`)."""
    with open(path, encoding="utf-8") as fh:
        schema: dict[str, Any] = yaml.safe_load(fh)
    return schema


@functools.cache
def _config_schema() -> dict[str, Any]:
    try:
        return load_schema(SCHEMA_PATH)
    except OSError as exc:
        raise QwemConfigError(
            f"the config schema {SCHEMA_PATH} cannot be read ({exc}); install qwem "
            "from its checkout (pip install -e .), where the schema holds the defaults"
        ) from exc


def schema_defaults(*path: str) -> dict[str, Any]:
    """The schema's ``default:`` of every key under the config section ``path``.

    ``path`` names nested sections, ``*`` standing for any key of a mapping
    section (``schema_defaults("train", "runs", "*")``: the defaults of a
    training run). Keys without a default are left out; values are copies.
    """
    node = _config_schema()
    for part in path:
        node = node["additionalProperties"] if part == "*" else node["properties"][part]
    return {
        key: copy.deepcopy(spec["default"])
        for key, spec in node.get("properties", {}).items()
        if "default" in spec
    }


def _key(path: Any) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _allowed(schema: Mapping[str, Any]) -> str:
    """What a schema node allows, in words; never empty (issue 17).

    Alternatives (``oneOf``/``anyOf``) are listed in parentheses joined by
    "or", bounds as ``>= 1``/``> 0``, lists with their item shapes; a node
    that constrains nothing this function knows says so and points to
    config/README.md.
    """
    bits = []
    for word in ("oneOf", "anyOf"):
        if word in schema:
            bits.append(" or ".join(f"({_allowed(s)})" for s in schema[word]))
    for sub in schema.get("allOf", ()):
        bits.append(_allowed(sub))
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
    if "maxItems" in schema and "prefixItems" not in schema:
        bits.append(f"at most {schema['maxItems']} item(s)")
    if "prefixItems" in schema:
        bits.append(_shape(schema))
    items = schema.get("items")
    if isinstance(items, Mapping):
        if "enum" in items:
            bits.append("items from " + ", ".join(map(str, items["enum"])))
        elif set(items) - {"description", "default"}:
            bits.append(f"each item {_shape(items)}")
    if "required" in schema:
        bits.append("with keys " + ", ".join(schema["required"]))
    if "default" in schema:
        bits.append(f"default {schema['default']!r}")
    return ", ".join(bits) or "see config/README.md for this key"


def _shape(schema: Mapping[str, Any]) -> str:
    """A nested node in few words: ``integer >= 0``, ``[integer >= 0, number > 0]``."""
    if "prefixItems" in schema:
        return "[" + ", ".join(_shape(s) for s in schema["prefixItems"]) + "]"
    bounds = [
        f"{sign} {schema[word]}"
        for word, sign in (
            ("minimum", ">="),
            ("exclusiveMinimum", ">"),
            ("maximum", "<="),
            ("exclusiveMaximum", "<"),
        )
        if word in schema
    ]
    if "type" in schema and "enum" not in schema and bounds:
        return " ".join([str(schema["type"]), *bounds])
    bare = {k: v for k, v in schema.items() if k not in ("description", "default")}
    return _allowed(bare)


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
            desc = f" ({node['description'].strip()})" if "description" in node else ""
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
    runs = selected_runs(train)
    if unknown := sorted(set(runs) - set(train["runs"])):
        problems.append(
            f"train.select names runs that train.runs does not define: {unknown}; "
            f"defined: {sorted(train['runs'])}"
        )
    runs = [r for r in runs if r in train["runs"]]
    for run in runs:
        problems += _run_problems(run, train["runs"][run], train["device"])
    problems += _role_claims(train["runs"], runs)[1]
    problems += _evaluate_problems(config, runs)
    from qwem.memory import memory_problems

    problems += memory_problems(config, runs)
    return problems


def _run_problems(run: str, settings: Mapping[str, Any], device: str) -> list[str]:
    """What :class:`qwem.train.TrainConfig` refuses beyond the schema's ranges."""
    key = f"train.runs.{run}"
    problems = []
    lr = settings["lr"]
    if isinstance(lr, list) and lr:
        steps = [first for first, _ in lr]
        if steps[0] != 0 or any(a >= b for a, b in itertools.pairwise(steps)):
            problems.append(
                f"config key '{key}.lr' is {lr!r}: the breakpoints' first steps must "
                "start at 0 and strictly increase ([[0, rate], [later_step, rate], "
                "...]); sort them, merge repeated steps, or start at step 0"
            )
    engine = settings.get("engine", "minibatch")
    if engine != "sequential":
        if settings.get("negative_samples", 1) != 1:
            problems.append(
                f"config key '{key}.negative_samples' is "
                f"{settings['negative_samples']}: more than 1 negative per slot needs "
                f"engine: sequential; set {key}.negative_samples to 1 or "
                f"{key}.engine to sequential"
            )
    else:
        if settings.get("shared_negatives", 0) != 0:
            problems.append(
                f"config key '{key}.shared_negatives' is "
                f"{settings['shared_negatives']}: shared negatives are a minibatch "
                f"product; set it to 0 or {key}.engine to minibatch"
            )
        if device.startswith("cuda"):
            problems.append(
                f"config key 'train.device' is {device!r} but {key}.engine is "
                "sequential (a CPU loop); set train.device to auto or cpu, or "
                f"{key}.engine to minibatch"
            )
    return problems


def _evaluate_problems(config: Mapping[str, Any], runs: Sequence[str]) -> list[str]:
    """Evaluation and random-matrix settings the stages would refuse."""
    problems = []
    dim, vocab_size = config["dim"], config["vocab_size"]
    directions = config["evaluate"]["concepts"]["directions"]
    if runs and directions > dim:
        problems.append(
            f"config key 'evaluate.concepts.directions' ({directions}) must not "
            f"exceed 'dim' ({dim}): a trained embedding has dim PCA directions; "
            "lower evaluate.concepts.directions"
        )
    reference = config["evaluate"]["bootstrap"]["reference"]
    targets = config["spectral"]["targets"]
    models = [*runs, "gensim", *(t for t in ("M_star", "ppmi", "pmi") if t in targets)]
    if reference not in models:
        problems.append(
            f"evaluate.bootstrap.reference is {reference!r}, not a Table 1 model; "
            f"choose one of {models}"
        )
    rmt = config["rmt"]
    depth = min(rmt["dim"], vocab_size - 1)  # D, capped at V - 1
    if depth < RMT_MIN_DIM:
        problems.append(
            f"config key 'rmt.dim' is {rmt['dim']} with vocab_size {vocab_size}: the "
            f"random-matrix sweep starts at d = {RMT_MIN_DIM}, so min(rmt.dim, "
            f"vocab_size - 1) must be >= {RMT_MIN_DIM}; raise rmt.dim or vocab_size"
        )
    elif not any(d <= depth for d in rmt["hist_dims"]):
        problems.append(
            f"config key 'rmt.hist_dims' ({rmt['hist_dims']}): none is <= D = "
            f"min(rmt.dim, vocab_size - 1) = {depth}, so no Marchenko-Pastur panel "
            "can be drawn; add a d <= D to rmt.hist_dims or raise rmt.dim"
        )
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
