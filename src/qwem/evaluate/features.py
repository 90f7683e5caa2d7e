"""Learned features: eigenfeatures as concepts, and subspace agreement.

docs/method.md#evaluation. The concepts of a direction u ∈ R^V (an eigenvector of
M*, or a PCA direction of trained embeddings) are the words with the most
positive and most negative entries among the most frequent words. Agreement
between two embeddings (or an embedding and M*'s eigenvectors) compares their
top singular subspaces: (1/d) ||U_d^T V_d||_F^2, 1 for the same subspace and 0
for orthogonal ones, and the matrix (v_i^T ṽ_j)^2 of singular-vector overlaps.

Sign convention: a direction and its negative are the same feature; every
direction returned here is flipped so that its entry of largest absolute value
is positive (the first such entry on a tie). Its "+" words are then the side
that holds the direction's most extreme word.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from qwem.errors import QwemConfigError, QwemInputError

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]


def orient(U: NDArray[np.floating]) -> F64:
    """Columns flipped so that each one's largest-|entry| is positive (float64)."""
    out: F64 = np.array(U, dtype=np.float64)
    if out.size == 0:
        return out
    peak = out[np.abs(out).argmax(axis=0), np.arange(out.shape[1])]
    out *= np.where(peak < 0, -1.0, 1.0)
    return out


def left_singular_vectors(X: NDArray[np.floating], k: int) -> F64:
    """Top-k left singular vectors of X (V, m), by singular value, oriented.

    For W = U_D Λ_D^{1/2} (the closed form) these are the top eigenvectors U;
    for an orthonormal X all singular values tie, so pass exactly the k
    columns wanted (e.g. ``U[:, :k]``): the subspace is then X's own.
    """
    if X.ndim != 2:
        raise QwemInputError(f"expected a (V, d) matrix, got shape {X.shape}")
    if not 1 <= k <= min(X.shape):
        raise QwemConfigError(
            f"number of directions must be in [1, {min(X.shape)}] for a "
            f"{X.shape[0]} x {X.shape[1]} matrix, got {k}"
        )
    U, _, _ = np.linalg.svd(np.asarray(X, dtype=np.float64), full_matrices=False)
    return orient(U[:, :k])


def pca_directions(W: NDArray[np.floating], k: int) -> F64:
    """Top-k PCA directions in word space: left singular vectors of centred W.

    Args:
        W: (V, d) embeddings; each column's mean over the V words is removed.
        k: number of directions, 1 <= k <= min(V, d).
    Returns:
        (V, k) float64 orthonormal columns by decreasing variance, oriented as
        in the module docstring.
    """
    W = np.asarray(W, dtype=np.float64)
    return left_singular_vectors(W - W.mean(axis=0), k)


def concept_table(
    directions: NDArray[np.floating], words: list[str], *, top: int, among: int
) -> pd.DataFrame:
    """The ``top`` most positive and most negative words of each direction.

    Args:
        directions: (V, k) one direction per column, rows in vocabulary order
            (the vocabulary is sorted by frequency: row i is rank i).
        words: the V words.
        top: words listed per side (the paper: 20).
        among: only the ``among`` most frequent words compete (the paper: 4,000;
            all V when larger).
    Returns:
        Long table direction (1-based), sign ('+' or '-'), rank (1 = most
        extreme), word, value (the entry of the direction).
    """
    if directions.shape[0] != len(words):
        raise QwemInputError(
            f"{directions.shape[0]} rows of directions but {len(words)} words; "
            "use the vocabulary the directions were computed on"
        )
    if top < 1 or among < 1:
        raise QwemConfigError(f"top and among must be >= 1, got {top} and {among}")
    sub = np.asarray(directions[:among], dtype=np.float64)  # (among, k)
    top = min(top, sub.shape[0])
    k = sub.shape[1]
    frames = []
    for sign, key in (("+", -sub), ("-", sub)):
        idx = np.argsort(key, axis=0, kind="stable")[:top]  # (top, k)
        frames.append(
            pd.DataFrame(
                {
                    "direction": np.tile(np.arange(1, k + 1), top),
                    "sign": sign,
                    "rank": np.repeat(np.arange(1, top + 1), k),
                    "word": np.asarray(words, dtype=object)[idx.ravel()],
                    "value": np.take_along_axis(sub, idx, axis=0).ravel(),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)  # "+" sorts before "-"
    return table.sort_values(["direction", "sign", "rank"], ignore_index=True)


def subspace_overlap(A: NDArray[np.floating], B: NDArray[np.floating], d: int) -> float:
    """(1/d) ||U_d^T V_d||_F^2 between the top-d left singular subspaces of A and B.

    Args:
        A, B: (V, m) and (V, m') embeddings or direction matrices, rows aligned
            on the same words (see :func:`left_singular_vectors` for orthonormal
            inputs).
        d: subspace dimension, at most min(m, m').
    Returns:
        Overlap in [0, 1]: 1 for equal subspaces, 0 for orthogonal ones,
        invariant to rotations W -> W O.
    """
    _check_aligned(A, B)
    U, V = left_singular_vectors(A, d), left_singular_vectors(B, d)
    return float(np.linalg.norm(U.T @ V) ** 2 / d)


def overlap_matrix(A: NDArray[np.floating], B: NDArray[np.floating], k: int) -> F64:
    """(k, k) squared overlaps (v_i^T ṽ_j)^2 of the top-k left singular vectors.

    Each row and each column sums to at most 1; a permutation matrix means the
    two models learned the same directions in possibly different order.
    """
    _check_aligned(A, B)
    U, V = left_singular_vectors(A, k), left_singular_vectors(B, k)
    return np.asarray((U.T @ V) ** 2)


def overlap_long(matrix: F64) -> pd.DataFrame:
    """An overlap matrix as a long table: i, j (1-based), overlap."""
    i, j = np.indices(matrix.shape)
    return pd.DataFrame(
        {"i": i.ravel() + 1, "j": j.ravel() + 1, "overlap": matrix.ravel()}
    )


def agreement_tables(
    embeddings: Mapping[str, NDArray[np.floating]],
    *,
    dims: Sequence[int],
    modes: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Overlap matrices and subspace overlaps of every pair of models.

    The same numbers as :func:`overlap_matrix` and :func:`subspace_overlap`
    pair by pair, with one SVD per model: the top-d singular vectors are the
    first d columns of the full thin SVD.

    Args:
        embeddings: model name -> (V, m) matrix, rows aligned on the same words.
        dims: d of the subspace overlaps; a pair gets those <= min(m, m').
        modes: k of the k x k matrices, capped at min(m, m').
    Returns:
        (matrices, subspace): columns model_a, model_b, i, j, overlap (v_i .
        ṽ_j)^2 and model_a, model_b, d, overlap (1/d)||U_d^T V_d||_F^2, pairs
        in ``itertools.combinations`` order of ``embeddings``.
    """
    bases = {
        name: left_singular_vectors(X, min(X.shape)) for name, X in embeddings.items()
    }
    for X in embeddings.values():
        _check_aligned(next(iter(embeddings.values())), X)
    matrices, subspace = [], []
    for (na, U), (nb, V) in itertools.combinations(bases.items(), 2):
        width = min(U.shape[1], V.shape[1])
        k = min(modes, width)
        m = overlap_long((U[:, :k].T @ V[:, :k]) ** 2)
        matrices.append(m.assign(model_a=na, model_b=nb))
        for d in (d for d in dims if d <= width):
            s = float(np.linalg.norm(U[:, :d].T @ V[:, :d]) ** 2 / d)
            subspace.append({"model_a": na, "model_b": nb, "d": d, "overlap": s})
            logger.info("%s vs %s: subspace overlap %.4f at d = %d", na, nb, s, d)
    columns = ["model_a", "model_b", "i", "j", "overlap"]
    matrix = pd.concat(matrices, ignore_index=True)[columns] if matrices else None
    return (
        pd.DataFrame(columns=columns) if matrix is None else matrix,
        pd.DataFrame(subspace, columns=["model_a", "model_b", "d", "overlap"]),
    )


def _check_aligned(A: NDArray[np.floating], B: NDArray[np.floating]) -> None:
    if A.shape[0] != B.shape[0]:
        raise QwemInputError(
            f"the two matrices have {A.shape[0]} and {B.shape[0]} rows; align both "
            "on the same vocabulary first"
        )
