"""Small helpers shared by the ``qwem`` subcommand modules."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], None]


def add_command(
    sub: Any, name: str, func: Handler, help_: str
) -> argparse.ArgumentParser:
    """Add one ``qwem <stage> <action>`` parser whose handler is ``func``."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    p.set_defaults(func=func)
    return p


def actions(stages: Any, stage: str, help_: str) -> Any:
    """The sub-parsers of one stage (``qwem <stage> ACTION``)."""
    parser = stages.add_parser(stage, help=help_, description=help_)
    return parser.add_subparsers(dest="action", required=True, metavar="ACTION")


def opt_int(text: str) -> int | None:
    """An integer option where 'none'/'null' means no value (config null)."""
    return None if text.lower() in ("", "none", "null") else int(text)


def opt_str(text: str) -> str | None:
    """A string option where 'none'/'null' means no value (config null)."""
    return None if text.lower() in ("", "none", "null") else text


def keyed(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` as a pair."""
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def save_plot(fig: Any, a: argparse.Namespace) -> None:
    """Save a figure to ``a.png`` and ``a.pdf`` at ``a.dpi`` (atomically)."""
    from qwem.plots import save_figure

    save_figure(fig, a.png, a.pdf, dpi=a.dpi)
    logger.info("wrote %s and %s", a.png, a.pdf)


def write_texts(*outputs: tuple[Path, str]) -> None:
    """Write each (path, text) atomically."""
    from qwem.io import atomic_text

    for path, text in outputs:
        with atomic_text(path) as fh:
            fh.write(text)
        logger.info("wrote %s", path)
