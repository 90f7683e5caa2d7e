"""``python -m qwem.bench [stage ...]``: run the benchmarks (by default all but
``convergence``, ``gensim`` and ``cooccur_scale``, which take ten minutes
or more)."""

from __future__ import annotations

import argparse
import logging

from qwem.bench import (
    convergence,
    cooccur,
    corpus,
    gensim,
    noise,
    scale,
    spectral,
    train,
)

STAGES = {
    "corpus": corpus.run,
    "cooccur": cooccur.run,
    "spectral": spectral.run,
    "train": train.run,
    "noise": noise.run,
    # not in the default set: tens of minutes (the training issue's acceptance)
    "convergence": convergence.run,
    # not in the default set: ~40 minutes (the gensim baseline's epoch study)
    "gensim": gensim.run,
    # not in the default set: 10^9 tokens through count -> merge -> targets
    "cooccur_scale": scale.run,
}
DEFAULT = ("corpus", "cooccur", "spectral", "train", "noise")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m qwem.bench")
    parser.add_argument("stages", nargs="*", metavar="STAGE", help=", ".join(STAGES))
    args = parser.parse_args()
    unknown = set(args.stages) - set(STAGES)
    if unknown:
        parser.error(f"unknown stage(s) {sorted(unknown)}; choose from {list(STAGES)}")
    logging.basicConfig(level=logging.WARNING)
    for stage in args.stages or DEFAULT:
        STAGES[stage]()


if __name__ == "__main__":
    main()
