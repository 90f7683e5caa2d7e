# Input functions, resources and products of the plots stage (plots.smk).
TIMED_SLOTS = [s for s in ROLES["fig2"] if s.endswith("-small")]


def _run_file(run, name):
    """A file of a training run's directory."""
    return f"{RESULTS}/train/{run}/{name}"


def _key(slot):
    """A slot as a named-input key (qwem-small -> qwem_small)."""
    return slot.replace("-", "_")


def keyed_inputs(option, input, slots):
    """``--<option> SLOT=PATH`` for each slot, its path from the named input."""
    return " ".join(f"--{option} {s}={input[_key(s)]}" for s in slots)


def role_inits(kind):
    """``--init SLOT=INIT`` of the runs filling the slots of a figure."""
    return keyed_options(
        "init", {s: TRAIN["runs"][r]["init"] for s, r in ROLES[kind].items()}
    )


def get_fig1_input(wildcards):
    """Theory curves, vocabulary, and trace and checkpoint table of each Fig. 1 run."""
    files = {
        "theory": f"{RESULTS}/closed_form/theory.csv",
        "vocab": f"{RESULTS}/corpus/vocab.tsv",
    }
    for slot, run in ROLES["fig1"].items():
        files[f"{slot}_trace"] = _run_file(run, "trace.csv")
        files[f"{slot}_checkpoints"] = _run_file(run, "checkpoints.csv")
        files[f"{slot}_snapshots"] = _run_file(run, "snapshots")
    return files


def fig1_options(input):
    """Fig. 1's ``--<slot>-trace``, ``-checkpoints``, ``-snapshots``, and the QWEM
    run's init."""
    opts = []
    for slot in ROLES["fig1"]:
        for kind in ("trace", "checkpoints", "snapshots"):
            opts += [f"--{slot}-{kind} {input[f'{slot}_{kind}']}"]
    if "qwem" in ROLES["fig1"]:  # the theory curves are drawn at its init
        opts += [f"--qwem-init {TRAIN['runs'][ROLES['fig1']['qwem']]['init']}"]
    return " ".join(opts)


def get_fig2_input(wildcards):
    """Theory curves and the trace of each Fig. 2 run, by slot."""
    files = {"theory": f"{RESULTS}/closed_form/theory.csv"}
    files.update({_key(s): _run_file(r, "trace.csv") for s, r in ROLES["fig2"].items()})
    return files


def get_theory_time_input(wildcards):
    """Theory curves, and trace and config.json (kappa) of each small-init Fig. 2 run."""
    files = {"theory": f"{RESULTS}/closed_form/theory.csv"}
    for slot in TIMED_SLOTS:
        run = ROLES["fig2"][slot]
        files[_key(slot)] = _run_file(run, "trace.csv")
        files[f"{_key(slot)}_meta"] = _run_file(run, "config.json")
    return files


def theory_time_options(input):
    """Per timed run: ``--trace``, ``--meta``, ``--init``, ``--loss`` keyed by run."""
    opts = []
    for slot in TIMED_SLOTS:
        run = ROLES["fig2"][slot]
        spec = TRAIN["runs"][run]
        trace, meta = input[_key(slot)], input[f"{_key(slot)}_meta"]
        opts += [f"--trace {run}={trace} --meta {run}={meta}"]
        opts += [f"--init {run}={spec['init']} --loss {run}={spec['loss']}"]
    return " ".join(opts)


def get_ablation_input(wildcards):
    """The trace of each filled cell of the ablation grid."""
    return {s: _run_file(r, "trace.csv") for s, r in ROLES["ablation"].items()}


def get_compute_input(wildcards):
    """Checkpoint tables of the Table 1 runs and gensim; M*'s accuracy and costs."""
    files = {
        _key(s): _run_file(r, "checkpoints.csv") for s, r in ROLES["table1"].items()
    }
    files["gensim"] = f"{RESULTS}/train/gensim/checkpoints.csv"
    files["table"] = f"{RESULTS}/eval/table1.csv"
    files["stats"] = f"{RESULTS}/stats/stats.json"
    files["eig"] = f"{RESULTS}/closed_form/M_star.eig.npz"
    return files


def overlap_preferences():
    """``--prefer A:B`` pairs of the overlap heatmaps: trained SGNS vs QWEM, vs M*,
    vs PPMI."""
    sgns, qwem = ROLES["table1"].get("sgns"), ROLES["table1"].get("qwem")
    pairs = [(sgns, qwem), (sgns, "M_star"), (sgns, "ppmi")]
    return " ".join(f"--prefer {a}:{b}" for a, b in pairs if a and b)


def plots_outputs():
    """The plots stage's products: the figures and tables that the configured
    runs, roles and targets allow."""
    figs = ["fig3", "fig4", "appendix_top1", "appendix_spectra"]
    figs += [f for f in ("fig1", "fig2") if ROLES[f]]
    if len(ROLES["ablation"]) >= 2:
        figs.append("appendix_ablation")
    if len(AGREEMENT_MODELS) >= 2:
        figs.append("appendix_overlap")
    tables = ["table1", "table1_vs_mstar"]
    if "M_star" in SPECTRAL["targets"]:
        figs.append("compute")
        tables += ["agreement", "compute"]
    if TIMED_SLOTS:
        tables.append("theory_time")
    out = [f"{RESULTS}/figures/{f}.{ext}" for f in figs for ext in ("png", "pdf")]
    out += [f"{RESULTS}/tables/{t}.{ext}" for t in tables for ext in ("csv", "md")]
    out.append(f"{RESULTS}/tables/spectra_slopes.csv")
    return out
