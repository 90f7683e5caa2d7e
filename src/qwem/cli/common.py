"""Small helpers shared by the ``qwem`` subcommand modules."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
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


def required(p: argparse.ArgumentParser, kind: Any, *names: str) -> None:
    """Required options ``--<name>`` of one type (values the rules pass)."""
    for name in names:
        p.add_argument(f"--{name}", type=kind, required=True)


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


def named_path(text: str) -> tuple[str, Path]:
    """``NAME=PATH`` (or ``PATH``, named after the file up to its first dot)."""
    name, sep, path = text.partition("=")
    if not sep:
        name, path = Path(text).name.split(".")[0], text
    if not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return name, Path(path)


def pick(a: argparse.Namespace, *keys: str) -> dict[str, Any]:
    """Options as keyword arguments: ``pick(a, "dim", "loss-out")``."""
    return {k.replace("-", "_"): getattr(a, k.replace("-", "_")) for k in keys}


def add_memory_limit(p: argparse.ArgumentParser) -> None:
    """``--max-memory-mb``: a cap on the memory check made before a dense job's
    large allocations (default: MemAvailable and the cgroup limit)."""
    p.add_argument(
        "--max-memory-mb",
        dest="max_memory_mb",
        type=float,
        default=None,
        help="memory this job may use, MiB (default: what the host and cgroup allow)",
    )


def input_arg(p: argparse.ArgumentParser, help_: str) -> None:
    """The required ``--in`` (dest ``input``) of a command reading one model."""
    p.add_argument("--in", dest="input", type=Path, required=True, help=help_)


def params_of(a: argparse.Namespace) -> dict[str, Any]:
    """The parsed command line as recorded in sidecars (without the handler)."""
    return {k: v for k, v in vars(a).items() if k != "func"}


def vocab_and_questions(p: argparse.ArgumentParser) -> None:
    """``--vocab`` (restrict and order words) and ``--questions`` (analogies)."""
    p.add_argument("--vocab", type=Path, help="vocab.tsv: restrict and order words")
    p.add_argument(
        "--questions", type=Path, help="analogies (default: gensim's Google file)"
    )


def download_args(p: argparse.ArgumentParser) -> None:
    """``--retries``, ``--timeout``, ``--backoff`` (corpus.download.*)."""
    p.add_argument("--retries", type=int, required=True, help="retries after a drop")
    p.add_argument("--timeout", type=float, required=True, help="socket timeout, s")
    p.add_argument("--backoff", type=float, required=True, help="first retry wait, s")
