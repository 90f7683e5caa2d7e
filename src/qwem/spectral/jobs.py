"""What ``qwem spectral`` (and ``qwem rmt basis``) do, file to file.

* :func:`solve_target`: top-d eigenpairs of a target and W* = U_d Λ_d^{1/2}
  (docs/method.md#models);
* :func:`write_spectra`: the eigenvalue table of several eigenpairs files;
* :func:`write_theory`: predicted u_k(t) and loss(t) from M*'s eigenpairs
  (docs/method.md#closed-form-dynamics).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from qwem.spectral.closed_form import ClosedForm

logger = logging.getLogger(__name__)


def solve_target(
    target: Path,
    *,
    vocab: Path,
    dim: int,
    solver: str,
    seed: int,
    tol: float,
    eig: Path,
    embedding: Path | None = None,
    w2v: Path | None = None,
    max_memory_mb: float | None = None,
) -> ClosedForm:
    """Solve the top ``dim`` eigenpairs of the (V, V) ``target`` .npy.

    Writes the eigenpairs file ``eig`` (:mod:`qwem.spectral.files`), and when
    given W* as ``embedding`` (.npy with a sidecar) and ``w2v`` (word2vec text,
    words of ``vocab``). Returns W* and the eigenvalues left out of it.
    Refuses first (:class:`~qwem.errors.QwemResourceError`) when
    :func:`qwem.spectral.memory.solve_memory_mb` exceeds the memory the job
    may use (:func:`qwem.runtime.check_memory`; ``max_memory_mb`` a cap).
    """
    from qwem import spectral
    from qwem.digests import load_verified_npy, write_sealed_meta
    from qwem.io import load_npy, provenance, save_npy, write_word2vec
    from qwem.runtime import check_memory
    from qwem.spectral import closed_form
    from qwem.spectral.files import made_by as eigen_made_by
    from qwem.spectral.files import save_eigenpairs
    from qwem.spectral.memory import MEMORY_FIXES, solve_memory_mb
    from qwem.targets import TARGETS_MADE_BY
    from qwem.vocab import read_vocabulary

    start = time.perf_counter()
    header = load_npy(target, mmap=True)  # shape and dtype, nothing read yet
    V = int(header.shape[0]) if header.ndim == 2 else 0  # else refused below
    check_memory(
        f"the eigensolve of {target.name} for V = {V:,} (d = {dim}, {solver})",
        solve_memory_mb(V, dim, solver, itemsize=header.dtype.itemsize),
        fixes=MEMORY_FIXES,
        limit_mb=max_memory_mb,
    )
    del header
    M = load_verified_npy(target, made_by=TARGETS_MADE_BY)
    spectral.check_symmetric(M, name=str(target))
    pairs = spectral.top_eigenpairs(M, dim, method=solver, seed=seed, tol=tol)
    cf = closed_form.embed(pairs, name=target.stem)
    params = {"target": str(target), "dim": dim, "solver": solver}
    meta = provenance({**params, "seed": seed, "tol": tol})
    meta.update(
        frobenius_sq=float(np.einsum("ij,ij->", M, M)),
        method=pairs.method,
        seconds=pairs.seconds,
        max_residual=float(pairs.residuals.max()),
        excluded=[float(v) for v in cf.excluded],
        # the job's wall time (load, symmetry check, solve), part of M*'s cost
        wall_seconds=time.perf_counter() - start,
    )
    save_eigenpairs(eig, pairs, **meta)
    made_by = eigen_made_by(eig)  # spectral solve, or rmt basis
    logger.info("wrote %s: %d eigenpairs by %s", eig, pairs.values.size, pairs.method)
    if embedding:
        save_npy(embedding, cf.W)
        write_sealed_meta(
            embedding, meta["params"], made_by=made_by, dim=int(cf.W.shape[1])
        )
    if w2v:
        write_word2vec(w2v, read_vocabulary(vocab), cf.W)
        write_sealed_meta(w2v, meta["params"], made_by=made_by)
    return cf


def write_spectra(eigs: Sequence[Path], out: Path) -> pd.DataFrame:
    """Tidy eigenvalue table (target, k, eigenvalue) of several eigenpairs files.

    Targets are named after their files (``M_star.eig.npz`` -> ``M_star``).
    """
    from qwem.spectral.closed_form import spectrum_table
    from qwem.spectral.files import load_eigenpairs, target_name

    spectra = {target_name(p): load_eigenpairs(p).values for p in eigs}
    table = spectrum_table(spectra)
    table.to_csv(out, index=False)
    return table


def theory_tables(
    values: np.ndarray,
    frobenius_sq: float,
    *,
    dim: int,
    inits: Sequence[float],
    points: int,
    modes: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predicted curves and loss of gradient flow on M* from each init.

    docs/method.md#closed-form-dynamics: modes are the positive eigenvalues
    (the first ``modes`` of them for the curves); the loss adds the discarded
    power ``||M*||_F^2 - sum λ_k^2``. Returns (curves, loss) tables, one block
    per init.
    """
    from qwem.spectral import theory

    lam = values[values > 0]
    discarded = frobenius_sq - float(np.sum(lam**2))
    modes = min(modes, lam.size)
    curves, losses = [], []
    for init in inits:
        u0 = theory.expected_initial_u(init, dim)[: lam.size]
        t = theory.time_grid(lam[:modes], u0[:modes], points)
        table = theory.theory_curves(lam[:modes], u0[:modes], t)
        curves.append(table.assign(init=init))
        loss = theory.predicted_loss(t, lam, u0, discarded)
        tau1 = theory.learning_times(lam[:1], u0[:1])[0]
        losses.append(
            pd.DataFrame({"init": init, "t": t, "t_over_tau1": t / tau1, "loss": loss})
        )
    return pd.concat(curves, ignore_index=True), pd.concat(losses, ignore_index=True)


def write_theory(
    eig: Path,
    *,
    dim: int,
    inits: Sequence[float],
    points: int,
    modes: int,
    out: Path,
    loss_out: Path,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`theory_tables` of M*'s eigenpairs file, written to two CSVs."""
    from qwem.errors import QwemInputError
    from qwem.spectral.files import load_eigen_meta, load_eigenpairs

    meta = load_eigen_meta(eig)
    if "frobenius_sq" not in meta:
        raise QwemInputError(f"{eig}: no 'frobenius_sq'; rerun qwem spectral solve")
    curves, loss = theory_tables(
        load_eigenpairs(eig).values,
        meta["frobenius_sq"],
        dim=dim,
        inits=inits,
        points=points,
        modes=modes,
    )
    curves.to_csv(out, index=False)
    loss.to_csv(loss_out, index=False)
    return curves, loss
