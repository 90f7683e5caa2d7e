"""Run roles: which run feeds which figure or table, declared and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from qwem.config import (
    ROLE_SLOTS,
    cross_check,
    explain_errors,
    load_schema,
    run_roles,
    schema_defaults,
    selected_runs,
)
from qwem.errors import QwemConfigError
from qwem.train import TrainConfig


def _runs(**roles: dict[str, Any]) -> dict[str, dict[str, Any]]:
    base = {"loss": "qwem", "reweighting": "omniscient", "init": 0.1, "lr": 1.0}
    return {name: {**base, "steps": 10, "roles": r} for name, r in roles.items()}


def test_each_slot_goes_to_the_run_declaring_it() -> None:
    runs = _runs(
        a={"table1": "qwem", "fig2": "qwem-large", "ablation": "qwem"},
        b={"table1": "sgns", "fig1": "sgns", "ablation": None},
        c={},
    )
    roles = run_roles(runs, ["a", "b", "c"])
    assert roles["table1"] == {"sgns": "b", "qwem": "a"}  # ROLE_SLOTS order
    assert roles["fig1"] == {"sgns": "b"}
    assert roles["fig2"] == {"qwem-large": "a"}
    assert roles["ablation"] == {"qwem": "a"}  # b's null declares nothing


def test_two_runs_claiming_one_slot_are_refused_by_name() -> None:
    runs = _runs(sgns_large={"ablation": "sgns"}, ablation_sgns={"ablation": "sgns"})
    with pytest.raises(
        QwemConfigError,
        match=r"train.runs.sgns_large.roles.ablation and "
        r"train.runs.ablation_sgns.roles.ablation all claim the ablation slot 'sgns'",
    ):
        run_roles(runs, ["sgns_large", "ablation_sgns"])


def test_runs_left_out_of_select_claim_nothing() -> None:
    runs = _runs(sgns_large={"ablation": "sgns"}, ablation_sgns={"ablation": "sgns"})
    train = {"select": ["ablation_sgns"], "runs": runs}
    assert selected_runs(train) == ["ablation_sgns"]
    assert run_roles(runs, selected_runs(train))["ablation"] == {
        "sgns": "ablation_sgns"
    }


def test_unknown_slot_names_the_key_and_the_allowed_slots() -> None:
    runs = _runs(q={"fig2": "qwem-tiny"})
    with pytest.raises(
        QwemConfigError, match=r"train.runs.q.roles.fig2 is 'qwem-tiny'"
    ):
        run_roles(runs, ["q"])


def test_cross_check_reports_the_conflict_as_one_line() -> None:
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config["train"]["select"] = None
    config["train"]["runs"]["qwem_small"]["roles"]["table1"] = "qwem"
    problems = cross_check(config)
    assert len(problems) == 1
    assert (
        "qwem_small.roles.table1 and train.runs.qwem_large.roles.table1"
        in (problems[0])
    )


@pytest.mark.parametrize("overlay", [None, "text8.yaml", "paper.yaml"])
def test_shipped_configs_fill_every_slot_once(overlay: str | None) -> None:
    from snakemake.utils import update_config

    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    if overlay:
        update_config(config, yaml.safe_load((ROOT / "config" / overlay).read_text()))
    roles = run_roles(config["train"]["runs"], selected_runs(config["train"]))
    assert set(roles["table1"]) == {"sgns", "qwem"}
    assert set(roles["fig1"]) == {"sgns", "qwem"}
    assert set(roles["fig2"]) == set(ROLE_SLOTS["fig2"])
    cells = 2 if overlay == "text8.yaml" else 4  # text8 trains the main runs only
    assert len(roles["ablation"]) == cells


def test_schema_enums_are_the_slots() -> None:
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    run = schema["properties"]["train"]["properties"]["runs"]["additionalProperties"]
    props = run["properties"]["roles"]["properties"]
    assert {k: tuple(v["enum"][:-1]) for k, v in props.items()} == ROLE_SLOTS


@pytest.mark.parametrize("overlay", [None, "text8.yaml", "paper.yaml"])
def test_shipped_runs_are_valid_training_settings(overlay: str | None) -> None:
    """Overlays merge run tables key by key, so a key the default config sets
    (engine, negative_samples, lr_schedule, checkpoints) reaches the overlay's
    run unless it says otherwise: every run must still build its settings,
    validated and with the schema's defaults, as the workflow does."""
    from snakemake.utils import update_config, validate

    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    if overlay:
        update_config(config, yaml.safe_load((ROOT / "config" / overlay).read_text()))
    validate(config, str(ROOT / "workflow/schemas/config.schema.yaml"))
    train = config["train"]
    for run in selected_runs(train):
        settings = {k: v for k, v in train["runs"][run].items() if k != "roles"}
        keys = ("dtype", "device", "batch_size", "trace_every", "trace_log_points")
        merged = {k: train[k] for k in (*keys, "checkpoints", "state_every")}
        merged.update(settings, dim=config["dim"], seed=0, name=run)
        merged["singular_values"] = train["singular_values"]
        cfg = TrainConfig.from_dict(merged)
        if overlay == "paper.yaml":  # the paper's runs: minibatch, on a GPU
            assert cfg.engine == "minibatch" and cfg.negative_samples == 1


# --- one place for defaults; the schema refuses what the stages refuse ---------

SCHEMA_FILE = ROOT / "workflow/schemas/config.schema.yaml"


def _shipped() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    return config


def _set(config: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = config
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _refusals(config: dict[str, Any]) -> list[str]:
    """What the Snakefile reports before planning a job: schema, then cross_check."""
    from snakemake.utils import validate

    if problems := explain_errors(config, load_schema(SCHEMA_FILE)):
        return problems
    validate(config, str(SCHEMA_FILE))  # fills in the schema's defaults
    return cross_check(config)


#: (config key, bad value, the key the message must name): one row per check a
#: stage makes on a config value (module and function in the comment).
BAD_VALUES: list[tuple[str, Any, str]] = [
    # qwem.vocab: _check_digits, select_vocabulary
    ("tokenize.digits", "keep", "tokenize.digits"),
    ("vocab_size", 0, "vocab_size"),
    # qwem.corpus.dump.extract_articles
    ("corpus.min_article_words", -1, "corpus.min_article_words"),
    ("resources.extract_threads", 0, "resources.extract_threads"),
    # qwem.corpus.sources: extract_summaries, split_text8
    ("corpus.bundled.min_summary_words", -1, "corpus.bundled.min_summary_words"),
    ("corpus.text8.doc_words", 0, "corpus.text8.doc_words"),
    # qwem.corpus.download._Job: checksums, size, retries, backoff, timeout
    ("corpus.text8.sha256", "abc", "corpus.text8.sha256"),
    ("evaluate.men.sha256", "not-hex", "evaluate.men.sha256"),
    ("corpus.text8.bytes", -5, "corpus.text8.bytes"),
    ("corpus.download.retries", -1, "corpus.download.retries"),
    ("corpus.download.backoff_s", -1.0, "corpus.download.backoff_s"),
    ("corpus.download.timeout_s", 0, "corpus.download.timeout_s"),
    # qwem.cooccur: distance_weights, count, choose_method
    ("context_length", 0, "context_length"),
    ("cooccur.weighting", "cubic", "cooccur.weighting"),
    ("cooccur.method", "magic", "cooccur.method"),
    ("cooccur.max_memory_mb", 0, "cooccur.max_memory_mb"),
    # qwem.targets.write_targets
    ("targets.negative_weight", 0.0, "targets.negative_weight"),
    # qwem.spectral.top_eigenpairs
    ("spectral.solver", "qr", "spectral.solver"),
    ("dim", 5000, "dim"),
    ("dim", 0, "dim"),
    # qwem.spectral.theory.expected_initial_u
    ("theory.inits", [1e-12, 0.0], "theory.inits"),
    # qwem.runtime.pick_device
    ("train.device", "tpu", "train.device"),
    # qwem.train.TrainConfig.__post_init__ (runs as the workflow builds them)
    ("train.runs.qwem_small.loss", "l2", "train.runs.qwem_small.loss"),
    ("train.runs.qwem_small.reweighting", "idf", "train.runs.qwem_small.reweighting"),
    ("train.dtype", "float16", "train.dtype"),
    (
        "train.runs.qwem_small.lr_schedule",
        "cosine",
        "train.runs.qwem_small.lr_schedule",
    ),
    ("train.runs.qwem_small.engine", "async", "train.runs.qwem_small.engine"),
    ("train.runs.sgns_small.negative_samples", 0, "sgns_small.negative_samples"),
    ("train.runs.qwem_small.negative_samples", 2, "qwem_small.negative_samples"),
    ("train.runs.sgns_small.shared_negatives", 4, "sgns_small.shared_negatives"),
    ("train.runs.qwem_small.shared_negatives", -1, "qwem_small.shared_negatives"),
    ("train.device", "cuda", "train.device"),  # sequential runs are CPU loops
    ("train.runs.qwem_small.negative_weight", 0, "qwem_small.negative_weight"),
    ("train.runs.qwem_small.init", 0.0, "train.runs.qwem_small.init"),
    ("train.batch_size", 0, "train.batch_size"),
    ("train.runs.qwem_small.batch_size", 0, "train.runs.qwem_small.batch_size"),
    ("train.runs.qwem_small.steps", 0, "train.runs.qwem_small.steps"),
    ("train.trace_every", 0, "train.trace_every"),
    ("train.runs.qwem_small.trace_every", 0, "train.runs.qwem_small.trace_every"),
    ("train.trace_log_points", -1, "train.trace_log_points"),
    ("train.state_every", 0, "train.state_every"),
    ("train.checkpoints", 0, "train.checkpoints"),
    ("train.runs.qwem_small.checkpoints", 0, "train.runs.qwem_small.checkpoints"),
    ("train.singular_values", 0, "train.singular_values"),
    ("train.runs.sgns_small.subsample", 1.0, "train.runs.sgns_small.subsample"),
    ("train.runs.sgns_small.subsample", 0.0, "train.runs.sgns_small.subsample"),
    ("train.runs.qwem_small.lr", [], "train.runs.qwem_small.lr"),
    ("train.runs.qwem_small.lr", -1.0, "train.runs.qwem_small.lr"),
    ("train.runs.qwem_small.lr", [[0, 300], [3500, 0]], "train.runs.qwem_small.lr"),
    ("train.runs.qwem_small.lr", [[10, 300]], "train.runs.qwem_small.lr"),
    ("train.runs.qwem_small.lr", [[0, 300], [0, 100]], "train.runs.qwem_small.lr"),
    ("train.runs.qwem_small.lr", [[0, 300], [5000, 30], [3500, 100]], "qwem_small.lr"),
    ("train.runs.qwem_small.lr", [[0.5, 300]], "train.runs.qwem_small.lr"),
    # qwem.config.run_roles, qwem.plots.tables.table1_rows
    ("train.runs.qwem_small.roles.fig1", "sgns", "train.runs.qwem_small.roles.fig1"),
    ("train.runs.qwem_large.roles.table1", "gensim", "qwem_large.roles.table1"),
    # the workflow's run list (workflow/rules/common.smk)
    ("train.select", ["qwem_small", "nope"], "train.select"),
    # qwem.baseline.word2vec.Word2VecSettings
    ("baseline.window", 0, "baseline.window"),
    ("baseline.negative", 0, "baseline.negative"),
    ("baseline.epochs", 0, "baseline.epochs"),
    ("baseline.threads", 0, "baseline.threads"),
    ("seed", -1, "seed"),
    ("baseline.sample", 1.0, "baseline.sample"),
    ("baseline.sample", -0.1, "baseline.sample"),
    ("baseline.alpha", 0.0, "baseline.alpha"),
    ("baseline.min_alpha", -1e-4, "baseline.min_alpha"),
    ("baseline.min_alpha", 0.5, "baseline.min_alpha"),
    # qwem.evaluate: concept_table, left_singular_vectors (PCA of a trained W)
    ("evaluate.concepts.top", 0, "evaluate.concepts.top"),
    ("evaluate.concepts.among", 0, "evaluate.concepts.among"),
    ("evaluate.concepts.directions", 101, "evaluate.concepts.directions"),
    # qwem.evaluate.bootstrap: BootstrapSettings, bootstrap_table
    ("evaluate.bootstrap.resamples", 0, "evaluate.bootstrap.resamples"),
    ("evaluate.bootstrap.level", 1.0, "evaluate.bootstrap.level"),
    ("evaluate.bootstrap.level", 0.0, "evaluate.bootstrap.level"),
    ("evaluate.bootstrap.reference", "word2vec", "evaluate.bootstrap.reference"),
    # qwem.rmt.log_grid (d from 4 to D, points >= 1); the Marchenko-Pastur panels
    ("rmt.dim", 3, "rmt.dim"),
    ("rmt.points", 0, "rmt.points"),
    ("rmt.hist_dims", [2048], "rmt.hist_dims"),
    # corpus: a bundled source with nothing in it
    ("corpus.bundled.dump_sample", False, "corpus.bundled"),
]


def test_the_shipped_config_passes() -> None:
    assert _refusals(_shipped()) == []


@pytest.mark.parametrize(("key", "value", "named"), BAD_VALUES)
def test_schema_and_cross_check_refuse_what_the_stages_refuse(
    key: str, value: Any, named: str
) -> None:
    config = _shipped()
    _set(config, key, value)
    if key == "corpus.bundled.dump_sample":
        config["corpus"]["bundled"]["vital_articles"] = False
    problems = _refusals(config)
    assert problems, f"{key} = {value!r} passes, but a stage refuses it"
    assert any(named in p for p in problems), problems


def test_a_small_vocabulary_caps_the_rmt_sweep() -> None:
    """D = min(rmt.dim, vocab_size - 1): a tiny V leaves no room for d >= 4."""
    config = _shipped()
    config.update(vocab_size=4, dim=2)
    config["evaluate"]["concepts"]["directions"] = 2
    problems = _refusals(config)
    assert any("rmt.dim" in p and "vocab_size" in p for p in problems), problems


#: Defaults that lived in the code and now only in the schema / config:
#: (callable, parameter, config key). Each must be passed by its caller.
REMOVED_DEFAULTS: list[tuple[str, str, str]] = [
    ("qwem.corpus.download:download", "retries", "corpus.download.retries"),
    ("qwem.corpus.download:download", "backoff_s", "corpus.download.backoff_s"),
    ("qwem.corpus.download:download", "timeout_s", "corpus.download.timeout_s"),
    ("qwem.corpus.dump:extract_dump", "threads", "resources.extract_threads"),
    ("qwem.corpus.dump:extract_articles", "threads", "resources.extract_threads"),
    ("qwem.cooccur:count", "method", "cooccur.method"),
    ("qwem.targets:m_star", "nu", "targets.negative_weight"),
    ("qwem.targets:pmi", "nu", "targets.negative_weight"),
    ("qwem.targets:ppmi", "nu", "targets.negative_weight"),
    ("qwem.targets:sgns_target", "nu", "targets.negative_weight"),
    ("qwem.targets:g_matrix", "nu", "targets.negative_weight"),
    ("qwem.spectral:top_eigenpairs", "method", "spectral.solver"),
    ("qwem.spectral:top_eigenpairs", "seed", "seed"),
    ("qwem.spectral:top_eigenpairs", "tol", "spectral.tol"),
    ("qwem.runtime:pick_device", "requested", "train.device"),
    ("qwem.train.stream:SlotStream", "negatives", "train.runs.*.negative_samples"),
    ("qwem.plots:save_figure", "dpi", "plots.dpi"),
    ("qwem.plots:fig1_dynamics", "modes", "plots.modes"),
    ("qwem.plots:fig1_dynamics", "n_labels", "plots.labels"),
    ("qwem.plots:fig1_dynamics", "among", "plots.among"),
    ("qwem.plots:fig2_rescaled", "modes", "plots.modes"),
    ("qwem.plots:appendix_ablation", "modes", "plots.modes"),
    ("qwem.plots:fig3_concepts", "directions", "plots.concept_directions"),
    ("qwem.plots:fig3_concepts", "words", "plots.concept_words"),
    ("qwem.plots.concepts:concept_table", "directions", "plots.concept_directions"),
    ("qwem.plots.concepts:concept_table", "words", "plots.concept_words"),
    ("qwem.plots.concepts:overlap_pairs", "n", "plots.overlap_pairs"),
    ("qwem.plots:appendix_spectra", "slope", "plots.slope"),
    ("qwem.plots:fig4_rmt", "family", "plots.mp_family"),
    ("qwem.plots:fig4_rmt", "min_pairs", "plots.mp_min_pairs"),
    ("qwem.plots:fig4_rmt", "modes", "plots.localisation_modes"),
    ("qwem.plots:fig4_rmt", "bins", "plots.bins"),
]


def _schema_node(key: str) -> dict[str, Any]:
    node = load_schema(SCHEMA_FILE)
    for part in key.split("."):
        node = node["additionalProperties"] if part == "*" else node["properties"][part]
    return node


@pytest.mark.parametrize(("target", "param", "key"), REMOVED_DEFAULTS)
def test_config_valued_parameters_have_no_code_default(
    target: str, param: str, key: str
) -> None:
    import importlib
    import inspect

    module, name = target.split(":")
    signature = inspect.signature(getattr(importlib.import_module(module), name))
    assert signature.parameters[param].default is inspect.Parameter.empty
    assert "default" in _schema_node(key)  # the one place it lives


def test_train_settings_left_out_take_the_schema_defaults() -> None:
    import dataclasses

    minimal = {"loss": "qwem", "reweighting": "omniscient", "init": 0.1, "lr": 1.0}
    cfg = TrainConfig.from_dict({**minimal, "steps": 10})
    schema = load_schema(SCHEMA_FILE)
    train = schema["properties"]["train"]["properties"]
    run = train["runs"]["additionalProperties"]["properties"]
    expected = {
        **{k: train[k]["default"] for k in ("dtype", "device", "batch_size")},
        **{k: train[k]["default"] for k in ("trace_every", "trace_log_points")},
        **{k: train[k]["default"] for k in ("checkpoints", "state_every")},
        "singular_values": train["singular_values"]["default"],
        **{k: run[k]["default"] for k in ("negative_weight", "subsample", "engine")},
        **{k: run[k]["default"] for k in ("negative_samples", "shared_negatives")},
        "lr_schedule": run["lr_schedule"]["default"],
        "dim": schema["properties"]["dim"]["default"],
        "seed": schema["properties"]["seed"]["default"],
    }
    assert {k: getattr(cfg, k) for k in expected} == expected
    assert schema_defaults("train")["trace_every"] == 1000  # not the old code's 100
    # no setting of a run keeps a default of its own in the dataclass
    own = [f.name for f in dataclasses.fields(TrainConfig)]
    with_default = [
        f.name
        for f in dataclasses.fields(TrainConfig)
        if f.default is not dataclasses.MISSING
    ]
    assert with_default == ["name"] and len(own) > 1


def test_from_dict_keeps_refusing_unknown_keys() -> None:
    with pytest.raises(TypeError):
        TrainConfig.from_dict(
            {
                "loss": "qwem",
                "reweighting": "sgns",
                "init": 0.1,
                "lr": 1.0,
                "steps": 1,
                "lr_shedule": "step",
            }
        )


#: Keys the shipped config/config.yaml sets to something other than the
#: schema's default, on purpose: the schema's defaults are the paper's scale,
#: the shipped config is the CPU demo (see its comments).
INTENDED_OVERRIDES = {
    "vocab_size": (10000, 5000),
    "dim": (200, 100),
    "corpus.min_article_words": (500, 50),
    "theory.inits": ([1.0e-12, 0.1], [1.0e-12, 0.03]),
    "train.dtype": ("float64", "float32"),
    "train.batch_size": (50000, 10000),
    "train.trace_every": (1000, 50),
    "train.checkpoints": (16, 24),
    "train.state_every": (10000, 500),
    "plots.overlap_pairs": (2, 3),
    # the demo's runs: shared negatives, word2vec's loop, decaying rates
    "train.runs.qwem_small.shared_negatives": (0, 64),
    "train.runs.qwem_large.lr_schedule": ("step", "geometric"),
    "train.runs.qwem_large.shared_negatives": (0, 64),
    "train.runs.sgns_small.engine": ("minibatch", "sequential"),
    "train.runs.sgns_small.negative_samples": (1, 3),
    "train.runs.sgns_large.lr_schedule": ("step", "geometric"),
    "train.runs.sgns_large.engine": ("minibatch", "sequential"),
    "train.runs.sgns_large.negative_samples": (1, 3),
    "train.runs.ablation_quartic.lr_schedule": ("step", "geometric"),
    "train.runs.ablation_quartic.engine": ("minibatch", "sequential"),
    "train.runs.ablation_setting31.lr_schedule": ("step", "geometric"),
    "train.runs.ablation_setting31.shared_negatives": (0, 64),
}


def _differences(
    node: dict[str, Any], config: dict[str, Any], path: str
) -> dict[str, tuple[Any, Any]]:
    """key -> (schema default, config value) wherever the config sets a key."""
    found = {}
    for key, spec in node.get("properties", {}).items():
        if key not in config:
            continue
        where = f"{path}{key}"
        value = config[key]
        if isinstance(value, dict):
            if "properties" in spec:
                found |= _differences(spec, value, f"{where}.")
            if isinstance(spec.get("additionalProperties"), dict):
                for name, entry in value.items():
                    found |= _differences(
                        spec["additionalProperties"], entry, f"{where}.{name}."
                    )
        elif "default" in spec and spec["default"] != value:
            found[where] = (spec["default"], value)
    return found


def test_the_shipped_config_agrees_with_the_schema_defaults_or_overrides_them() -> None:
    found = _differences(load_schema(SCHEMA_FILE), _shipped(), "")
    assert found == INTENDED_OVERRIDES


# --- memory planning: dense jobs must fit resources.max_memory_mb ------------


def _validated(overlay: str | None = None, **top: Any) -> dict[str, Any]:
    from snakemake.utils import update_config, validate

    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    if overlay:
        update_config(config, yaml.safe_load((ROOT / "config" / overlay).read_text()))
    config.update(top)
    validate(config, str(SCHEMA_FILE))
    return config


def test_cross_check_refuses_v_50000_on_a_24_gib_machine() -> None:
    config = _validated(vocab_size=50_000)
    config["resources"]["max_memory_mb"] = 24_000
    problems = [p for p in cross_check(config) if "MiB" in p]
    # M* alone is 19,073 MiB; the solve adds the symmetry check's temporaries
    assert any(
        p.startswith("spectral solve for V = 50,000 needs about 58,")
        and "over the 24,000 MiB of resources.max_memory_mb" in p
        and "lower vocab_size" in p
        for p in problems
    ), problems
    assert any(p.startswith("training (largest: run ") for p in problems)


def test_cross_check_refuses_v_ten_million_with_the_default_limit() -> None:
    config = _validated(vocab_size=10_000_000)
    assert config["resources"]["max_memory_mb"] is None  # this machine's MemTotal
    problems = cross_check(config)
    assert any(
        p.startswith("targets for V = 10,000,000 needs about 858,")
        and "this machine's memory (resources.max_memory_mb: null)" in p
        for p in problems
    ), problems


@pytest.mark.parametrize("overlay", [None, "text8.yaml", "paper.yaml"])
def test_shipped_configs_fit_24_gib(overlay: str | None) -> None:
    config = _validated(overlay)
    config["resources"]["max_memory_mb"] = 24_000
    assert cross_check(config) == []


def test_planned_needs_are_the_stage_models() -> None:
    from qwem.memory import dense_needs_mb
    from qwem.spectral.memory import solve_memory_mb
    from qwem.targets import memory_needed_mb

    config = _validated("paper.yaml")
    needs = dense_needs_mb(config, selected_runs(config["train"]))
    assert needs["targets"] == memory_needed_mb(10_000)
    assert needs["spectral solve"] == solve_memory_mb(10_000, 200, "auto")
    assert needs["rmt basis"] == solve_memory_mb(10_000, 1024, "auto")
    # the paper's largest run: SGNS's loss with Setting 3.1's Ψ, 6 x 763 MiB
    assert 4_578 < needs["training (largest: run ablation_setting31)"] < 5_200


def test_cgroup_limits_are_read_from_files(tmp_path: Path) -> None:
    from qwem.runtime import cgroup_limit_mb

    (tmp_path / "memory.max").write_text("max\n")
    assert cgroup_limit_mb(tmp_path) is None
    (tmp_path / "memory.max").write_text(f"{2048 * 2**20}\n")
    assert cgroup_limit_mb(tmp_path) == 2048
    (tmp_path / "memory.max").unlink()
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory/memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert cgroup_limit_mb(tmp_path) is None
