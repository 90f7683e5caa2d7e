"""``qwem spectral``: closed-form embeddings, spectra and theory curves.

The work is :mod:`qwem.spectral.jobs`; ``qwem rmt basis`` is ``solve`` again
(:func:`add_solve`), for the D eigenpairs of the random-matrix basis.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qwem.cli.common import actions, add_command, add_memory_limit, pick


def cmd_solve(a: argparse.Namespace) -> None:
    from qwem.spectral.jobs import solve_target

    keys: tuple[str, ...] = ("vocab", "dim", "solver", "seed", "tol", "eig")
    keys += ("embedding", "w2v", "max_memory_mb")
    solve_target(a.target, **pick(a, *keys))


def cmd_theory(a: argparse.Namespace) -> None:
    from qwem.spectral.jobs import write_theory

    write_theory(a.eig, **pick(a, "dim", "inits", "points", "modes", "out", "loss-out"))


def cmd_spectra(a: argparse.Namespace) -> None:
    from qwem.spectral.jobs import write_spectra

    write_spectra(a.eig, a.out)


def add_solve(sub: Any, name: str, help_: str) -> argparse.ArgumentParser:
    """An action ``name`` under ``sub`` that is ``qwem spectral solve``."""
    p = add_command(sub, name, cmd_solve, help_)
    p.add_argument("target", type=Path, help="(V, V) float64 .npy")
    p.add_argument("--vocab", type=Path, required=True)
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--solver", required=True, help="spectral.solver")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--tol", type=float, required=True)
    p.add_argument("--eig", type=Path, required=True, help="eigenpairs .npz")
    p.add_argument("--embedding", type=Path, help="W* as .npy")
    p.add_argument("--w2v", type=Path, help="W* in word2vec text format")
    add_memory_limit(p)
    return p


def register(stages: Any) -> None:
    """Add ``qwem spectral ...``."""
    sp = actions(stages, "spectral", "closed-form embeddings and theory curves")
    add_solve(sp, "solve", "top-d eigenpairs and W* = U_d L_d^(1/2)")
    p = add_command(sp, "theory", cmd_theory, "predicted u_k(t), s_k(t) and loss(t)")
    p.add_argument("eig", type=Path, help="eigenpairs of M* (.eig.npz)")
    p.add_argument("--dim", type=int, required=True, help="d, embedding dimension")
    p.add_argument("--inits", type=float, nargs="+", required=True)
    p.add_argument("--points", type=int, required=True)
    p.add_argument("--modes", type=int, required=True)
    p.add_argument("--out", type=Path, required=True, help="theory.csv")
    p.add_argument("--loss-out", type=Path, required=True, help="theory_loss.csv")
    p = add_command(sp, "spectra", cmd_spectra, "eigenvalue table of several targets")
    p.add_argument("eig", type=Path, nargs="+")
    p.add_argument("--out", type=Path, required=True)
