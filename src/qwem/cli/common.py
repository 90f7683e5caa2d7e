"""Small helpers shared by the ``qwem`` subcommand modules."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

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
