"""The corpus stages through real Snakemake: config errors, planning, real runs."""

from __future__ import annotations

import gzip
import http.server
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, ROOT, SnakemakeRunner, write_config

pytestmark = pytest.mark.workflow


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"vocab_size": 0},
            r"config key 'vocab_size': 0 is less than the minimum of 1",
        ),
        ({"context_length": 0}, r"'context_length': 0 is less than the minimum of 1"),
        ({"dim": 5000}, r"'dim' \(5000\) must be smaller than 'vocab_size' \(5000\)"),
        (
            {"vocab_sise": 10},
            r"unknown config key\(s\) 'vocab_sise'; allowed keys: .*vocab_size",
        ),
        ({"corpus": {"sources": []}}, r"'corpus.sources': \[\] should be non-empty"),
        (
            {"corpus": {"sources": ["wikipedia"]}},
            r"'wikipedia' is not one of.*bundled, text8, enwiki",
        ),
        (
            {"tokenize": {"digits": "roman"}},
            r"'tokenize.digits'.*allowed: one of spell, drop",
        ),
        (
            {"corpus": {"bundled": {"dump_sample": False, "vital_articles": False}}},
            r"lists 'bundled' but corpus.bundled.dump_sample",
        ),
        (
            {"evaluate": {"bootstrap": {"reference": "word2vec"}}},
            r"evaluate.bootstrap.reference is 'word2vec', not a Table 1 model",
        ),
        (
            {"evaluate": {"bootstrap": {"level": 95}}},
            r"'evaluate.bootstrap.level': 95 is greater than or equal to the maximum",
        ),
        (
            {"train": {"runs": {"qwem_small": {"roles": {"fig2": "qwem-tiny"}}}}},
            r"'train.runs.qwem_small.roles.fig2': 'qwem-tiny' is not one of",
        ),
        (
            {"train": {"runs": {"qwem_small": {"roles": {"table1": "qwem"}}}}},
            r"train.runs.qwem_small.roles.table1 and train.runs.qwem_large.roles"
            r".table1 all claim the table1 slot 'qwem'",
        ),
        (
            {"evaluate": {"agreement": {"k": [5, "D"]}}},
            r"'evaluate.agreement.k.1': 'D' .*allowed: \(integer, >= 1\) or \('d'\)",
        ),
        (
            {"baseline": {"sample": 1}},
            r"'baseline.sample': 1 is greater than or equal to the maximum of 1.*< 1",
        ),
        (
            {"baseline": {"min_alpha": 0.05}},
            r"'baseline.min_alpha' \(0.05\) must not exceed 'baseline.alpha' \(0.025\)",
        ),
    ],
)
def test_bad_config_stops_before_any_job(
    tmp_path: Path, snakemake: SnakemakeRunner, overrides: dict, message: str
) -> None:
    bad = write_config(tmp_path / "bad.yaml", overrides)
    proc = snakemake("--configfile", str(bad), check=False)
    assert proc.returncode != 0
    assert re.search(message, proc.stdout + proc.stderr), proc.stderr
    assert not (tmp_path / "results").exists()


def test_paper_config_plans_one_download_and_extract_job_per_part(
    tmp_path: Path, snakemake: SnakemakeRunner
) -> None:
    index = write_config(
        tmp_path / "index.yaml",
        {"corpus": {"enwiki": {"index": str(DATA / "enwiki-20261101-sha1sums.txt")}}},
    )
    configs = ("--configfile", str(ROOT / "config/paper.yaml"), str(index))
    # before the index: the plan stops at the corpus_index checkpoint
    proc = snakemake("-n", "--quiet", "rules", *configs)
    assert "corpus_index" in proc.stdout and "corpus_download" not in proc.stdout
    # the checkpoint copies the local index (no network), then the parts show
    copied = tmp_path / "results/paper/download/enwiki-20261101-sha1sums.txt"
    snakemake(str(copied.relative_to(tmp_path)), *configs)
    assert copied.read_bytes() == (DATA / "enwiki-20261101-sha1sums.txt").read_bytes()
    proc = snakemake("-n", "--quiet", "rules", *configs)
    jobs = dict(
        line.split()[:2]
        for line in proc.stdout.splitlines()
        if len(line.split()) == 2 and line.split()[1].isdigit()
    )
    assert jobs["corpus_download"] == "4"
    assert jobs["corpus_extract_dump"] == "4"
    assert jobs["vocab_count"] == "4" and jobs["vocab_tokenize"] == "4"
    assert jobs["vocab_build"] == "1"
    assert "corpus_fetch_text8" not in jobs


def test_bundled_corpus_end_to_end(tiny_run: tuple[Path, SnakemakeRunner]) -> None:
    workdir, snakemake = tiny_run
    out = workdir / "results/tiny"
    with gzip.open(out / "text/part-bundled-sample.txt.gz", "rt") as fh:
        articles = fh.read().splitlines()
    assert 50 < len(articles) < 106 and not any(
        "{{" in a or "[[" in a for a in articles
    )
    for rule in ("corpus_extract_dump", "vocab_count", "vocab_tokenize", "vocab_build"):
        assert list((out / "logs" / rule).glob("*.log")), rule
    dry = snakemake("-n", "--configfile", str(workdir / "tiny.yaml"))
    assert "Nothing to be done" in dry.stdout + dry.stderr


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving tmp_path/www."""
    www = tmp_path / "www"
    www.mkdir()
    handler = lambda *a, **k: _Files(*a, directory=str(www), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", www
    server.shutdown()


def _synthetic_text8(path: Path, n_words: int) -> None:
    rng = np.random.default_rng(0)
    vocab = ["the", "of", "and", "one", "zero", "in", "a", "to", "is", "king", "queen"]
    words = rng.choice(vocab, size=n_words, p=np.linspace(2, 0.5, len(vocab)) / 13.75)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("text8", "".join(" " + w for w in words))


# a model small enough for V = 8, d = 4 (the config checks every stage's values)
SMALL_MODEL = {"evaluate": {"concepts": {"directions": 2}}, "rmt": {"hist_dims": [4]}}


def test_text8_profile_downloads_verifies_and_shards(
    tmp_path: Path, snakemake: SnakemakeRunner, served: tuple[str, Path]
) -> None:
    url, www = served
    _synthetic_text8(www / "text8.zip", 12_345)
    with zipfile.ZipFile(www / "text8.zip") as zf:
        member = zf.getinfo("text8").file_size
    overlay = {
        "corpus": {
            "text8": {
                "url": f"{url}/text8.zip",
                "bytes": (www / "text8.zip").stat().st_size,
                "member_bytes": member,
                "words": 12_345,
                "doc_words": 1000,
                "shards": 3,
            }
        },
        "vocab_size": 8,
        "dim": 4,
        **SMALL_MODEL,
    }
    cfg = write_config(tmp_path / "t8.yaml", overlay)
    # the corpus stages only (targets before --configfile, which takes several values)
    target = "results/text8/corpus/summary.json"
    snakemake(target, "--configfile", str(ROOT / "config/text8.yaml"), str(cfg))
    out = tmp_path / "results/text8"
    assert (out / "download/text8.zip.sha256").read_text().endswith("  text8.zip\n")
    summary = json.loads((out / "corpus/summary.json").read_text())
    assert summary["documents"] == 13 and summary["words_seen"] == 12_345
    assert len(summary["parts"]) == 3


def test_text8_pinned_checksum_mismatch_leaves_nothing(
    tmp_path: Path, snakemake: SnakemakeRunner, served: tuple[str, Path]
) -> None:
    url, www = served
    _synthetic_text8(www / "text8.zip", 500)
    overlay = {
        "corpus": {
            "text8": {
                "url": f"{url}/text8.zip",
                "bytes": None,
                "member_bytes": None,
                "words": None,
                "sha256": "ab" * 32,
            }
        }
    }
    cfg = write_config(tmp_path / "t8.yaml", overlay)
    proc = snakemake(
        "--configfile", str(ROOT / "config/text8.yaml"), str(cfg), check=False
    )
    assert proc.returncode != 0
    log = (tmp_path / "results/text8/logs/corpus_fetch_text8/text8.log").read_text()
    assert "ab" * 32 in log and f"{url}/text8.zip" in log
    assert not (tmp_path / "results/text8/download/text8.zip").exists()
    assert not list((tmp_path / "results/text8/download").glob("text8.zip*"))
