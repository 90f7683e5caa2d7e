# Config helpers only: validation, aliases of config sections, the model lists
# and run roles that several stages read, and command-line formatting. Input
# functions and resources live with their stage's rules. Nothing here reads a
# file other than the config, opens a connection or starts a process.
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from qwem.config import (
    cross_check,
    explain_errors,
    format_problems,
    load_schema,
    run_roles,
    selected_runs,
)

try:
    validate(config, schema="../schemas/config.schema.yaml")
except WorkflowError:
    schema = load_schema(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
    raise WorkflowError(format_problems(explain_errors(config, schema))) from None
if problems := cross_check(config):
    raise WorkflowError(format_problems(problems))

NAME = config["name"]
CORPUS = config["corpus"]
DOWNLOAD = CORPUS["download"]
COOCCUR = config["cooccur"]
SPECTRAL = config["spectral"]
TRAIN = config["train"]
RUNS = selected_runs(TRAIN)  # train.select was checked by cross_check
RESULTS = f"results/{NAME}"
V = config["vocab_size"]
EVALUATE = config["evaluate"]
RMT = config["rmt"]
BASELINE = config["baseline"]
# Table 1 rows: trained runs, the gensim baseline and the closed forms
BENCHMARK_MODELS = [
    *RUNS,
    "gensim",
    *(t for t in ("M_star", "ppmi", "pmi") if t in SPECTRAL["targets"]),
]
# models compared by subspace agreement: M*'s eigenvectors, PPMI, trained runs
# and the gensim baseline
AGREEMENT_MODELS = [
    *(t for t in ("M_star", "ppmi") if t in SPECTRAL["targets"]),
    *RUNS,
    "gensim",
]
# k of the agreement table ('d' = dim; values above dim dropped)
AGREEMENT_K = sorted(
    {config["dim"] if k == "d" else k for k in EVALUATE["agreement"]["k"]}
    & set(range(1, config["dim"] + 1))
)
# subspace dimensions of eval/subspace_overlap.csv (the d list and the k list)
AGREEMENT_DIMS = sorted({*EVALUATE["agreement"]["dims"], *AGREEMENT_K})
PLOTS = config["plots"]
# figure or table -> slot -> run, for the selected runs; declared in the config
# (train.runs.<run>.roles, checked by qwem.config.run_roles), never guessed
ROLES = run_roles(TRAIN["runs"], RUNS)
BOOTSTRAP = EVALUATE["bootstrap"]  # its reference was checked by cross_check
CONCEPT_MODELS = ["M_star", *RUNS]


wildcard_constraints:
    name=re.escape(NAME),
    part=r"[A-Za-z0-9][A-Za-z0-9_.-]*",
    target="M_star|pmi|ppmi|G|P_ij|sgns",
    run="|".join(RUNS) or "no-runs",
    model="|".join(CONCEPT_MODELS),


def opt(value):
    """A config value on a qwem command line ('none' for null)."""
    return "none" if value is None else value


def named_inputs(input, models):
    """``--embedding NAME=PATH`` options for the named inputs."""
    return " ".join(f"--embedding {m}={input[m]}" for m in models)


def keyed_options(option, values):
    """``--<option> KEY=VALUE`` for each item of a mapping."""
    return " ".join(f"--{option} {k}={v}" for k, v in values.items())
