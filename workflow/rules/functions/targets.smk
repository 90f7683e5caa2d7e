# Input functions, resources and products of the targets stage (targets.smk).
import hashlib
import json
import math

from qwem.targets import memory_needed_mb as targets_memory_needed_mb

TARGET_FILES = [
    f"{n}.npy" for n in ("unigram", "P_ij", "M_star", "pmi", "ppmi", "sgns", "G")
]


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


def targets_mem_mb(input_mb):
    """Memory of the targets: qwem.targets.memory_needed_mb (dense P_ij, its
    mask, row blocks and the counts of size ``input_mb``)."""
    return math.ceil(targets_memory_needed_mb(V, counts_mb=input_mb))


def targets_runtime(attempt):
    """Minutes for the V x V targets (20 per 10^8 entries), times the attempt."""
    return attempt * int(10 + 20 * V * V / 1e8)


def targets_outputs():
    """The targets stage's products: stats.json (P_ij and M* are inputs of later
    stages, not products)."""
    return [f"{RESULTS}/stats/stats.json"]
