"""Hyperparameters of one training run, checked before any compute starts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from qwem.config import schema_defaults
from qwem.errors import QwemConfigError

LOSSES = ("qwem", "sgns")
REWEIGHTINGS = ("unigram", "omniscient", "sgns")
DTYPES = ("float32", "float64")
ENGINES = ("minibatch", "sequential")
SCHEDULES = ("step", "linear", "geometric")


@dataclass(frozen=True)
class TrainConfig:
    """One run (config key ``train.runs.<run>``; defaults live in the schema).

    Every setting is required here; :meth:`from_dict` fills the ones a dict
    leaves out from ``workflow/schemas/config.schema.yaml``.

    Attributes:
        loss: ``qwem`` (-x + x^2/4 | x + x^2/4) or ``sgns``
            (softplus(-x) | softplus(x)).
        reweighting: Ψ of each pair: ``unigram`` (1 / (V^2 P_i P_j)),
            ``omniscient`` (Setting 3.1: mean G / G_ij) or ``sgns`` (word2vec:
            subsampling keep-probabilities a_i a_j on positives, negatives from
            P^(3/4), Ψ = 1).
        negative_weight: ν, multiplies every negative pair's loss (and enters
            G, hence Ψ of Setting 3.1).
        engine: ``minibatch`` (PyTorch: B pairs sampled independently, one
            simultaneous update per step; any device) or ``sequential``
            (numba, CPU: word2vec's loop, one pair after the other through the
            token stream; see :mod:`qwem.train.sequential`). Both have the
            same expected step, but a pair's update is lr / B x its weight in
            either, and only the sequential engine stays stable at the large
            rates word2vec-like runs need (a frequent word's row takes
            hundreds of pairs per batch at once in a minibatch).
        init: initial scale; entries of W are N(0, (init / sqrt(d))^2).
        lr: list of (step, learning rate) breakpoints, plain SGD.
        negative_samples: negative pairs per slot of the sequential engine,
            each with 1 / negative_samples of ν's weight: the same
            expectation, less noise, more pair updates per slot.
        lr_schedule: between two breakpoints the rate is constant (``step``),
            or moves linearly or geometrically to the next breakpoint's;
            after the last breakpoint it stays.
        batch_size: B, positive pairs per step (as many independent
            negatives); for the sequential engine, slots (a positive and a
            negative) per step.
        shared_negatives: s > 0 replaces the independent negative pairs by
            every word paired with s contexts drawn once per step (same
            expectation, far less variance; see :mod:`qwem.train.sampler`).
        steps: SGD steps.
        trace_every: steps between loss / singular-value records.
        trace_log_points: about this many more records at log-spaced steps
            (the fast early rises of a small-init run); 0 for none.
        checkpoints: number of log-spaced steps at which W and analogy
            accuracy are saved.
        state_every: steps between resumable checkpoints.
    """

    loss: str
    reweighting: str
    negative_weight: float
    init: float
    lr: tuple[tuple[int, float], ...]
    batch_size: int
    steps: int
    dim: int
    seed: int
    dtype: str
    device: str
    engine: str
    negative_samples: int
    lr_schedule: str
    subsample: float
    shared_negatives: int
    trace_every: int
    trace_log_points: int
    checkpoints: int
    state_every: int
    singular_values: int
    name: str = field(default="run")

    def __post_init__(self) -> None:
        key = f"train.runs.{self.name}"
        checks = [
            _one_of("loss", self.loss, LOSSES),
            _one_of("reweighting", self.reweighting, REWEIGHTINGS),
            (self.dtype in DTYPES, "dtype", "float32 or float64", self.dtype),
            _one_of("lr_schedule", self.lr_schedule, SCHEDULES),
            _one_of("engine", self.engine, ENGINES),
            (
                self.negative_samples >= 1
                and (self.engine == "sequential" or self.negative_samples == 1),
                "negative_samples",
                ">= 1, and 1 unless engine: sequential",
                self.negative_samples,
            ),
            (
                self.engine == "minibatch" or self.shared_negatives == 0,
                "shared_negatives",
                "0 with engine: sequential (shared negatives are a minibatch product)",
                self.shared_negatives,
            ),
            (
                self.engine == "minibatch" or not self.device.startswith("cuda"),
                "device",
                "cpu or auto with engine: sequential (a CPU loop)",
                self.device,
            ),
            (self.negative_weight > 0, "negative_weight", "> 0", self.negative_weight),
            (self.init > 0, "init", "> 0", self.init),
            _at_least("batch_size", self.batch_size, 1),
            _at_least("shared_negatives", self.shared_negatives, 0),
            _at_least("steps", self.steps, 1),
            _at_least("dim", self.dim, 1),
            _at_least("trace_every", self.trace_every, 1),
            _at_least("trace_log_points", self.trace_log_points, 0),
            _at_least("state_every", self.state_every, 1),
            _at_least("checkpoints", self.checkpoints, 1),
            _at_least("singular_values", self.singular_values, 1),
            (0 < self.subsample < 1, "subsample", "in (0, 1)", self.subsample),
            (
                bool(self.lr) and self.lr[0][0] == 0,
                "lr",
                "a list of [first_step, rate] starting at step 0",
                self.lr,
            ),
            (all(r > 0 for _, r in self.lr), "lr", "rates > 0", self.lr),
            (
                all(a[0] < b[0] for a, b in zip(self.lr, self.lr[1:], strict=False)),
                "lr",
                "increasing first steps",
                self.lr,
            ),
        ]
        for ok, name, allowed, value in checks:
            if not ok:
                raise QwemConfigError(f"{key}.{name} must be {allowed}, got {value!r}")

    def lr_at(self, step: int) -> float:
        """The learning rate at ``step`` (see ``lr_schedule``)."""
        k = max(n for n, (first, _) in enumerate(self.lr) if step >= first)
        first, rate = self.lr[k]
        if self.lr_schedule == "step" or k + 1 == len(self.lr):
            return rate
        last, end = self.lr[k + 1]
        frac = (step - first) / (last - first)
        if self.lr_schedule == "linear":
            return rate + (end - rate) * frac
        return float(rate * (end / rate) ** frac)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready) of every field."""
        d = asdict(self)
        d["lr"] = [list(x) for x in self.lr]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """Build from a (config or JSON) dict; ``lr`` may be a number or pairs.

        Keys ``d`` leaves out take the config schema's defaults, as the
        workflow's validation fills them in: a run's own (``train.runs.<run>``)
        over the ``train`` section's over the top level's (``dim``, ``seed``).
        The schema is the only place these defaults live.
        """
        defaults = {
            **schema_defaults(),
            **schema_defaults("train"),
            **schema_defaults("train", "runs", "*"),
        }
        d = {**{k: v for k, v in defaults.items() if k in _FIELDS}, **d}
        lr = d["lr"]
        d["lr"] = (
            ((0, float(lr)),)
            if isinstance(lr, int | float)
            else tuple((int(a), float(b)) for a, b in lr)
        )
        return cls(**d)


_FIELDS = frozenset(f.name for f in fields(TrainConfig))
# train-section keys a run inherits unless its entry sets them
_INHERITED = (
    "dtype",
    "device",
    "batch_size",
    "trace_every",
    "trace_log_points",
    "checkpoints",
    "state_every",
    "singular_values",
)


def run_settings(config: dict[str, Any], run: str) -> dict[str, Any]:
    """One run's settings from a validated config: its ``train.runs`` entry over
    the ``train`` section, with ``dim`` and ``seed`` (what the workflow hands to
    ``qwem train run``; ``roles`` say which figures a run feeds, not how it
    trains, so they are left out)."""
    train = config["train"]
    entry = {k: v for k, v in train["runs"][run].items() if k != "roles"}
    settings = {k: train[k] for k in _INHERITED}
    settings.update(entry, dim=config["dim"], seed=config["seed"])
    return settings


def _one_of(
    name: str, value: str, allowed: tuple[str, ...]
) -> tuple[bool, str, str, str]:
    """A check of :meth:`TrainConfig.__post_init__`: ``value`` is in ``allowed``."""
    return value in allowed, name, f"one of {', '.join(allowed)}", value


def _at_least(name: str, value: int, low: int) -> tuple[bool, str, str, int]:
    """A check of :meth:`TrainConfig.__post_init__`: ``value >= low``."""
    return value >= low, name, f">= {low}", value


#: Dense V x V float64 arrays alive at the peak of a run's setup beyond P_ij
#: itself, by (loss, reweighting) (:func:`qwem.train.loop.engine`): for
#: ``omniscient`` G and Ψ's pair factor mean(G) / G (:func:`qwem.train.psi.
#: psi_factors`), plus for SGNS's loss κ's linear matrix B and the products of
#: B and M* (:func:`qwem.train.psi.kappa`); the other schemes build B and M*
#: only. Measured (``tests/tools/peak_memory.py train V --run LOSS-SCHEME``,
#: float64, CPU) at V = 4,000, in units of 8 V^2 bytes = 122 MiB (P_ij
#: included): qwem-omniscient 3.0 (366 MiB; model 378 + BASE_MB),
#: sgns-sgns 5.0 (615; model 622), sgns-omniscient 6.0 (736; model 745),
#: qwem-unigram 5.0.
DENSE_TEMPORARIES = {
    ("qwem", "omniscient"): 2,
    ("sgns", "omniscient"): 5,
    ("qwem", "sgns"): 4,
    ("sgns", "sgns"): 4,
    ("qwem", "unigram"): 4,
    ("sgns", "unigram"): 4,
}
#: Interpreter, PyTorch and the sampler's tables, MiB (measured: 350-400).
BASE_MB = 500.0


def train_memory_mb(
    vocab_size: int,
    dim: int,
    dtype: str,
    *,
    loss: str,
    reweighting: str,
    tokens_mb: float = 0.0,
) -> float:
    """Peak host memory of one training run, MiB (docs/method.md#training).

    Every run reads the dense float64 P_ij (memory-mapped, read whole: κ and
    the omniscient Ψ need it) and holds :data:`DENSE_TEMPORARIES` more V x V
    float64 arrays at its setup's peak; ``omniscient`` in float32 adds Ψ's
    pair factor as a float32 tensor (in float64 on the CPU the tensor shares
    the array; on a GPU it lives on the card). The token stream is held twice
    (the shards and their concatenation; ``tokens_mb`` is the shards' size,
    0 when planning) and W, its gradient and snapshots are a few V x d arrays
    of ``dtype``.
    """
    V = vocab_size
    item = 4 if dtype == "float32" else 8
    dense = 8 * (1 + DENSE_TEMPORARIES[(loss, reweighting)]) * V * V
    if reweighting == "omniscient" and item == 4:
        dense += 4 * V * V
    return (dense + 4 * item * V * dim) / 2**20 + 2 * tokens_mb + BASE_MB


#: What a user can do when a run does not fit.
MEMORY_FIXES = (
    "lower vocab_size (every run reads the dense V x V P_ij for κ and Setting "
    "3.1's Ψ), or run the job on a node with more memory (raise "
    "resources.max_memory_mb and the profile's mem_mb for train_run)"
)
