# Figures and tables of the paper, drawn from the pipeline's tables. Which run
# feeds which figure or table is declared in the config (ROLES, common.smk).
# the small-init curves of Fig. 2, timed against the theory in tables/theory_time.*


include: "functions/plots.smk"


rule plots_fig1:
    input:
        unpack(get_fig1_input),
    output:
        png=report(
            "results/{name}/figures/fig1.png",
            caption="../report/fig1.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/fig1.pdf",
    log:
        "results/{name}/logs/plots_fig1/fig1.log",
    benchmark:
        "results/{name}/benchmarks/plots_fig1/fig1.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        runs=lambda wildcards, input: fig1_options(input),
        modes=PLOTS["modes"],
        labels=PLOTS["labels"],
        among=PLOTS["among"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots fig1 {params.runs} --theory {input.theory:q}"
        " --vocab {input.vocab:q} --modes {params.modes}"
        " --labels {params.labels} --among {params.among} --dpi {params.dpi}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plots_fig2:
    input:
        unpack(get_fig2_input),
    output:
        png=report(
            "results/{name}/figures/fig2.png",
            caption="../report/fig2.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/fig2.pdf",
    log:
        "results/{name}/logs/plots_fig2/fig2.log",
    benchmark:
        "results/{name}/benchmarks/plots_fig2/fig2.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        traces=lambda wildcards, input: keyed_inputs("trace", input, ROLES["fig2"]),
        inits=role_inits("fig2"),
        modes=PLOTS["modes"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots fig2 {params.traces} {params.inits} --theory {input.theory:q}"
        " --modes {params.modes} --dpi {params.dpi}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plots_theory_time:
    input:
        unpack(get_theory_time_input),
    output:
        csv="results/{name}/tables/theory_time.csv",
        md=report(
            "results/{name}/tables/theory_time.md",
            caption="../report/theory_time.rst",
            category="Tables",
        ),
    log:
        "results/{name}/logs/plots_theory_time/theory_time.log",
    benchmark:
        "results/{name}/benchmarks/plots_theory_time/theory_time.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        runs=lambda wildcards, input: theory_time_options(input),
    shell:
        "qwem plots theory-time {params.runs} --theory {input.theory:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log:q} 2>&1"


rule plots_fig3:
    input:
        "results/{name}/eval/concepts_M_star.csv",
    output:
        png=report(
            "results/{name}/figures/fig3.png",
            caption="../report/fig3.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/fig3.pdf",
    log:
        "results/{name}/logs/plots_fig3/fig3.log",
    benchmark:
        "results/{name}/benchmarks/plots_fig3/fig3.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        directions=PLOTS["concept_directions"],
        words=PLOTS["concept_words"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots fig3 --concepts {input:q} --directions {params.directions}"
        " --words {params.words} --dpi {params.dpi}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plots_fig4:
    input:
        spectra="results/{name}/rmt/spectra.csv",
        density="results/{name}/rmt/density.csv",
        fits="results/{name}/rmt/fits.csv",
        localisation="results/{name}/rmt/localisation.csv",
        sweep="results/{name}/rmt/sweep.csv",
    output:
        png=report(
            "results/{name}/figures/fig4.png",
            caption="../report/fig4.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/fig4.pdf",
    log:
        "results/{name}/logs/plots_fig4/fig4.log",
    benchmark:
        "results/{name}/benchmarks/plots_fig4/fig4.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        family=PLOTS["mp_family"],
        min_pairs=PLOTS["mp_min_pairs"],
        modes=PLOTS["localisation_modes"],
        bins=PLOTS["bins"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots fig4 --spectra {input.spectra:q} --density {input.density:q}"
        " --fits {input.fits:q} --localisation {input.localisation:q}"
        " --sweep {input.sweep:q} --family {params.family}"
        " --min-pairs {params.min_pairs} --modes {params.modes} --bins {params.bins}"
        " --dpi {params.dpi} --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plots_ablation:
    input:
        unpack(get_ablation_input),
    output:
        png=report(
            "results/{name}/figures/appendix_ablation.png",
            caption="../report/appendix_ablation.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/appendix_ablation.pdf",
    log:
        "results/{name}/logs/plots_ablation/appendix_ablation.log",
    benchmark:
        "results/{name}/benchmarks/plots_ablation/appendix_ablation.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        traces=lambda wildcards, input: keyed_inputs("trace", input, ROLES["ablation"]),
        modes=PLOTS["modes"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots ablation {params.traces} --modes {params.modes}"
        " --dpi {params.dpi} --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plots_top1:
    input:
        "results/{name}/rmt/sweep.csv",
    output:
        png=report(
            "results/{name}/figures/appendix_top1.png",
            caption="../report/appendix_top1.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/appendix_top1.pdf",
    log:
        "results/{name}/logs/plots_top1/appendix_top1.log",
    benchmark:
        "results/{name}/benchmarks/plots_top1/appendix_top1.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots top1 --sweep {input:q} --dpi {params.dpi}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plots_overlap:
    input:
        "results/{name}/eval/overlap_matrix.csv",
    output:
        png=report(
            "results/{name}/figures/appendix_overlap.png",
            caption="../report/appendix_overlap.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/appendix_overlap.pdf",
    log:
        "results/{name}/logs/plots_overlap/appendix_overlap.log",
    benchmark:
        "results/{name}/benchmarks/plots_overlap/appendix_overlap.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        prefer=overlap_preferences(),
        pairs=PLOTS["overlap_pairs"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots overlap --overlap {input:q} {params.prefer} --pairs {params.pairs}"
        " --dpi {params.dpi} --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plots_spectra:
    input:
        "results/{name}/closed_form/spectra.csv",
    output:
        png=report(
            "results/{name}/figures/appendix_spectra.png",
            caption="../report/appendix_spectra.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/appendix_spectra.pdf",
        slopes="results/{name}/tables/spectra_slopes.csv",
    log:
        "results/{name}/logs/plots_spectra/appendix_spectra.log",
    benchmark:
        "results/{name}/benchmarks/plots_spectra/appendix_spectra.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        slope=PLOTS["slope"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots spectra --spectra {input:q} --slope {params.slope}"
        " --slopes-csv {output.slopes:q} --dpi {params.dpi}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plots_table1:
    input:
        table="results/{name}/eval/table1.csv",
        analogies="results/{name}/eval/analogies.csv",
        intervals="results/{name}/eval/table1_ci.csv",
        paired="results/{name}/eval/table1_paired.csv",
    output:
        csv="results/{name}/tables/table1.csv",
        md=report(
            "results/{name}/tables/table1.md",
            caption="../report/table1.rst",
            category="Tables",
        ),
        paired_csv="results/{name}/tables/table1_vs_mstar.csv",
        paired_md=report(
            "results/{name}/tables/table1_vs_mstar.md",
            caption="../report/table1_vs_mstar.rst",
            category="Tables",
        ),
        categories_csv="results/{name}/tables/analogies_by_category.csv",
        categories_md="results/{name}/tables/analogies_by_category.md",
    log:
        "results/{name}/logs/plots_table1/table1.log",
    benchmark:
        "results/{name}/benchmarks/plots_table1/table1.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        trained=keyed_options("trained", ROLES["table1"]),
    shell:
        "qwem plots table1 {params.trained} --table {input.table:q}"
        " --analogies {input.analogies:q}"
        " --intervals {input.intervals:q} --paired {input.paired:q}"
        " --csv {output.csv:q} --md {output.md:q}"
        " --paired-csv {output.paired_csv:q} --paired-md {output.paired_md:q}"
        " --categories-csv {output.categories_csv:q}"
        " --categories-md {output.categories_md:q} > {log:q} 2>&1"


rule plots_agreement:
    input:
        "results/{name}/eval/subspace_overlap.csv",
    output:
        csv="results/{name}/tables/agreement.csv",
        md=report(
            "results/{name}/tables/agreement.md",
            caption="../report/agreement.rst",
            category="Tables",
        ),
    log:
        "results/{name}/logs/plots_agreement/agreement.log",
    benchmark:
        "results/{name}/benchmarks/plots_agreement/agreement.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        models=" ".join([*RUNS, "gensim"]),
        ks=" ".join(map(str, AGREEMENT_K)),
    shell:
        "qwem plots agreement --subspace {input:q} --reference M_star"
        " --models {params.models} --ks {params.ks}"
        " --csv {output.csv:q} --md {output.md:q} > {log:q} 2>&1"


rule plots_compute:
    input:
        unpack(get_compute_input),
    output:
        png=report(
            "results/{name}/figures/compute.png",
            caption="../report/compute.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/compute.pdf",
        csv="results/{name}/tables/compute.csv",
        md=report(
            "results/{name}/tables/compute.md",
            caption="../report/compute_table.rst",
            category="Tables",
        ),
    log:
        "results/{name}/logs/plots_compute/compute.log",
    benchmark:
        "results/{name}/benchmarks/plots_compute/compute.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        checkpoints=lambda wildcards, input: keyed_inputs(
            "checkpoints", input, ROLES["table1"]
        ),
        runs=keyed_options("run", ROLES["table1"]),
        fraction=PLOTS["compute_fraction"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots compute {params.checkpoints} {params.runs}"
        " --gensim {input.gensim:q} --table {input.table:q} --stats {input.stats:q}"
        " --eig {input.eig:q} --fraction {params.fraction} --dpi {params.dpi}"
        " --png {output.png:q} --pdf {output.pdf:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log:q} 2>&1"
