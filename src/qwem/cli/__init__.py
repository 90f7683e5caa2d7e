"""The ``qwem`` command line: one subcommand per stage, usable without Snakemake.

``qwem <stage> <action> ...``, one module per stage; each handler parses its
arguments and calls one library function (which loads, computes and writes).
A QwemError is printed as one line and exits with status 2; anything else
keeps its traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from qwem import __version__
from qwem.cli import (
    baseline,
    cooccur,
    corpus,
    evaluate,
    plots,
    rmt,
    spectral,
    targets,
    train,
    vocab,
)
from qwem.errors import QwemError

logger = logging.getLogger(__name__)
STAGES = (
    corpus,
    vocab,
    cooccur,
    targets,
    spectral,
    train,
    baseline,
    evaluate,
    rmt,
    plots,
)


def build_parser() -> argparse.ArgumentParser:
    """The full ``qwem`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="qwem", description="Stages of the qwem pipeline (see README.md)."
    )
    parser.add_argument("--version", action="version", version=f"qwem {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    stages = parser.add_subparsers(dest="stage", required=True, metavar="STAGE")
    for module in STAGES:
        module.register(stages)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qwem`` command."""
    from qwem.runtime import setup_logging

    args = build_parser().parse_args(argv)
    setup_logging(level=logging.DEBUG if args.verbose else logging.INFO)
    shown = sys.argv[1:] if argv is None else list(argv)
    logger.info("qwem %s: %s", __version__, " ".join(shown))
    try:
        args.func(args)
    except QwemError as exc:
        print(f"qwem: error: {exc}", file=sys.stderr)
        return 2
    return 0
