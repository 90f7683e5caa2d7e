# Input functions, resources and products of the train stage (train.smk).
import json
import math

from qwem.train.config import run_settings, train_memory_mb


def train_gpu(wildcards):
    """GPUs of one run: 1 when train.device is cuda (one run per card), else 0.

    Nothing probes the submitting host: on a GPU machine set train.device to
    cuda, or ask for the GPU in the profile (the slurm profile sets
    train_run:gpu=1); with auto a run uses whatever GPU its job can see. The
    sequential engine is a CPU loop and never asks for one.
    """
    run = run_settings(config, wildcards.run)
    return int(run["device"].startswith("cuda") and run["engine"] != "sequential")


def train_threads(wildcards):
    """CPU threads of one run: 1 on the CPU, else one per 250,000 batch x d entries (to 8)."""
    # on the CPU runs train side by side, one thread each (measured here: a
    # second torch thread adds only 10-25 % to one run's speed)
    run = run_settings(config, wildcards.run)
    if not train_gpu(wildcards):
        return 1
    return min(8, max(1, run["batch_size"] * config["dim"] // 250_000))


def train_mem_mb(wildcards, input_mb):
    """Memory of one run: qwem.train.config.train_memory_mb, its token shards
    taken as the inputs (``input_mb``) less the dense P_ij."""
    run = run_settings(config, wildcards.run)
    shards_mb = max(0.0, input_mb - 8 * V * V / 2**20)
    need = train_memory_mb(
        V,
        config["dim"],
        run["dtype"],
        loss=run["loss"],
        reweighting=run["reweighting"],
        tokens_mb=shards_mb,
    )
    return math.ceil(need)


def train_runtime(wildcards, attempt):
    """Minutes of one training run at a cautious rate, times the attempt."""
    # Pair updates (positives and negatives) over a rate, plus 30 for
    # checkpoints; a retry resumes. Minibatch on a GPU: an assumed 5 M pairs/s
    # (2.5 M in float64), never measured here (no GPU was lent to the
    # project). Sequential engine, one CPU core: 2 M pair updates/s, half the
    # 4.2 M measured in float64 at d = 200 (make bench STAGES=train).
    run = run_settings(config, wildcards.run)
    batch = run["batch_size"]
    if run["engine"] == "sequential":
        rate, pairs = 2e6, batch * (1 + run["negative_samples"])
    else:
        rate = 5e6 if run["dtype"] == "float32" else 2.5e6
        pairs = batch + (V * run["shared_negatives"] or batch)
    return attempt * int(30 + run["steps"] * pairs / rate / 60)


def get_run_settings(wildcards):
    """One training run's settings (run entry over train defaults) as JSON."""
    return json.dumps(run_settings(config, wildcards.run), sort_keys=True)


def train_outputs():
    """The train stage's products: one word2vec-format embedding per run."""
    return [f"{RESULTS}/train/{run}.w2v.txt" for run in RUNS]
