# Input functions, resources and products of the vocab stage (vocab.smk).
def get_word_counts(wildcards):
    """Word counts of every text part, in corpus order."""
    return [f"{RESULTS}/corpus/wordcounts/part-{p}.tsv.gz" for p in corpus_parts()]


def token_files(suffix):
    """An input function: one file per token shard (``part-<p><suffix>``), in
    corpus order."""

    def files(wildcards):
        return [f"{RESULTS}/corpus/tokens/part-{p}{suffix}" for p in corpus_parts()]

    return files


def vocab_outputs():
    """The vocab stage's products: the vocabulary and the corpus summary."""
    return [f"{RESULTS}/corpus/vocab.tsv", f"{RESULTS}/corpus/summary.json"]
