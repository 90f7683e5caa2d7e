# Input functions, resources and products of the spectral stage (spectral.smk).
import math

from qwem.spectral.memory import basis_method, solve_memory_mb


def get_eigenpairs(wildcards):
    """Top-d eigenpairs of every solved target."""
    return [f"{RESULTS}/closed_form/{t}.eig.npz" for t in SPECTRAL["targets"]]


def solve_threads():
    """Threads of one eigensolve: one per 1,250 vocabulary words, 1 to 8."""
    return min(8, max(1, V // 1250))


def solve_mem_mb(dim, solver):
    """Memory of one eigensolve: qwem.spectral.memory.solve_memory_mb."""
    return math.ceil(solve_memory_mb(V, dim, solver))


def solve_runtime(attempt):
    """Minutes for one top-d eigensolve (cost ~ V^2 d), times the attempt."""
    return attempt * int(10 + 20 * V * V * config["dim"] / 2e10)


def spectral_outputs():
    """The spectral stage's products: closed-form embeddings, spectra, theory."""
    return [
        *(f"{RESULTS}/closed_form/{t}.w2v.txt" for t in SPECTRAL["targets"]),
        f"{RESULTS}/closed_form/spectra.csv",
        f"{RESULTS}/closed_form/theory.csv",
    ]
