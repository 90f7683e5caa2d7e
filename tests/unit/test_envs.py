"""The conda environments in envs/ agree with pyproject.toml and the rules."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from conftest import ROOT

ENVS = ROOT / "envs"
# conda-forge names of PyPI packages
CONDA_TO_PYPI = {"pytorch": "torch", "snakemake-minimal": "snakemake"}
# rules that import torch (training, solver torch/auto on a GPU, theory curves)
TORCH_RULES = {"train_run", "spectral_solve", "spectral_theory"}


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements() -> dict[str, SpecifierSet]:
    """pyproject.toml's run-time requirements: name -> version bounds."""
    deps = (Requirement(r) for r in _pyproject()["project"]["dependencies"])
    return {r.name.lower(): r.specifier for r in deps}


def _conda_spec(entry: str) -> tuple[str, SpecifierSet]:
    """'numpy>=1.26' (conda or pip syntax) -> ('numpy', >=1.26)."""
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", entry.strip())
    assert m, f"cannot parse {entry!r}"
    return m[1].lower(), SpecifierSet(m[2])


def _env(name: str) -> tuple[dict[str, SpecifierSet], dict[str, Any]]:
    """An env file's packages (PyPI names -> bounds, pip section included)."""
    env = yaml.safe_load((ENVS / f"{name}.yaml").read_text())
    packages: dict[str, SpecifierSet] = {}
    for dep in env["dependencies"]:
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            pkg, spec = _conda_spec(entry.replace("python=", "python=="))
            pkg = CONDA_TO_PYPI.get(pkg, pkg)
            assert pkg not in packages, f"envs/{name}.yaml lists {pkg} twice"
            packages[pkg] = spec
    return packages, env


@pytest.mark.parametrize(("env", "without"), [("cpu", {"torch"}), ("torch", set())])
def test_env_lists_pyprojects_requirements(env: str, without: set[str]) -> None:
    packages, parsed = _env(env)
    python = packages.pop("python")
    packages.pop("pip")
    expected = {k: v for k, v in _requirements().items() if k not in without}
    assert packages == expected
    assert parsed["channels"] == ["conda-forge", "nodefaults"]
    # the pinned interpreter satisfies requires-python
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert all(requires.contains(s.version) for s in python)


def test_cpu_env_has_no_torch_and_torch_env_adds_only_torch() -> None:
    cpu, _ = _env("cpu")
    torch, _ = _env("torch")
    assert "torch" not in cpu
    assert set(torch) - set(cpu) == {"torch"}


@pytest.mark.parametrize("env", ["cpu", "torch"])
def test_post_deploy_installs_the_checkout(env: str) -> None:
    script = ENVS / f"{env}.post-deploy.sh"
    assert "pip install --no-deps -e ." in script.read_text()
    assert script.stat().st_mode & 0o111, f"{script} must be executable"


def _rule_envs() -> dict[str, str]:
    """rule name -> the env file its conda: directive names (relative to envs/)."""
    envs = {}
    for smk in sorted((ROOT / "workflow/rules").glob("*.smk")):
        for rule, body in re.findall(
            r"^rule (\w+):\n(.*?)(?=^rule |\Z)", smk.read_text(), re.M | re.S
        ):
            conda = re.search(r'conda:\s*\n\s*"([^"]+)"', body)
            if conda:
                envs[rule] = str((smk.parent / conda[1]).resolve().relative_to(ENVS))
    return envs


def test_every_conda_directive_names_an_env_of_envs() -> None:
    envs = _rule_envs()
    for rule, env in envs.items():
        assert env in ("cpu.yaml", "torch.yaml"), f"rule {rule}: conda env {env}"
    assert {rule for rule, env in envs.items() if env == "torch.yaml"} >= TORCH_RULES
    assert envs["cooccur_count"] == envs["baseline_gensim"] == "cpu.yaml"
