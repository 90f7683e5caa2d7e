"""Run Snakemake in this process and record the connections and process starts
that the workflow's own code makes.

``python audited_snakemake.py EVENTS.json ROOTS SNAKEMAKE-ARGS...``: Python's
audit hooks see each socket connection, name lookup and process start
(subprocess, os.exec*, os.posix_spawn, os.system, fork) however deep in a
library it happens. An event counts when a frame of a file under one of ROOTS
(colon-separated: the Snakefile, the rules, the qwem package) is on the stack,
so that Snakemake's own start-up (its SLURM plugin looks for sacct, its banner
asks uname for the processor) is told apart from what the workflow does. The
events, each with the workflow frame that caused it, are written to
EVENTS.json when Snakemake exits.
"""

from __future__ import annotations

import json
import sys
from typing import Any

WATCHED = (
    "socket.connect",
    "socket.getaddrinfo",
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
)
seen: list[str] = []


roots: tuple[str, ...] = ()


def _workflow_frame() -> str | None:
    """``file:line`` of the innermost frame under one of the roots, if any."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(roots) and not name.startswith(__file__):
            return f"{name}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event in WATCHED and (where := _workflow_frame()):
        seen.append(f"{event} {args!r:.200} from {where}")


def main() -> int:
    global roots
    out, roots, argv = sys.argv[1], tuple(sys.argv[2].split(":")), sys.argv[3:]
    sys.addaudithook(_hook)
    from snakemake.cli import main as snakemake

    code: Any = 0
    try:
        snakemake(argv)
    except SystemExit as exc:
        code = exc.code
    finally:
        with open(out, "w") as fh:
            json.dump(seen, fh, indent=1)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
