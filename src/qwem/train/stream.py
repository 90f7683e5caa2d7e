"""The sequential engine's state: corpus, weights, generator and cursor.

:class:`SlotStream` holds what the compiled loop of :mod:`qwem.train.sequential`
reads and advances, compiles it before any step is timed, and saves and
restores the generator and cursor with the training state.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from qwem.cooccur import pair_totals
from qwem.train.sequential import run_slots, shuffle_documents
from qwem.train.slots import SlotWeights, alias_table, window_distribution


class SlotStream:
    """The sequential engine's state: corpus, weights, generator and cursor.

    Args:
        tokens: (T,) token ids; offsets: (D + 1,) document boundaries.
        weights: :func:`~qwem.train.slots.slot_weights`; pair: (V, V) Ψ pair
            factor or None.
        loss: ``qwem`` or ``sgns``.
        negatives: negative pairs per slot, each with 1 / negatives of the
            weight (the same expectation, less noise).
        context_length, weighting: as counted.
        seed: seeds the generator and the stream's random start.
    """

    def __init__(
        self,
        tokens: NDArray[np.integer],
        offsets: NDArray[np.int64],
        weights: SlotWeights,
        pair: NDArray[np.floating] | None,
        *,
        loss: str,
        negatives: int,
        context_length: int,
        weighting: str,
        seed: int,
        dtype: type = np.float64,
    ) -> None:
        self.tokens = np.ascontiguousarray(tokens)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        self.weights = weights
        self.qwem = loss == "qwem"
        self.negatives = negatives
        self.use_pair = pair is not None
        self.pair: NDArray[np.floating] = np.ascontiguousarray(
            np.zeros((1, 1)) if pair is None else pair, dtype
        )
        self.win = alias_table(window_distribution(context_length, weighting))
        self.q = alias_table(weights.q)
        self.seed = seed % 2**64
        self.order = np.empty(self.offsets.size - 1, dtype=np.int64)
        shuffle_documents(self.order, self.seed, 0)
        rank = int(np.random.default_rng(seed).integers(self.order.size))
        # k > b: the first call moves to the first token of document order[rank]
        start = self.offsets[self.order[rank]] - 1
        self.cursor = np.array([start, 0, 1, 0, rank, 0], dtype=np.int64)
        mixed = (seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**64
        self.rng = np.array([mixed or 1], dtype=np.uint64)
        self._compile(dtype)

    def _compile(self, dtype: type) -> None:
        """Compile (or load from numba's cache) before any step is timed."""
        W: NDArray[np.floating] = np.zeros((self.weights.accept.size, 1), dtype)
        state = (self.rng.copy(), self.cursor.copy(), self.order.copy())
        self.run(W, W, 0.0, 0)
        self.rng[:], self.cursor[:], self.order[:] = state

    @staticmethod
    def positive_scale(
        offsets: NDArray[np.int64], context_length: int, weighting: str
    ) -> float:
        """c = T L / pairs, the positives' weight for E = sum_ij P_ij f."""
        pairs, _ = pair_totals(offsets, context_length, weighting)
        return float(offsets[-1] * context_length / pairs)

    def run(
        self, W: NDArray[np.floating], D: NDArray[np.floating], rate: float, slots: int
    ) -> tuple[float, int]:
        """``slots`` slots moving D (W itself to train); (loss sum, pair updates)."""
        w = self.weights
        total, updates = run_slots(
            W,
            D,
            D is W,
            self.tokens,
            self.offsets,
            *self.win,
            w.accept,
            w.pos_row,
            w.pos_col,
            self.pair,
            self.use_pair,
            w.uniform_centre,
            *self.q,
            w.neg_row,
            w.neg_col,
            self.qwem,
            self.negatives,
            rate,
            slots,
            self.rng,
            self.cursor,
            self.order,
            self.seed,
        )
        return float(total), int(updates)

    def state(self) -> dict[str, list[int]]:
        """Generator and cursor, for a resumable checkpoint."""
        return {"rng": [int(self.rng[0])], "cursor": self.cursor.tolist()}

    def restore(self, state: dict[str, list[int]]) -> None:
        """Continue from :meth:`state`."""
        self.rng[0] = np.uint64(state["rng"][0])
        self.cursor[:] = state["cursor"]
        shuffle_documents(self.order, self.seed, int(self.cursor[5]))
