"""Memory of one eigensolve (``qwem spectral solve``, ``qwem rmt basis``).

A solve holds the dense target M (V x V, loaded whole) and, one after the
other, the temporaries of :func:`qwem.spectral.check_symmetric` (``|M|``,
then a difference and its absolute value of up to V rows) and the solver's
workspace (:data:`WORKSPACE_BYTES_PER_ENTRY` per V^2 entry, plus its
vectors). The peak is M plus the larger of the two. Host memory only: with
``torch`` on a GPU the factorisation lives on the card.
"""

from __future__ import annotations

#: Bytes per V^2 entry of each method's dense workspace beyond M itself (M
#: float64). ``eigh``: LAPACK's copy of M; ``krylov``: its operator, at most
#: the sparse representation at 12 % density (12 bytes per stored entry) plus
#: a leading dense block (bounded here by another 0.5 V^2 entries), or
#: float32 M (4) when tol >= 1e-6; ``subspace``: float32 M; ``torch`` on the
#: CPU: the eigenvector matrix (8), LAPACK syevd's 2 V^2 doubles (16) and a
#: copy of M (8; measured 40 bytes per entry in all at V = 4,000).
WORKSPACE_BYTES_PER_ENTRY = {
    "eigh": 8.0,
    "eigsh": 0.0,
    "krylov": 4.0,
    "subspace": 4.0,
    "torch": 32.0,
}
#: Bytes per V^2 entry of :func:`qwem.spectral.check_symmetric`'s temporaries.
CHECK_BYTES_PER_ENTRY = 16.0
#: Interpreter, numpy, scipy and the numba kernels, MiB (measured: 150-250).
BASE_MB = 300.0


def basis_columns(vocab_size: int, dim: int, method: str) -> int:
    """Columns of V-long float64 vectors a method keeps (its Krylov basis,
    block or Lanczos vectors, the eigenvectors and their products)."""
    if method == "krylov":  # V and AV of krylov.block_lanczos's defaults
        keep = dim + max(32, 2 * dim // 3) + 4
        return 2 * min(max(1024, 3 * keep), vocab_size) + 2 * dim
    if method == "eigsh":  # ARPACK's ncv = max(2k + 1, 20) Lanczos vectors
        return max(2 * dim + 1, 20) + 2 * dim
    if method == "subspace":  # X, its products, the filter's three blocks
        return 6 * min(vocab_size, dim + max(20, dim // 2))
    return 3 * dim


def solve_memory_mb(
    vocab_size: int, dim: int, method: str, *, itemsize: int = 8
) -> float:
    """Peak host memory of the top-``dim`` eigensolve of a V x V target, MiB.

    Args:
        vocab_size: V.
        dim: eigenpairs solved (``dim``, or D = rmt.dim for the basis).
        method: ``spectral.solver``; ``auto`` counts as ``krylov`` (what it
            is without a GPU; with one, ``torch`` holds M on the card).
        itemsize: bytes per entry of the stored target (float64: 8).

    Returns M (``itemsize`` V^2) plus the larger of the symmetry check's
    temporaries and the method's workspace (module docstring), plus the
    vectors of :func:`basis_columns` and :data:`BASE_MB`
    (docs/method.md#models: the closed form needs M's top eigenpairs).

    Measured peak RSS above the loaded interpreter (``tests/tools/peak_memory.py
    solve V --dim 100 --solver S``, the synthetic M* of that script; model
    with :data:`BASE_MB` in brackets): V = 2,000: krylov 123 (426), eigh 86
    (396), eigsh 85 (398), torch 319 (427) MiB; V = 4,000: krylov, eigh and
    eigsh 341 (735, 675, 678: the symmetry check's 3 x 122 MiB is the peak),
    torch 656 (920) MiB.
    """
    method = "krylov" if method == "auto" else method
    V = vocab_size
    entries = V * V
    extra = max(CHECK_BYTES_PER_ENTRY, WORKSPACE_BYTES_PER_ENTRY[method]) * entries
    vectors = 8 * V * basis_columns(V, dim, method)
    return (itemsize * entries + extra + vectors) / 2**20 + BASE_MB


def basis_method(vocab_size: int, depth: int, solver: str) -> str:
    """The solver of the random-matrix basis (D = ``depth`` eigenpairs): a full
    ``eigh`` once D is an eighth of V or more, else ``spectral.solver``."""
    return "eigh" if 8 * depth >= vocab_size else solver


#: What a user can do when a solve does not fit.
MEMORY_FIXES = (
    "lower vocab_size (the solve loads the V x V target dense), or run the job "
    "on a node with more memory (raise resources.max_memory_mb and the "
    "profile's mem_mb); on the CPU spectral.solver krylov or eigsh needs the "
    "least (eigh and torch copy M)"
)
