"""Co-occurrence counts of a token stream (docs/method.md#corpus-statistics).

Every pair (x_t, x_{t+k}), k = 1..L, inside a document is counted with its
distance weight w_k, once under a canonical key, exactly (integers), so
shards merge to bit-identical totals. The modules:

- :mod:`qwem.cooccur.pairs`: distance weights, canonical keys, expected
  totals and :class:`PairCounts`;
- :mod:`qwem.cooccur.counting`: counting one shard (``dense`` or ``sparse``
  path, chosen from a memory estimate) and merging shards;
- :mod:`qwem.cooccur.kernels`: the numba loops of both;
- :mod:`qwem.cooccur.files`: the counts file (``.npz`` with a JSON meta).

The names below are the package's interface; callers write ``cooccur.count``.
"""

from qwem.cooccur.counting import (
    METHODS,
    choose_method,
    count,
    memory_needed_mb,
    merge,
    reduce_pairs,
)
from qwem.cooccur.files import load, read_meta, save
from qwem.cooccur.pairs import (
    WEIGHTINGS,
    PairCounts,
    Triple,
    distance_weights,
    pair_totals,
    tri_size,
    unpack_keys,
)

__all__ = [
    "METHODS",
    "WEIGHTINGS",
    "PairCounts",
    "Triple",
    "choose_method",
    "count",
    "distance_weights",
    "load",
    "memory_needed_mb",
    "merge",
    "pair_totals",
    "read_meta",
    "reduce_pairs",
    "save",
    "tri_size",
    "unpack_keys",
]
