"""Logging, progress bars, seeds and timing shared by every stage."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")
logger = logging.getLogger(__name__)

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(path: str | Path | None = None, *, level: int = logging.INFO) -> None:
    """Send log records (and uncaught tracebacks) to stderr and, if given, a file.

    Args:
        path: optional log file; its directory is created. Snakemake rules
            usually redirect stderr to their log instead, so most rules pass None.
        level: logging level of the ``qwem`` loggers.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path))
    logging.basicConfig(level=level, format=_FORMAT, handlers=handlers, force=True)

    def _hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        logging.getLogger("qwem").critical("uncaught", exc_info=(kind, value, tb))

    sys.excepthook = _hook


def progress(
    iterable: Iterable[T] | None = None,
    *,
    desc: str,
    total: float | None = None,
    unit: str = "it",
    unit_scale: bool = False,
) -> Iterator[T] | tqdm:
    """A tqdm bar on stderr that refreshes rarely when stderr is not a terminal.

    Cluster and Snakemake logs are files, so a bar there redraws at most every
    30 s instead of ten times a second and the logs stay small.
    """
    interactive = sys.stderr.isatty()
    return tqdm(
        iterable,
        desc=desc,
        total=total,
        unit=unit,
        unit_scale=unit_scale,
        file=sys.stderr,
        mininterval=0.1 if interactive else 30.0,
        maxinterval=10.0 if interactive else 120.0,
        dynamic_ncols=interactive,
        ascii=not interactive,
    )


@contextmanager
def timed(what: str) -> Iterator[dict[str, float]]:
    """Log how long a block took; yields a dict whose ``seconds`` is set on exit."""
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start
        logger.info("%s took %.2f s", what, box["seconds"])


def pick_device(requested: str) -> Any:
    """``train.device``: 'auto' = CUDA when PyTorch sees a GPU, else CPU; logged."""
    import torch

    from qwem.errors import QwemConfigError

    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise QwemConfigError(
            f"device {requested!r} requested but torch {torch.__version__} sees no "
            "GPU; set train.device to 'auto' or 'cpu', or install a CUDA build"
        )
    if requested != "cpu" and not requested.startswith("cuda"):
        raise QwemConfigError(
            f"train.device must be auto, cpu or cuda[:n], got {requested!r}"
        )
    logger.info("training on %s", requested)
    return torch.device(requested)


def snakemake_pids(
    directory: str | Path, *, proc: str | Path = "/proc", exclude: Iterable[int] = ()
) -> list[int]:
    """Live processes whose command line mentions snakemake and whose cwd is
    ``directory`` (read from ``/proc/<pid>/cmdline`` and ``/proc/<pid>/cwd``).

    Args:
        directory: the working directory of the run (the repository).
        proc: the proc filesystem (tests pass a fake tree: ``<pid>/cmdline``
            holding NUL-separated words, ``<pid>/cwd`` a symlink).
        exclude: pids to leave out (the caller and the shell that started it).

    A process counts when one of its words is a path whose last part starts
    with ``snakemake`` (``.venv/bin/snakemake``, ``python -m snakemake``).
    """
    here = Path(directory).resolve()
    skip = set(exclude)
    found = []
    for entry in Path(proc).iterdir():
        if not entry.name.isdigit() or int(entry.name) in skip:
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(entry / "cwd")).resolve()
        except OSError:  # gone, or another user's process
            continue
        names = [Path(w.decode(errors="replace")).name for w in words if w]
        if cwd == here and any(n.startswith("snakemake") for n in names):
            found.append(int(entry.name))
    return sorted(found)


def lock_state(
    directory: str | Path, *, proc: str | Path = "/proc", exclude: Iterable[int] = ()
) -> tuple[str, list[int]]:
    """Whether Snakemake's lock in ``directory`` is held: (state, pids).

    ``state`` is ``"free"`` (no lock files in ``.snakemake/locks/``),
    ``"live"`` (lock files and a snakemake process working in the directory:
    wait for it) or ``"stale"`` (lock files but no such process: a run that
    crashed or was killed left them; ``snakemake --unlock`` removes them).
    """
    locks = Path(directory) / ".snakemake" / "locks"
    if not locks.is_dir() or not any(locks.iterdir()):
        return "free", []
    pids = snakemake_pids(directory, proc=proc, exclude=exclude)
    return ("live" if pids else "stale"), pids


def check_locks(directory: str | Path = ".") -> int:
    """``python -m qwem.runtime locks``: 0 when a run may start, else 2 and why."""
    state, pids = lock_state(directory, exclude=(os.getpid(), os.getppid()))
    if state == "live":
        print(
            "another snakemake run is working in this directory "
            f"(pid {', '.join(map(str, pids))}); wait for it",
            file=sys.stderr,
        )
        return 2
    if state == "stale":
        print(
            f"{Path(directory) / '.snakemake' / 'locks'} holds a stale lock: no "
            "snakemake process works in this directory (a run crashed or was "
            "killed); run `make unlock`, then rerun",
            file=sys.stderr,
        )
        return 2
    return 0


#: The sources of a job's memory allowance, read as files (never a process).
MEMINFO = Path("/proc/meminfo")
CGROUP_ROOT = Path("/sys/fs/cgroup")


def meminfo_mb(field: str, path: Path | None = None) -> float | None:
    """A ``kB`` field of /proc/meminfo (``MemTotal``, ``MemAvailable``) in MiB;
    None where the file or field is missing (not Linux)."""
    try:
        lines = (path or MEMINFO).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name == field:
            return int(value.split()[0]) / 1024
    return None


def physical_memory_mb() -> float | None:
    """This machine's memory (MemTotal), MiB; None where unknown."""
    return meminfo_mb("MemTotal")


def cgroup_limit_mb(root: Path | None = None) -> float | None:
    """The memory limit of this process's cgroup, MiB; None when unset.

    The process's own group (``/proc/self/cgroup``) first, then the root:
    cgroup v2 ``memory.max`` (line ``0::<path>``), v1
    ``memory/<path>/memory.limit_in_bytes`` (line ``N:memory:<path>``); "max"
    and values of 2^60 bytes or more mean no limit. The smallest limit found.
    """
    root = root or CGROUP_ROOT
    candidates = []
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, group = line.split(":", 2)
            group = group.lstrip("/")
            if controllers == "":
                candidates.append(root / group / "memory.max")
            elif "memory" in controllers.split(","):
                candidates.append(root / "memory" / group / "memory.limit_in_bytes")
    except (OSError, ValueError):
        pass
    candidates += [root / "memory.max", root / "memory/memory.limit_in_bytes"]
    limits = []
    for path in candidates:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            limits.append(int(text) / 2**20)
    return min(limits, default=None)


def memory_allowance_mb(limit_mb: float | None = None) -> tuple[float | None, str]:
    """The memory a job may use, MiB, and where that figure comes from.

    The smallest of MemAvailable (/proc/meminfo), the cgroup limit
    (:func:`cgroup_limit_mb`) and ``limit_mb`` when given; (None, "unknown")
    when none can be read.
    """
    sources = {
        "MemAvailable": meminfo_mb("MemAvailable"),
        "the cgroup limit": cgroup_limit_mb(),
        "the explicit limit": limit_mb,
    }
    known = {k: v for k, v in sources.items() if v is not None}
    if not known:
        return None, "unknown"
    source = min(known, key=lambda k: known[k])
    return known[source], source


def check_memory(
    what: str, need_mb: float, *, fixes: str, limit_mb: float | None = None
) -> None:
    """Refuse a job before its large allocations when it cannot fit.

    Args:
        what: the job, as the message's subject ("targets for V = 50,000").
        need_mb: its peak need from the stage's memory model, MiB.
        fixes: what the user can do, appended to the message.
        limit_mb: an explicit limit (a command's ``--max-memory-mb``).

    Raises:
        QwemResourceError: when ``need_mb`` exceeds :func:`memory_allowance_mb`.
    """
    from qwem.errors import QwemResourceError

    allowed, source = memory_allowance_mb(limit_mb)
    if allowed is None:
        logger.warning(
            "%s: memory allowance unknown; need about %.0f MiB", what, need_mb
        )
        return
    if need_mb > allowed:
        raise QwemResourceError(
            f"{what} need about {need_mb:,.0f} MiB; this job may use "
            f"{allowed:,.0f} MiB ({source}); {fixes}"
        )
    logger.info(
        "%s need about %.0f MiB of %.0f MiB allowed (%s)",
        what,
        need_mb,
        allowed,
        source,
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["locks"]:
        sys.exit("usage: python -m qwem.runtime locks")
    sys.exit(check_locks("."))
