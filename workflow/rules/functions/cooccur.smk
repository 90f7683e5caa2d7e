# Input functions, resources and products of the cooccur stage (cooccur.smk).
from qwem.cooccur.counting import memory_needed_mb as counting_memory_needed_mb

COOCCUR = config["cooccur"]


def get_cooccurrence_parts(wildcards):
    """Pair counts of every token shard."""
    return [f"{RESULTS}/cooccur/part-{p}.npz" for p in corpus_parts()]


def count_mem_mb(input_mb):
    """Memory of one counting job: the packed triangle (dense) or the sparse buffers."""
    dense = counting_memory_needed_mb(V, config["context_length"], 0, "dense")
    return int(min(dense, COOCCUR["max_memory_mb"]) + 30 * input_mb + 500)


def merge_mem_mb(input_mb):
    """Memory of the merge: the shards plus two merged levels (sorted-key merge)."""
    return int(3 * input_mb + 500)
