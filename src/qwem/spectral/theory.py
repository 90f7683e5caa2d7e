"""Closed-form training dynamics of QWEM, and a gradient-descent check.

See docs/method.md#closed-form-dynamics.

Gradient flow on ``1/4 ||M - W W^T||_F^2`` from a small random initialisation,
``dW/dt = (M - W W^T) W``, learns the top-d eigenmodes of M one at a time: each
squared singular value ``u_k = s_k^2`` of W follows the logistic curve

    u_k(t) = lam_k / (1 + (lam_k / u_k(0) - 1) exp(-c lam_k t)),   c = 2,

mode k is learned around ``tau_k = ln(lam_k / u_k(0)) / (c lam_k)`` and the loss
drops stepwise, ``L(t) = 1/4 [sum_{k<=d} (lam_k - u_k(t))^2 + sum_{k>d} lam_k^2]``.

Training steps become theory time with :func:`theory_time` (or
:func:`discrete_time`, exact in the early phase of plain gradient descent);
:func:`simulate_gd` is the full-batch gradient-descent experiment the closed form
must match. Everything is float64.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from numpy.typing import ArrayLike, NDArray

from qwem.errors import QwemConfigError, QwemInputError
from qwem.runtime import progress

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]


def _modes(lam: ArrayLike, u0: ArrayLike) -> tuple[F64, F64]:
    """(d,) float64 eigenvalues and initial values, checked and broadcast."""
    lam = np.atleast_1d(np.asarray(lam, dtype=np.float64))
    if lam.ndim != 1 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise QwemInputError(
            f"lam must be a 1-D array of positive eigenvalues, got {lam}; the "
            "closed form holds for positive modes only: lower d to the number of "
            "positive eigenvalues"
        )
    u0 = np.broadcast_to(np.asarray(u0, dtype=np.float64), lam.shape).copy()
    if not np.all(np.isfinite(u0)) or np.any(u0 <= 0):
        raise QwemInputError(f"u0 must be positive and finite, got {u0}")
    return lam, u0


def _times(t: ArrayLike) -> F64:
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if t.ndim != 1 or not np.all(np.isfinite(t)):
        raise QwemInputError(
            f"t must be a finite scalar or 1-D array, got shape {t.shape}"
        )
    return t


def sigmoidal_u(t: ArrayLike, lam: ArrayLike, u0: ArrayLike, *, c: float = 2.0) -> F64:
    """Squared singular values u_k(t) = s_k(t)^2 along the closed-form dynamics.

    Solves du_k/dt = c u_k (lam_k - u_k):
    ``u_k(t) = lam_k u_k(0) / (u_k(0) + (lam_k - u_k(0)) exp(-c lam_k t))``,
    the same logistic curve as docs/method.md#closed-form-dynamics, written so
    that nothing overflows for t >= 0 however small u_k(0) is.

    Args:
        t: (T,) theory times (scalar allowed).
        lam: (d,) positive eigenvalues lam_k of M.
        u0: (d,) or scalar initial values u_k(0) > 0 (see :func:`initial_u`).
        c: time constant; 2 for gradient flow on 1/4 ||M - W W^T||_F^2.
    Returns:
        (T, d) float64 u_k(t).
    """
    lam, u0 = _modes(lam, u0)
    t = _times(t)
    with np.errstate(over="ignore"):  # t << 0 only: u -> 0, which is right
        decay = np.exp(-c * np.outer(t, lam))  # (T, d)
    return lam * u0 / (u0 + (lam - u0) * decay)


def learning_times(lam: ArrayLike, u0: ArrayLike, *, c: float = 2.0) -> F64:
    """Learning times tau_k = ln(lam_k / u_k(0)) / (c lam_k), shape (d,).

    u_k(tau_k) = lam_k / (2 - u_k(0)/lam_k): tau_k is the half-way time up to a
    relative O(u_k(0)/lam_k) (exactly ln(lam_k/u_k(0) - 1) / (c lam_k)).
    Negative when u_k(0) > lam_k (the mode starts above its final value).
    """
    lam, u0 = _modes(lam, u0)
    return np.log(lam / u0) / (c * lam)


def theory_loss(
    t: ArrayLike, lam_all: ArrayLike, d: int, u0: ArrayLike, *, c: float = 2.0
) -> F64:
    """Loss L(t) = 1/4 [sum_{k<=d} (lam_k - u_k(t))^2 + sum_{k>d} lam_k^2], shape (T,).

    Args:
        t: (T,) theory times.
        lam_all: (V,) ALL eigenvalues of M, descending; the top d must be
            positive. Every discarded one counts, negative ones included: by
            Eckart-Young min ||M - W W^T||_F^2 over rank-d W W^T (which is
            positive semi-definite) is the sum of the discarded lam_k^2.
        d: embedding dimension.
        u0: (d,) or scalar initial values u_k(0).
    """
    lam_all = np.asarray(lam_all, dtype=np.float64)
    if lam_all.ndim != 1 or np.any(np.diff(lam_all) > 0):
        raise QwemInputError("lam_all must be a 1-D array sorted in descending order")
    if not 1 <= d <= lam_all.size:
        raise QwemConfigError(f"d must be in [1, {lam_all.size}], got {d}")
    u = sigmoidal_u(t, lam_all[:d], u0, c=c)  # (T, d)
    learned = ((lam_all[:d] - u) ** 2).sum(axis=1)
    return 0.25 * (learned + float((lam_all[d:] ** 2).sum()))


def initial_u(W0: ArrayLike, U: ArrayLike, *, orthogonalize: bool = True) -> F64:
    """Initial values u_k(0) of the modes, from an initial embedding, shape (d,).

    With a_k = W0^T U[:, k] (the d-vector of mode k's coordinates) the plain
    projection is ``||a_k||^2`` (``orthogonalize=False``). The default is the
    value that actually drives the dynamics from a random init: modes are
    learned in order, and once modes 1..k-1 are learned the part of a_k in
    span(a_1..a_{k-1}) decays, so only its Gram-Schmidt residual grows along
    the logistic curve. That residual norm^2 is R_kk^2 of the QR factorisation
    [a_1 ... a_d] = Q R; the plain ||a_k||^2 mispredicts modes k >= 2 by O(1)
    time shifts (tests/unit/test_spectral_theory.py checks the residual within 2 %).

    Args:
        W0: (V, d) initial embeddings.
        U: (V, d) orthonormal eigenvectors of M, columns in descending lam order.
    """
    W0 = np.asarray(W0, dtype=np.float64)
    U = np.asarray(U, dtype=np.float64)
    if W0.ndim != 2 or U.ndim != 2 or U.shape[0] != W0.shape[0]:
        raise QwemInputError(f"W0 {W0.shape} and U {U.shape} must both be (V, d)")
    A = U.T @ W0  # (d_U, d): row k is a_k
    if not orthogonalize:
        return (A**2).sum(axis=1)
    if U.shape[1] > W0.shape[1]:
        raise QwemInputError(f"U has {U.shape[1]} modes but W0 only {W0.shape[1]} dims")
    r = np.linalg.qr(A.T, mode="r")  # Gram-Schmidt of a_1, a_2, ... in order
    return np.diag(r) ** 2


def expected_initial_u(init: float, d: int, *, orthogonalize: bool = True) -> F64:
    """Mean u_k(0) over W0 entries N(0, (init/sqrt d)^2), shape (d,).

    ``||a_k||^2`` is init^2/d times chi^2_d, mean init^2; its Gram-Schmidt
    residual (the default, see :func:`initial_u`) is init^2/d times
    chi^2_{d-k+1}, mean init^2 (d - k + 1) / d.
    """
    if init <= 0 or d < 1:
        raise QwemConfigError(f"init must be > 0 and d >= 1, got {init}, {d}")
    k = np.arange(1, d + 1, dtype=np.float64)
    return init**2 * ((d - k + 1) / d if orthogonalize else np.ones(d))


def theory_time(steps: ArrayLike, lr: float, *, scale: float = 1.0) -> F64:
    """Theory time t = steps x lr x scale of a training run, shape of ``steps``.

    Contract: ``scale`` (kappa) is the factor by which the expected gradient
    of the training loss exceeds the gradient of 1/4 ||M - W W^T||_F^2 (so one
    step moves W by lr kappa (M - W W^T) W on average). The training stage
    derives kappa from its loss normalisation and pair weighting and passes
    it; theory curves then use c = 2. Plain full-batch gradient descent on
    1/4 ||M - W W^T||_F^2 has kappa = 1, t = steps x lr.
    """
    if lr <= 0 or scale <= 0:
        raise QwemConfigError(f"lr and scale must be > 0, got {lr}, {scale}")
    return np.asarray(steps, dtype=np.float64) * lr * scale


def discrete_time(
    steps: ArrayLike, lr: float, lam: ArrayLike, *, scale: float = 1.0
) -> F64:
    """Per-mode theory time matching discrete gradient descent, shape (R, d).

    A small mode grows by (1 + eta lam_k) per step (eta = lr x scale), the flow
    by exp(eta lam_k): after n steps the matching flow time is
    ``t_k = n ln(1 + eta lam_k) / lam_k`` (-> n eta as eta lam_k -> 0). Exact
    for the early phase; the residual O(eta lam_k) error is in the transition.
    """
    t = theory_time(steps, lr, scale=scale)
    lam = np.asarray(lam, dtype=np.float64)
    eta = lr * scale
    return np.outer(t / eta, np.log1p(eta * lam) / lam)


@dataclass(frozen=True)
class GDTrace:
    """Recorded full-batch gradient descent run (float64 numpy throughout).

    steps (R,) int64; t (R,) theory time steps x lr; singular_values (R, d)
    descending; loss (R,) 1/4 ||M - W W^T||_F^2; W_final (V, d); initial_u
    (d,) of W0 along the top-d eigenvectors (:func:`initial_u`); eigenvalues
    (d,) top-d eigenvalues of M, descending.
    """

    steps: NDArray[np.int64]
    t: F64
    singular_values: F64
    loss: F64
    W_final: F64
    initial_u: F64
    eigenvalues: F64


@contextlib.contextmanager
def _no_tf32() -> Iterator[None]:
    """TF32 off for CUDA matmuls (theory comparisons), restored afterwards."""
    saved = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = saved


def _check_gd(M: F64, d: int, init: float, lr: float, steps: int, every: int) -> None:
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise QwemInputError(f"M must be a square matrix, got shape {M.shape}")
    asym = float(np.abs(M - M.T).max()) if M.size else 0.0
    if asym > 1e-12 * float(np.abs(M).max()):
        raise QwemInputError(
            f"M must be symmetric (within 1e-12 relative), got max |M - M^T| = "
            f"{asym:.3g}; symmetrise it first, (M + M.T) / 2"
        )
    ok = {"d": 1 <= d <= M.shape[0], "init": init > 0, "lr": lr > 0}
    ok |= {"steps": steps >= 0, "record_every": every >= 1}
    values = {"d": d, "init": init, "lr": lr, "steps": steps, "record_every": every}
    for name in (n for n, good in ok.items() if not good):
        raise QwemConfigError(
            f"{name} is out of range, got {values[name]} (need 1 <= d <= V = "
            f"{M.shape[0]}, init > 0, lr > 0, steps >= 0, record_every >= 1)"
        )


def simulate_gd(
    M: ArrayLike,
    d: int,
    *,
    init: float,
    lr: float,
    steps: int,
    seed: int,
    record_every: int,
    device: str = "cpu",
) -> GDTrace:
    """Full-batch gradient descent W <- W + lr (M - W W^T) W, in float64 torch.

    Exact gradient descent on 1/4 ||M - W W^T||_F^2 (theory time t = steps x lr,
    c = 2). W0 has entries N(0, (init/sqrt d)^2) drawn on the CPU from
    ``torch.Generator("cpu").manual_seed(seed)`` and then moved, so CPU and
    CUDA runs start from the same W0. TF32 is off. Records steps 0,
    record_every, 2 record_every, ... and always the last step.

    Args:
        M: (V, V) symmetric target (small V: it is eigendecomposed with numpy).
        d: embedding dimension.
        init: initialisation scale; lr: step size; steps: number of steps.
        seed: seed of W0; record_every: recording interval in steps.
        device: torch device string, e.g. "cpu" or "cuda".
    """
    M = np.asarray(M, dtype=np.float64)
    _check_gd(M, d, init, lr, steps, record_every)
    V = M.shape[0]
    gen = torch.Generator("cpu").manual_seed(seed)
    W0 = torch.randn(V, d, generator=gen, dtype=torch.float64) * (init / d**0.5)
    evals, evecs = np.linalg.eigh(M)
    top = np.argsort(evals)[::-1][:d]
    u0 = initial_u(W0.numpy(), evecs[:, top])
    logger.info(
        "gradient descent: V=%d d=%d lr=%g steps=%d on %s", V, d, lr, steps, device
    )
    Mt = torch.as_tensor(M, device=device)
    W = W0.to(device)
    rec_steps, svals, losses = [], [], []
    with _no_tf32():
        for step in progress(range(steps + 1), desc="gd", unit="step"):
            if step % record_every == 0 or step == steps:
                rec_steps.append(step)
                svals.append(torch.linalg.svdvals(W).cpu().numpy())
                losses.append(0.25 * float(((Mt - W @ W.T) ** 2).sum()))
            if step < steps:  # (M - W W^T) W as (V, V) @ (V, d) - (V, d) @ (d, d)
                W = W + lr * (Mt @ W - W @ (W.T @ W))
    logger.info("final singular values %s", np.round(svals[-1], 6))
    steps_arr = np.asarray(rec_steps, dtype=np.int64)
    return GDTrace(
        steps=steps_arr,
        t=theory_time(steps_arr, lr),
        singular_values=np.stack(svals),
        loss=np.asarray(losses),
        W_final=W.cpu().numpy(),
        initial_u=u0,
        eigenvalues=evals[top],
    )


def _tau1(lam: F64, u0: F64, c: float) -> float:
    tau1 = float(learning_times(lam[:1], u0[:1], c=c)[0])
    if tau1 <= 0:
        raise QwemInputError(
            f"u_1(0) = {u0[0]:.3g} >= lam_1 = {lam[0]:.3g}: there is no learning "
            "time to rescale by; use a smaller init"
        )
    return tau1


def theory_curves(
    lam: ArrayLike, u0: ArrayLike, t: ArrayLike, *, c: float = 2.0
) -> pd.DataFrame:
    """Tidy table of the theory curves (Fig. 1-2), one row per (mode, t).

    Columns: ``t``; ``t_over_tau1`` (t / tau_1); ``mode`` (1-based);
    ``lambda``; ``u`` (= s^2, :func:`sigmoidal_u`); ``s`` (sqrt(u), the
    predicted singular value); ``tau`` (the mode's learning time).
    """
    lam, u0 = _modes(lam, u0)
    t = _times(t)
    u = sigmoidal_u(t, lam, u0, c=c)  # (T, d)
    T, d = u.shape
    cols = {"t": np.tile(t, d), "t_over_tau1": np.tile(t, d) / _tau1(lam, u0, c)}
    cols |= {"mode": np.repeat(np.arange(1, d + 1), T), "lambda": np.repeat(lam, T)}
    cols |= {"u": u.T.ravel(), "s": np.sqrt(u.T.ravel())}  # mode-major rows
    return pd.DataFrame(cols | {"tau": np.repeat(learning_times(lam, u0, c=c), T)})


def theory_loss_table(
    t: ArrayLike, lam_all: ArrayLike, d: int, u0: ArrayLike, *, c: float = 2.0
) -> pd.DataFrame:
    """Table of the theory loss (Fig. 1): columns ``t``, ``t_over_tau1``, ``loss``."""
    t = _times(t)
    loss = theory_loss(t, lam_all, d, u0, c=c)
    lam, u0 = _modes(np.asarray(lam_all, dtype=np.float64)[:d], u0)
    return pd.DataFrame({"t": t, "t_over_tau1": t / _tau1(lam, u0, c), "loss": loss})


def predicted_loss(
    t: ArrayLike, lam: ArrayLike, u0: ArrayLike, discarded_sq: float, *, c: float = 2.0
) -> F64:
    """L(t) = 1/4 [sum_k (λ_k - u_k(t))^2 + sum_{k>d} λ_k^2] from the top modes only.

    ``discarded_sq`` is the sum of the squared eigenvalues not among ``lam``
    (||M||_F^2 - sum_k λ_k^2 when ``lam`` holds the top d), shape (T,).
    """
    lam_arr = np.asarray(lam, dtype=np.float64)
    u = sigmoidal_u(t, lam_arr, u0, c=c)
    return np.asarray(0.25 * (((lam_arr - u) ** 2).sum(axis=1) + discarded_sq))


def time_grid(lam: ArrayLike, u0: ArrayLike, points: int, *, c: float = 2.0) -> F64:
    """0 and a geometric grid from τ_1 / 1000 to 3 τ of the slowest mode, (points,)."""
    tau = learning_times(lam, u0, c=c)
    return np.concatenate(
        ([0.0], np.geomspace(tau.min() / 1e3, 3 * tau.max(), points - 1))
    )
