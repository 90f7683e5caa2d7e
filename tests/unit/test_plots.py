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
from qwem.errors import QwemConfigError, QwemInputError
from qwem.plots.dynamics import RunData
from qwem.plots.traces import choose_snapshots, theory_at

# fig4's options as the shipped config sets them (plots.mp_family, ...)
FIG4 = {"family": "past-tense", "min_pairs": 30, "modes": 30, "bins": 15}
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
    th = theory_at(_theory(), 1e-12)
    for k, sub in th.groupby("mode"):
        s = sub["s"].to_numpy()
        assert np.all(np.diff(s) >= 0)
        assert s[-1] == pytest.approx(np.sqrt(LAM[k - 1]), rel=1e-3)


def test_fig1_and_snapshots() -> None:
    trace = _trace()
    steps = [0, 50, 150, 250, 400]
    chosen = choose_snapshots(trace, steps)
    assert [s.rank for s in chosen] == [1, 2, 3]
    rng = np.random.default_rng(0)
    W = rng.normal(size=(30, 4))
    run = RunData(
        "QWEM",
        trace,
        final=W,
        snapshots=[(s, W * s.step) for s in chosen],
        init=1e-12,
    )
    words = [f"w{i}" for i in range(30)]
    fig = plots.fig1_dynamics(
        run, None, _theory(), words, modes=3, n_labels=8, among=20
    )
    assert len(fig.axes) == 10
    assert _with_data(fig) == 5
    sv_ax = fig.axes[1]
    assert len(sv_ax.lines) == 6  # 3 SGD + 3 theory
    titles = [ax.get_title() for ax in fig.axes[2:5]]
    assert [t.split(":")[0] for t in titles] == [
        f"effective rank {r}" for r in (1, 2, 3)
    ]


def test_fig1_labels_a_panel_with_the_rank_it_shows() -> None:
    # no snapshot between the rises of modes 2 and 3: the rank-2 panel shows 3
    chosen = choose_snapshots(_trace(), [0, 150, 350, 400])
    run = RunData("QWEM", _trace(), final=np.eye(4), init=1e-12)
    run.snapshots = [(s, np.eye(4)) for s in chosen]
    fig = plots.fig1_dynamics(
        run, None, _theory(), list("abcd"), modes=3, n_labels=8, among=4
    )
    titles = [ax.get_title() for ax in fig.axes[2:5]]
    assert "(no snapshot at rank 2)" in " ".join(titles)


def test_fig2_places_each_run_by_its_own_tau1() -> None:
    theory = _theory()
    small, large = _trace(), _trace()
    fig = plots.fig2_rescaled(
        theory, {"qwem-large": (large, 0.1), "sgns-small": (small, 1e-12)}, modes=3
    )
    assert _with_data(fig) == 2
    tau_small = theory.loc[(theory["init"] == 1e-12) & (theory["mode"] == 1), "tau"]
    # the word2vec (dashed) line of the small panel is t / tau_1(1e-12)
    dashed = [ln for ln in fig.axes[1].lines if ln.get_linestyle() == "--"]
    np.testing.assert_allclose(dashed[0].get_xdata(), small["t"] / tau_small.iloc[0])
    with pytest.raises(QwemInputError, match="theory.inits"):
        plots.fig2_rescaled(theory, {"qwem-small": (small, 1e-6)}, modes=3)


def test_ablation_grid() -> None:
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
    assert _with_data(plots.fig3_concepts(concepts, directions=5, words=10)) == 1
    ij = [
        (a, b, i, j, float(i == j))
        for a, b in (("sgns_large", "qwem_large"), ("ppmi", "sgns_large"))
        for i in range(1, 4)
        for j in range(1, 4)
    ]
    ov = pd.DataFrame(ij, columns=["model_a", "model_b", "i", "j", "overlap"])
    from qwem.plots.concepts import overlap_pairs

    assert overlap_pairs(ov, n=2) == [
        ("sgns_large", "qwem_large"),
        ("ppmi", "sgns_large"),
    ]
    pairs = overlap_pairs(ov, [("sgns_large", "ppmi"), ("a", "b")], n=2)
    assert pairs == [("sgns_large", "ppmi"), ("sgns_large", "qwem_large")]
    assert _with_data(plots.appendix_overlap(ov, pairs)) == 2
    k = np.arange(1, 11)
    spectra = pd.DataFrame({"target": "M_star", "k": k, "eigenvalue": k**-0.6})
    fig = plots.appendix_spectra(spectra, slope=-0.6)
    assert fig.axes[0].get_xscale() == "log" and len(fig.axes[0].lines) == 2
    assert "k^{-0.60}" in fig.axes[0].get_legend().get_texts()[0].get_text()


def test_spectrum_slopes_recover_planted_power_laws() -> None:
    from qwem.plots.concepts import spectrum_slopes

    k = np.arange(1, 51)
    spectra = pd.concat(
        [
            pd.DataFrame({"target": "M_star", "k": k, "eigenvalue": 3.0 * k**-0.39}),
            # a negative eigenvalue is left out of the fit
            pd.DataFrame(
                {"target": "G", "k": k, "eigenvalue": np.r_[k[:-1] ** -1.2, -1]}
            ),
            pd.DataFrame({"target": "pmi", "k": [1], "eigenvalue": [2.0]}),  # no fit
        ]
    )
    slopes = spectrum_slopes(spectra).set_index("target")
    assert list(slopes.index) == ["M_star", "G"]
    # exact power laws: least squares returns the exponent to rounding
    assert slopes.loc["M_star", "slope"] == pytest.approx(-0.39, abs=1e-12)
    assert slopes.loc["G", "slope"] == pytest.approx(-1.2, abs=1e-12)
    assert slopes.loc["G", "k_max"] == 49 and slopes.loc["G", "points"] == 49


def _rmt_tables(
    pairs: dict[str, int],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    fams, dims = list(pairs), [128, 256]
    spectra = pd.DataFrame(
        [(f, d, k, 0.1 * k, k == 5) for f in fams for d in dims for k in range(1, 6)],
        columns=["family", "d", "k", "eigenvalue", "outlier"],
    )
    density = pd.DataFrame(
        [(f, d, x, 1.0) for f in fams for d in dims for x in (0.1, 0.3)],
        columns=["family", "d", "eigenvalue", "density"],
    )
    fits = pd.DataFrame(
        [(f, d, n, 0.02, 0.5) for f, n in pairs.items() for d in dims],
        columns=["family", "d", "n", "sigma2", "gamma"],
    )
    loc = pd.DataFrame(
        [(f, k, 1.0 / k) for f in fams for k in range(1, 40)],
        columns=["family", "k", "power"],
    )
    sweep = pd.DataFrame(
        [(f, d, 1.0, 0.5, 0.9, 1.1) for f in fams for d in (4, 8)],
        columns=["family", "d", "snr", "accuracy", "top1_cos", "top1_ratio"],
    )
    return spectra, density, fits, loc, sweep


def test_rmt_figures() -> None:
    spectra, density, fits, loc, sweep = _rmt_tables({"past-tense": 40, "family": 8})
    fig = plots.fig4_rmt(spectra, density, fits, loc, sweep, **FIG4)
    assert _with_data(fig) == 6
    assert fig.axes[0].get_title() == "past-tense, d = 128, N = 40 pairs"
    assert max(p.get_x() for p in fig.axes[2].patches) < 30
    assert _with_data(plots.appendix_top1(sweep)) == 2


def test_mp_panels_need_enough_pairs() -> None:
    from qwem.plots.rmt import pick_mp_family

    _, _, fits, _, _ = _rmt_tables({"past-tense": 15, "nationality": 40, "x": 35})
    pick = pick_mp_family(fits, preferred="past-tense", min_pairs=30)
    assert (pick.family, pick.pairs, pick.dims) == ("nationality", 40, [128, 256])
    assert "past-tense has N = 15 < 30 pairs" in pick.note
    assert pick_mp_family(fits, preferred="x", min_pairs=30).family == "x"
    fits.loc[(fits["family"] == "x") & (fits["d"] == 256), "sigma2"] = np.nan
    assert pick_mp_family(fits, preferred="x", min_pairs=30).dims == [128]
    none = pick_mp_family(fits, preferred="past-tense", min_pairs=50)
    assert none.family is None and none.dims == []
    assert "no analogy family has at least 50" in none.note
    assert "nationality with N = 40" in none.note


def test_fig4_without_a_family_of_enough_pairs_says_so() -> None:
    tables = _rmt_tables({"past-tense": 15, "family": 8})
    fig = plots.fig4_rmt(*tables, **FIG4)
    note = fig.axes[0].texts[0].get_text()
    assert "Marchenko-Pastur panels omitted" in note and "N = 15" in note
    assert not fig.axes[0].patches  # no histogram


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

    trained = {"qwem": "qwem_small", "sgns": "sgns_large"}
    rows = table1_rows(bench["model"], trained)
    assert rows["QWEM (trained)"] == "qwem_small"  # declared, not guessed
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
    # a trained row whose run was not evaluated is left out
    assert "SGNS (trained)" not in table1_rows(bench["model"], {"sgns": "absent"})
    with pytest.raises(QwemConfigError, match=r"roles.table1 slots \['ppmi'\]"):
        table1_rows(bench["model"], {"ppmi": "qwem_small"})
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
            "--slopes-csv",
            str(tmp_path / "slopes.csv"),
            "--slope",
            "-0.6",
        ]
    )
    args.func(args)
    assert (tmp_path / "s.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    slopes = pd.read_csv(tmp_path / "slopes.csv")
    # log(3, 2, 1) against log(1, 2, 3): least-squares slope -1.53...
    expected = np.polyfit(np.log([1, 2, 3]), np.log([3.0, 2.0, 1.0]), 1)[0]
    assert slopes["slope"].item() == pytest.approx(expected, rel=1e-12)


def test_cli_fig1_reads_the_snapshots_listed_in_checkpoints(tmp_path: Path) -> None:
    from qwem.cli import build_parser

    run = tmp_path / "train" / "qwem_small"
    run.mkdir(parents=True)
    _trace().to_csv(run / "trace.csv", index=False)
    steps = [0, 150, 250, 350, 400]
    pd.DataFrame({"step": steps, "t": np.divide(steps, 100)}).to_csv(
        run / "checkpoints.csv", index=False
    )
    rng = np.random.default_rng(0)
    (run / "snapshots").mkdir()
    for step in steps:
        np.save(run / f"snapshots/W_{step:09d}.npy", rng.normal(size=(12, 4)))
    _theory().to_csv(tmp_path / "theory.csv", index=False)
    words = pd.DataFrame(
        {"word": [f"w{i}" for i in range(12)], "count": 12 - np.arange(12)}
    )
    words.to_csv(tmp_path / "vocab.tsv", sep="\t", index=False)
    argv = ["plots", "fig1", "--qwem-trace", str(run / "trace.csv")]
    argv += ["--qwem-checkpoints", str(run / "checkpoints.csv"), "--qwem-init", "1e-12"]
    argv += ["--qwem-snapshots", str(run / "snapshots")]
    argv += [
        "--theory",
        str(tmp_path / "theory.csv"),
        "--vocab",
        str(tmp_path / "vocab.tsv"),
    ]
    argv += ["--modes", "3", "--labels", "8", "--among", "12", "--dpi", "40"]
    argv += ["--png", str(tmp_path / "f.png"), "--pdf", str(tmp_path / "f.pdf")]
    args = build_parser().parse_args(argv)
    args.func(args)
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
    (run / "snapshots/W_000000250.npy").unlink()  # the rank-2 snapshot
    with pytest.raises(QwemInputError, match=r"lists snapshots that are missing"):
        args.func(args)


def _registered() -> bool:
    from qwem.cli import STAGES
    from qwem.cli import plots as cli_plots

    return cli_plots in STAGES


def _local_parser() -> argparse.ArgumentParser:

    from qwem.cli import plots as cli_plots

    parser = argparse.ArgumentParser()
    cli_plots.register(parser.add_subparsers(dest="stage", required=True))
    return parser
