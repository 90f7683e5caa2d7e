"""Throughput of the corpus stages on the bundled corpus (extract, count, tokenize)."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from qwem import vocab
from qwem.bench.common import best_of, report
from qwem.corpus import dump, sources


def run(*, vocab_size: int = 10000) -> Path:
    """Measure tokens per second of each corpus stage, in this process."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp, "sample.txt.gz")
        vital = Path(tmp, "vital.txt.gz")
        for threads in (1, 2):
            extract = partial(
                dump.extract_dump,
                sources.dump_sample_path(),
                sample,
                min_article_words=50,
                threads=threads,
            )
            secs, stats = best_of(extract)
            rows.append(
                _row(f"extract dump sample ({threads} proc)", secs, stats.words)
            )
        secs, summ = best_of(
            lambda: sources.extract_summaries(
                sources.vital_summaries_path(), vital, min_words=10
            )
        )
        rows.append(_row("extract vital summaries", secs, summ.words))
        counts = vocab.count_words(sample, digits="spell") + vocab.count_words(
            vital, digits="spell"
        )
        words = list(vocab.select_vocabulary(_series(counts), size=vocab_size)["word"])
        for name, part in (("sample", sample), ("vital", vital)):
            secs, c = best_of(partial(vocab.count_words, part, digits="spell"))
            rows.append(_row(f"count words ({name})", secs, c.total()))
            secs, shard = best_of(
                partial(vocab.tokenize_part, part, words, digits="spell")
            )
            rows.append(_row(f"tokenize ({name})", secs, shard.words_seen))
    return report("corpus", rows, vocab_size=vocab_size, tokens=counts.total())


def _row(step: str, seconds: float, tokens: int) -> dict[str, Any]:
    return {
        "step": step,
        "seconds": seconds,
        "tokens": tokens,
        "tokens_per_s": tokens / seconds,
    }


def _series(counts: Any) -> Any:
    import pandas as pd

    return pd.Series(dict(counts))
