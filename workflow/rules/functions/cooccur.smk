# Input functions, resources and products of the cooccur stage (cooccur.smk).
from qwem.cooccur.counting import memory_needed_mb as counting_memory_needed_mb
from qwem.cooccur.pairs import tri_size

COOCCUR = config["cooccur"]


def get_cooccurrence_parts(wildcards):
    """Pair counts of every token shard."""
    return [f"{RESULTS}/cooccur/part-{p}.npz" for p in corpus_parts()]


def count_mem_mb(input_mb):
    """Memory of one counting job: the packed triangle (dense) or the sparse buffers."""
    dense = counting_memory_needed_mb(V, config["context_length"], 0, "dense")
    return int(min(dense, COOCCUR["max_memory_mb"]) + 30 * input_mb + 500)


def merge_mem_mb(input_mb):
    """Memory of the merge: the running sum, one shard and the next sum (shards
    are folded in one at a time), each at most 24 bytes per cell of the
    triangle."""
    triangle_mb = 24 * tri_size(V) / 2**20
    return int(3 * min(input_mb, triangle_mb) + 500)
