# Input functions, resources and products of the baseline stage (baseline.smk).
GENSIM_WINDOW = (
    config["context_length"] if BASELINE["window"] is None else BASELINE["window"]
)


def gensim_runtime(input_mb, attempt):
    """Minutes of the gensim baseline over the uint16 token shards, times the attempt."""
    # a cautious 100,000 corpus words/s per worker at L = 16 (the demo runs at
    # ~140,000 with sample 1e-3, ~170,000 with 1e-4), scaled by the window,
    # plus a minute per epoch for the analogy evaluation after it
    words = BASELINE["epochs"] * input_mb * 2**20 / 2 * GENSIM_WINDOW / 16
    return attempt * int(
        10 + BASELINE["epochs"] + words / (1e5 * BASELINE["threads"]) / 60
    )


def baseline_outputs():
    """The baseline stage's products: gensim's embedding and its per-epoch trace."""
    return [
        f"{RESULTS}/train/gensim.w2v.txt",
        f"{RESULTS}/train/gensim/checkpoints.csv",
    ]
