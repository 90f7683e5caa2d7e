"""Top-d eigensolvers side by side on the demo corpus's M* (V = 10,000, d = 200).

The demo corpus is tokenised at V = 10,000 (not repeated), counted with
L = 16, and M* is built in memory; then, in one run: full ``numpy.linalg.eigh``
(the reference), ``eigsh``, the default method (``auto``) and, to show what
the sparse products of M* contribute, ``krylov`` forced to dense float64
products; each with its wall time, largest residual ``||M u - λ u||`` and
largest eigenvalue error against eigh, relative to the top eigenvalue λ_1
(the accuracy bar is 1e-8 |λ_1|) and to max|λ| = ||M||_2.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from qwem import spectral, targets
from qwem.bench.common import report
from qwem.bench.cooccur import demo_corpus
from qwem.spectral import krylov, products


def demo_m_star(vocab_size: int, context_length: int) -> np.ndarray:
    """M* of the bundled corpus at this vocabulary size, float64 (V, V)."""
    _, _, counts = demo_corpus(vocab_size, context_length)
    p_i = targets.unigram_probs(counts.unigram)
    return targets.m_star(targets.pair_probs(counts), p_i, p_i, 1.0)


def run(*, vocab_size: int = 10_000, dim: int = 200, tol: float = 1e-8) -> Path:
    """Run the eigensolver benchmark; write results/bench/spectral.json."""
    M = demo_m_star(vocab_size, 16)
    start = time.perf_counter()
    w_all, U_all = np.linalg.eigh(M)
    eigh_s = time.perf_counter() - start
    ref_w, ref_U = w_all[::-1][:dim], U_all[:, ::-1][:, :dim]
    scale = float(np.abs(w_all).max())
    del U_all
    lam1 = float(abs(ref_w[0]))

    def row(name: str, seconds: float, w: np.ndarray, res: np.ndarray) -> dict:
        return {
            "method": name,
            "seconds": seconds,
            "max_residual_rel_lambda1": float(res.max() / lam1),
            "max_eigenvalue_error_rel_lambda1": float(np.abs(w - ref_w).max() / lam1),
            "max_residual_rel_norm": float(res.max() / scale),
        }

    rows = [
        row(
            "numpy.linalg.eigh (full)",
            eigh_s,
            ref_w,
            spectral.residual_norms(M, ref_w, ref_U),
        )
    ]
    for method in ("eigsh", "auto"):
        pairs = spectral.top_eigenpairs(M, dim, method=method, seed=0, tol=tol)
        name = method if method != "auto" else f"default (auto -> {pairs.method})"
        rows.append(row(name, pairs.seconds, pairs.values, pairs.residuals))
    start = time.perf_counter()
    op = products.Operator(M, "float64")
    w, X = krylov.block_lanczos(M, dim, seed=0, tol=tol, op=op)
    dense_s = time.perf_counter() - start
    w, X = w[:dim], X[:, :dim]
    rows.append(
        row(
            "krylov, dense float64 products",
            dense_s,
            w,
            spectral.residual_norms(M, w, X),
        )
    )
    default = rows[2]["seconds"]
    return report(
        "spectral",
        rows,
        vocab_size=vocab_size,
        dim=dim,
        tol=tol,
        max_abs_eigenvalue=scale,
        top_eigenvalue=lam1,
        speedup_vs_eigh=round(eigh_s / default, 2),
        speedup_vs_eigsh=round(rows[1]["seconds"] / default, 2),
        dense_krylov_speedup_vs_eigh=round(eigh_s / dense_s, 2),
    )
