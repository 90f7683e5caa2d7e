"""Run roles: which run feeds which figure or table, declared and checked."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from conftest import ROOT
from qwem.config import ROLE_SLOTS, cross_check, run_roles, selected_runs
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
