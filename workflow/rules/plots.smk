# Figures and tables of the paper, drawn from the pipeline's tables.


rule plot_fig1:
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
        "results/{name}/logs/plot_fig1/fig1.log",
    benchmark:
        "results/{name}/benchmarks/plot_fig1/fig1.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        qwem_init=lambda wildcards: TRAIN["runs"][
            _run("qwem", True) or _run("qwem", False)
        ]["init"],
        traces=lambda wildcards, input: trace_options(
            input, ["qwem_trace", "sgns_trace"]
        ),
        modes=PLOTS["modes"],
        labels=PLOTS["labels"],
        among=PLOTS["among"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots fig1 {params.traces} --qwem-init {params.qwem_init}"
        " --theory {input.theory:q} --vocab {input.vocab:q} --modes {params.modes}"
        " --labels {params.labels} --among {params.among} --dpi {params.dpi}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plot_fig2:
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
        "results/{name}/logs/plot_fig2/fig2.log",
    benchmark:
        "results/{name}/benchmarks/plot_fig2/fig2.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        traces=lambda wildcards, input: trace_options(
            input, ["qwem_large", "sgns_large", "qwem_small", "sgns_small"]
        ),
        modes=PLOTS["modes"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots fig2 {params.traces} --theory {input.theory:q}"
        " --modes {params.modes} --dpi {params.dpi}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plot_fig3:
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
        "results/{name}/logs/plot_fig3/fig3.log",
    benchmark:
        "results/{name}/benchmarks/plot_fig3/fig3.tsv"
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


rule plot_fig4:
    input:
        spectra="results/{name}/rmt/spectra.csv",
        density="results/{name}/rmt/density.csv",
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
        "results/{name}/logs/plot_fig4/fig4.log",
    benchmark:
        "results/{name}/benchmarks/plot_fig4/fig4.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        family=PLOTS["mp_family"],
        modes=PLOTS["localisation_modes"],
        bins=PLOTS["bins"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots fig4 --spectra {input.spectra:q} --density {input.density:q}"
        " --localisation {input.localisation:q} --sweep {input.sweep:q}"
        " --family {params.family} --modes {params.modes} --bins {params.bins}"
        " --dpi {params.dpi} --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plot_appendix_ablation:
    input:
        unpack(lambda wildcards: {k: _trace(r) for k, r in _ablation_runs().items()}),
    output:
        png=report(
            "results/{name}/figures/appendix_ablation.png",
            caption="../report/appendix_ablation.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/appendix_ablation.pdf",
    log:
        "results/{name}/logs/plot_appendix_ablation/appendix_ablation.log",
    benchmark:
        "results/{name}/benchmarks/plot_appendix_ablation/appendix_ablation.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        traces=lambda wildcards, input: trace_options(
            input, ["sgns", "quartic", "setting31", "qwem"]
        ),
        modes=PLOTS["modes"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots ablation {params.traces} --modes {params.modes}"
        " --dpi {params.dpi} --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plot_appendix_top1:
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
        "results/{name}/logs/plot_appendix_top1/appendix_top1.log",
    benchmark:
        "results/{name}/benchmarks/plot_appendix_top1/appendix_top1.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots top1 --sweep {input:q} --dpi {params.dpi}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plot_appendix_overlap:
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
        "results/{name}/logs/plot_appendix_overlap/appendix_overlap.log",
    benchmark:
        "results/{name}/benchmarks/plot_appendix_overlap/appendix_overlap.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        pairs=PLOTS["overlap_pairs"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots overlap --overlap {input:q} --pairs {params.pairs}"
        " --dpi {params.dpi} --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plot_appendix_spectra:
    input:
        "results/{name}/closed_form/spectra.csv",
    output:
        png=report(
            "results/{name}/figures/appendix_spectra.png",
            caption="../report/appendix_spectra.rst",
            category="Figures",
        ),
        pdf="results/{name}/figures/appendix_spectra.pdf",
    log:
        "results/{name}/logs/plot_appendix_spectra/appendix_spectra.log",
    benchmark:
        "results/{name}/benchmarks/plot_appendix_spectra/appendix_spectra.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        slope=PLOTS["slope"],
        dpi=PLOTS["dpi"],
    shell:
        "qwem plots spectra --spectra {input:q} --slope {params.slope}"
        " --dpi {params.dpi} --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule make_table1:
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
        "results/{name}/logs/make_table1/table1.log",
    benchmark:
        "results/{name}/benchmarks/make_table1/table1.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    shell:
        "qwem plots table1 --table {input.table:q} --analogies {input.analogies:q}"
        " --intervals {input.intervals:q} --paired {input.paired:q}"
        " --csv {output.csv:q} --md {output.md:q}"
        " --paired-csv {output.paired_csv:q} --paired-md {output.paired_md:q}"
        " --categories-csv {output.categories_csv:q}"
        " --categories-md {output.categories_md:q} > {log:q} 2>&1"


rule make_agreement_table:
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
        "results/{name}/logs/make_agreement_table/agreement.log",
    benchmark:
        "results/{name}/benchmarks/make_agreement_table/agreement.tsv"
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
