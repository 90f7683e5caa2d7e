"""The ``qwem`` command line: one subcommand per stage, usable without Snakemake.

``qwem <stage> <action> ...``, one module per stage; each handler parses its
arguments and calls one library function (which loads, computes and writes).
A QwemError is printed as one line and exits with status 2 (with its
traceback too under ``qwem -v``); anything else is a bug and keeps its
traceback. SIGTERM and SIGHUP (Snakemake and SLURM cancelling or timing out a
job) raise :class:`Terminated`, so ``finally`` blocks and atomic writes remove
their temporary files before the process exits with 128 + the signal number.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import traceback
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


class Terminated(BaseException):
    """Raised by the SIGTERM/SIGHUP handler; unwinds like KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum


_MAIN_PID: list[int] = []


def _terminate(signum: int, frame: object) -> None:
    if _MAIN_PID and os.getpid() != _MAIN_PID[0]:
        # a forked worker (multiprocessing pool): die the default way, quietly
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """Make SIGTERM and SIGHUP raise :class:`Terminated` in this process.

    Worker processes forked later inherit the handler but die by the signal
    as before (a pool's terminate() sends SIGTERM); only the process that
    owns the outputs unwinds and cleans up.
    """
    _MAIN_PID[:] = [os.getpid()]
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    # a forked child (a pool worker) gets the default action back at once: a
    # Python-level handler runs only between bytecodes, and a worker blocked on
    # a lock when its pool terminates it would then never die (seen: a hung
    # extract-dump with two workers)
    os.register_at_fork(after_in_child=_default_signals)


def _default_signals() -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


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
    install_signal_handlers()
    try:
        args.func(args)
    except QwemError as exc:
        if args.verbose:
            traceback.print_exc(file=sys.stderr)
        print(f"qwem: error: {exc}", file=sys.stderr)
        return 2
    except Terminated as exc:
        print(f"qwem: {exc}; temporary files removed", file=sys.stderr)
        return 128 + exc.signum
    return 0
