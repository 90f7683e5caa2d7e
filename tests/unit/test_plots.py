"""Figures and tables of qwem.plots on small synthetic tables."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qwem import plots
from qwem.plots.dynamics import RunData, choose_snapshots, theory_at_init

LAM = np.array([9.0, 4.0, 1.0])


def _theory() -> pd.DataFrame:
    rows = []
    for init in (1e-12, 0.1):
        tau = np.log(1 / init) / LAM
        t = np.linspace(0, 3 * tau[-1], 200)
        for k, lam in enumerate(LAM, start=1):
            u = lam / (1 + (lam / init**2 - 1) * np.exp(-2 * lam * t))
            rows.append(
                pd.DataFrame(
                    {
                        "t": t,
                        "t_over_tau1": t / tau[0],
                        "mode": k,
                        "lambda": lam,
                        "u": u,
                        "s": np.sqrt(u),
                        "tau": tau[k - 1],
                        "init": init,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _trace(steps: int = 40) -> pd.DataFrame:
    step = np.arange(1, steps + 1) * 10
    t = step / 100.0
    sv = {
        f"sv_{k}": np.sqrt(lam) / (1 + np.exp(-10 * (t - k)))
        for k, lam in enumerate(LAM, start=1)
    }
    return pd.DataFrame({"step": step, "lr": 1.0, "t": t, "loss": -t, **sv})


def _with_data(fig: matplotlib.figure.Figure) -> int:
    return sum(
        1 for ax in fig.axes if ax.lines or ax.patches or ax.collections or ax.tables
    )


def test_theory_curves_increase_and_saturate() -> None:
    th = theory_at_init(_theory(), 1e-12)
    for k, sub in th.groupby("mode"):
        s = sub["s"].to_numpy()
        assert np.all(np.diff(s) >= 0)
        assert s[-1] == pytest.approx(np.sqrt(LAM[k - 1]), rel=1e-3)


def test_fig1_and_snapshots() -> None:
    trace = _trace()
    steps = [0, 50, 150, 250, 400]
    chosen = choose_snapshots(trace, steps)
    assert len(chosen) == 3 and len(set(chosen)) == 3
    rng = np.random.default_rng(0)
    W = rng.normal(size=(30, 4))
    run = RunData(
        "QWEM", trace, final=W, snapshots={s: W * s for s in chosen}, init=1e-12
    )
    words = [f"w{i}" for i in range(30)]
    fig = plots.fig1_dynamics(run, None, _theory(), words, modes=3, among=20)
    assert len(fig.axes) == 10
    assert _with_data(fig) == 5
    sv_ax = fig.axes[1]
    assert len(sv_ax.lines) == 6  # 3 SGD + 3 theory


def test_fig2_ablation() -> None:
    fig = plots.fig2_rescaled(
        _theory(),
        [(0.1, {"QWEM": _trace(), "word2vec": None}), (1e-12, {"QWEM": _trace()})],
        modes=3,
    )
    assert _with_data(fig) == 2
    fig = plots.appendix_ablation(
        {"a": _trace(), "b": None, "c": _trace(), "d": _trace()}, modes=3
    )
    assert len(fig.axes) == 4 and _with_data(fig) == 3


def test_concepts_overlap_spectra() -> None:
    rows = [
        ("eigenvector", k, sg, r, f"{sg}{k}_{r}", 0.1)
        for k in range(1, 6)
        for sg in "+-"
        for r in range(1, 11)
    ]
    concepts = pd.DataFrame(
        rows, columns=["basis", "direction", "sign", "rank", "word", "value"]
    )
    assert _with_data(plots.fig3_concepts(concepts)) == 1
    ij = [
        (a, b, i, j, float(i == j))
        for a, b in (("sgns_large", "qwem_large"), ("ppmi", "sgns_large"))
        for i in range(1, 4)
        for j in range(1, 4)
    ]
    ov = pd.DataFrame(ij, columns=["model_a", "model_b", "i", "j", "overlap"])
    from qwem.plots.concepts import overlap_pairs

    pairs = overlap_pairs(ov)
    assert pairs == [("sgns_large", "qwem_large"), ("sgns_large", "ppmi")]
    assert _with_data(plots.appendix_overlap(ov, pairs)) == 2
    k = np.arange(1, 11)
    spectra = pd.DataFrame({"target": "M_star", "k": k, "eigenvalue": k**-0.6})
    fig = plots.appendix_spectra(spectra)
    assert fig.axes[0].get_xscale() == "log" and len(fig.axes[0].lines) == 2


def test_rmt_figures() -> None:
    fams, dims = ["past-tense", "family"], [128, 256]
    spectra = pd.DataFrame(
        [(f, d, k, 0.1 * k, k == 5) for f in fams for d in dims for k in range(1, 6)],
        columns=["family", "d", "k", "eigenvalue", "outlier"],
    )
    density = pd.DataFrame(
        [(f, d, x, 1.0) for f in fams for d in dims for x in (0.1, 0.3)],
        columns=["family", "d", "eigenvalue", "density"],
    )
    loc = pd.DataFrame(
        [(f, k, 1.0 / k) for f in fams for k in range(1, 40)],
        columns=["family", "k", "power"],
    )
    sweep = pd.DataFrame(
        [(f, d, 1.0, 0.5, 0.9, 1.1) for f in fams for d in (4, 8)],
        columns=["family", "d", "snr", "accuracy", "top1_cos", "top1_ratio"],
    )
    fig = plots.fig4_rmt(spectra, density, loc, sweep)
    assert _with_data(fig) == 6
    assert max(p.get_x() for p in fig.axes[2].patches) < 30
    assert _with_data(plots.appendix_top1(sweep)) == 2


def test_table1_markdown() -> None:
    bench = pd.DataFrame(
        {
            "model": ["qwem_small", "pmi", "sgns_large", "M_star"],
            "analogy_a": [0.5, 0.1, 0.6, 0.65],
            "analogy_b": [0.5, 0.086, 0.679, 0.665],
            "ws353_rho": [0.6, 0.2, 0.7, 0.68],
            "simlex999_rho": [0.3, 0.1, 0.3, 0.3],
            "men_rho": [np.nan, 0.44, 0.74, 0.75],
        }
    )
    from qwem.plots.tables import table1_rows

    rows = table1_rows(bench["model"])
    assert rows["QWEM (trained)"] == "qwem_small"  # qwem_large absent
    table = plots.table1(bench, rows)
    assert list(table.index) == [
        "SGNS (trained)",
        "QWEM (trained)",
        "M* closed form",
        "PMI-SVD",
    ]
    from qwem.plots.tables import table1_markdown

    md = table1_markdown(table).splitlines()
    assert md[0].split("|")[2].strip() == "analogies (a)"
    assert "67.9 %" in md[2] and "n/a" in md[3] and "0.756" not in md[4]
    assert len(md) == 2 + 4
    # the rows are the caller's: another mapping, another table
    other = plots.table1(bench, {"closed form": "M_star", "absent": "nothing"})
    assert list(other.index) == ["closed form"] and other["source"].item() == "M_star"


def test_table1_with_intervals_and_the_paired_table() -> None:
    from qwem.plots import tables as t

    bench = pd.DataFrame(
        {
            "model": ["M_star", "pmi"],
            "analogy_a": [0.317, 0.275],
            "ws353_rho": [0.6, 0.5],
        }
    )
    intervals = pd.DataFrame(
        {
            "metric": ["analogy_a", "analogy_a", "ws353_rho"],
            "model": ["M_star", "pmi", "M_star"],
            "lo": [0.296, 0.255, 0.52],
            "hi": [0.338, 0.295, 0.69],
            "level": 0.95,
            "resamples": 2000,
        }
    )
    rows = {"M* closed form": "M_star", "PMI-SVD": "pmi"}
    table = t.table1(bench, rows, intervals)
    assert table.loc["PMI-SVD", "analogies (a)_lo"] == pytest.approx(25.5)
    assert np.isnan(table.loc["PMI-SVD", "WS-353_hi"])  # no interval computed
    md = t.table1_markdown(table, t.interval_note(intervals)).splitlines()
    assert "| 31.7 % [29.6, 33.8] |" in md[2] and "| 0.600 [0.520, 0.690] |" in md[2]
    assert "| 0.500 |" in md[3] and "95 % percentile bootstrap" in md[-1]

    paired = pd.DataFrame(
        {
            "metric": ["analogy_a", "ws353_rho"],
            "model": ["pmi", "pmi"],
            "reference": "M_star",
            "difference": [-0.042, -0.1],
            "lo": [-0.057, -0.2],
            "hi": [-0.026, 0.01],
            "excludes_zero": [True, False],
            "level": 0.95,
            "resamples": 2000,
        }
    )
    vs = t.table1_paired(paired, rows)
    assert list(vs.index) == ["PMI-SVD"]  # the reference has no row
    assert vs.loc["PMI-SVD", "analogies (a)"] == pytest.approx(-4.2)
    assert bool(vs.loc["PMI-SVD", "analogies (a)_excludes_zero"])
    line = t.paired_markdown(vs).splitlines()[2]
    assert "| -4.2 [-5.7, -2.6] * |" in line and "| -0.100 [-0.200, 0.010] |" in line


def test_agreement_table_against_the_reference() -> None:
    from qwem.plots import tables as t

    subspace = pd.DataFrame(
        {
            "model_a": ["M_star", "M_star", "qwem", "ppmi", "M_star"],
            "model_b": ["qwem", "qwem", "M_star", "qwem", "gensim"],
            "d": [1, 5, 8, 1, 1],
            "overlap": [0.99, 0.95, 0.7, 0.2, 0.1],
        }
    )
    table = t.agreement_table(
        subspace, reference="M_star", models=["qwem", "gensim", "sgns"], ks=[1, 5, 8]
    )
    assert list(table.index) == ["qwem", "gensim"]  # sgns has no overlap
    assert list(table.columns) == ["k = 1", "k = 5", "k = 8"]
    assert table.loc["qwem"].tolist() == [0.99, 0.95, 0.7]  # either order of pair
    assert np.isnan(table.loc["gensim", "k = 5"])
    md = t.agreement_markdown(table, "M_star")
    assert "| qwem | 0.990 | 0.950 | 0.700 |" in md and "| gensim | 0.100 | n/a |" in md


def test_cli_writes_png_and_pdf(tmp_path: Path) -> None:
    from qwem.cli import build_parser

    spectra = tmp_path / "spectra.csv"
    pd.DataFrame(
        {"target": "M_star", "k": [1, 2, 3], "eigenvalue": [3.0, 2.0, 1.0]}
    ).to_csv(spectra, index=False)
    parser = build_parser() if _registered() else _local_parser()
    args = parser.parse_args(
        [
            "plots",
            "spectra",
            "--spectra",
            str(spectra),
            "--png",
            str(tmp_path / "s.png"),
            "--pdf",
            str(tmp_path / "s.pdf"),
            "--dpi",
            "50",
        ]
    )
    args.func(args)
    assert (tmp_path / "s.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")


def _registered() -> bool:
    from qwem.cli import STAGES
    from qwem.cli import plots as cli_plots

    return cli_plots in STAGES


def _local_parser() -> argparse.ArgumentParser:

    from qwem.cli import plots as cli_plots

    parser = argparse.ArgumentParser()
    cli_plots.register(parser.add_subparsers(dest="stage", required=True))
    return parser
