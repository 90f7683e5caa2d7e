"""``qwem spectral``: closed-form embeddings, spectra and theory curves."""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from qwem.cli.common import actions, add_command

logger = logging.getLogger(__name__)


def cmd_solve(a: argparse.Namespace) -> None:
    from qwem import spectral, vocab
    from qwem.io import load_npy, provenance, write_word2vec
    from qwem.spectral import closed_form

    start = time.perf_counter()
    M = load_npy(a.target)
    spectral.check_symmetric(M, name=str(a.target))
    pairs = spectral.top_eigenpairs(M, a.dim, method=a.solver, seed=a.seed, tol=a.tol)
    cf = closed_form.embed(pairs, name=a.target.stem)
    meta = provenance(
        {
            "target": str(a.target),
            "dim": a.dim,
            "solver": a.solver,
            "seed": a.seed,
            "tol": a.tol,
        }
    )
    meta.update(
        frobenius_sq=float(np.einsum("ij,ij->", M, M)),
        method=pairs.method,
        seconds=pairs.seconds,
        max_residual=float(pairs.residuals.max()),
        excluded=[float(v) for v in cf.excluded],
        # the job's wall time (load, symmetry check, solve), part of M*'s cost
        wall_seconds=time.perf_counter() - start,
    )
    from qwem.io import atomic_path

    with atomic_path(a.eig) as tmp, open(tmp, "wb") as fh:
        np.savez(
            fh,
            values=pairs.values,
            vectors=pairs.vectors,
            residuals=pairs.residuals,
            excluded=cf.excluded,
            meta=np.array(json.dumps(meta)),
        )
    if a.embedding:
        from qwem.io import save_npy, write_meta

        save_npy(a.embedding, cf.W)
        write_meta(a.embedding, meta["params"], dim=int(cf.W.shape[1]))
    if a.w2v:
        write_word2vec(a.w2v, vocab.read_vocabulary(a.vocab), cf.W)


def cmd_theory(a: argparse.Namespace) -> None:
    import pandas as pd

    from qwem.spectral import theory

    with np.load(a.eig, allow_pickle=False) as z:
        values = z["values"]
        meta = json.loads(str(z["meta"]))
    lam = values[values > 0]
    discarded = meta["frobenius_sq"] - float(np.sum(lam**2))
    modes = min(a.modes, lam.size)
    curves, losses = [], []
    for init in a.inits:
        u0 = theory.expected_initial_u(init, a.dim)[: lam.size]
        t = theory.time_grid(lam[:modes], u0[:modes], a.points)
        table = theory.theory_curves(lam[:modes], u0[:modes], t)
        curves.append(table.assign(init=init))
        loss = theory.predicted_loss(t, lam, u0, discarded)
        tau1 = theory.learning_times(lam[:1], u0[:1])[0]
        losses.append(
            pd.DataFrame({"init": init, "t": t, "t_over_tau1": t / tau1, "loss": loss})
        )
    pd.concat(curves, ignore_index=True).to_csv(a.out, index=False)
    pd.concat(losses, ignore_index=True).to_csv(a.loss_out, index=False)


def cmd_spectra(a: argparse.Namespace) -> None:
    from qwem.spectral.closed_form import spectrum_table

    spectra = {}
    for path in a.eig:
        with np.load(path, allow_pickle=False) as z:
            spectra[Path(path).name.split(".")[0]] = z["values"]
    spectrum_table(spectra).to_csv(a.out, index=False)


def cmd_analogies(a: argparse.Namespace) -> None:
    from qwem import evaluate
    from qwem.io import read_word2vec

    words, W = read_word2vec(a.embedding)
    if a.vocab:
        from qwem.vocab import read_vocabulary

        keep = set(read_vocabulary(a.vocab))
        rows = [i for i, w in enumerate(words) if w in keep]
        words, W = [words[i] for i in rows], W[rows]
    overall, table = evaluate.analogy_accuracy(W, words, evaluate.load_analogies())
    print(table.to_string(index=False))
    print(
        f"overall 3CosAdd accuracy: {overall:.4f} on {int(table['n'].sum())} questions"
    )


def register(stages: Any) -> None:
    """Add ``qwem spectral ...``."""
    sp = actions(stages, "spectral", "closed-form embeddings and theory curves")
    p = add_command(sp, "solve", cmd_solve, "top-d eigenpairs and W* = U_d L_d^(1/2)")
    p.add_argument("target", type=Path, help="(V, V) float64 .npy")
    p.add_argument("--vocab", type=Path, required=True)
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--solver", default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tol", type=float, required=True)
    p.add_argument("--eig", type=Path, required=True, help="eigenpairs .npz")
    p.add_argument("--embedding", type=Path, help="W* as .npy")
    p.add_argument("--w2v", type=Path, help="W* in word2vec text format")
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
    p = add_command(sp, "analogies", cmd_analogies, "quick 3CosAdd check (protocol a)")
    p.add_argument("embedding", type=Path, help="word2vec text file")
    p.add_argument("--vocab", type=Path, help="restrict the search to these words")
