# Evaluation: Table 1 benchmarks, concepts, subspace agreement
# (docs/method.md#evaluation).


include: "functions/evaluate.smk"


# a download: on a cluster it runs where the network is (the login node)
rule evaluate_fetch_men:
    output:
        "results/{name}/eval/MEN.txt",
    log:
        "results/{name}/logs/evaluate_fetch_men/MEN.log",
    benchmark:
        "results/{name}/benchmarks/evaluate_fetch_men/MEN.tsv"
    retries: 1
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    params:
        url=EVALUATE["men"]["url"],
        member=EVALUATE["men"]["member"] or "none",
        sha256=EVALUATE["men"]["sha256"] or "none",
    shell:
        "qwem evaluate fetch-men --url {params.url:q} --member {params.member:q}"
        " --sha256 {params.sha256} --out {output:q} > {log:q} 2>&1"


rule evaluate_table:
    input:
        unpack(get_benchmark_embeddings),
        vocab="results/{name}/corpus/vocab.tsv",
        men="results/{name}/eval/MEN.txt",
    output:
        table="results/{name}/eval/table1.csv",
        analogies="results/{name}/eval/analogies.csv",
        similarity="results/{name}/eval/similarity.csv",
        questions="results/{name}/eval/analogy_questions.csv.gz",
        pairs="results/{name}/eval/similarity_pairs.csv",
    log:
        "results/{name}/logs/evaluate_table/table1.log",
    benchmark:
        "results/{name}/benchmarks/evaluate_table/table1.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, input: int(3 * input.size_mb + 1000),
    params:
        embeddings=lambda wildcards, input: named_inputs(input, BENCHMARK_MODELS),
    shell:
        "qwem evaluate table {params.embeddings} --vocab {input.vocab:q}"
        " --men {input.men:q} --out {output.table:q}"
        " --analogies-out {output.analogies:q}"
        " --similarity-out {output.similarity:q}"
        " --questions-out {output.questions:q} --pairs-out {output.pairs:q}"
        " > {log:q} 2>&1"


rule evaluate_bootstrap:
    input:
        questions="results/{name}/eval/analogy_questions.csv.gz",
        pairs="results/{name}/eval/similarity_pairs.csv",
    output:
        intervals="results/{name}/eval/table1_ci.csv",
        paired="results/{name}/eval/table1_paired.csv",
    log:
        "results/{name}/logs/evaluate_bootstrap/table1.log",
    benchmark:
        "results/{name}/benchmarks/evaluate_bootstrap/table1.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        # the gzipped questions expand ~20x in memory; resample blocks ~300 MB
        mem_mb=lambda wildcards, input: int(20 * input.size_mb + 1500),
    params:
        reference=BOOTSTRAP["reference"],
        resamples=BOOTSTRAP["resamples"],
        level=BOOTSTRAP["level"],
        seed=config["seed"] if BOOTSTRAP["seed"] is None else BOOTSTRAP["seed"],
    shell:
        "qwem evaluate bootstrap --questions {input.questions:q}"
        " --pairs {input.pairs:q} --reference {params.reference:q}"
        " --resamples {params.resamples} --level {params.level}"
        " --seed {params.seed} --out {output.intervals:q}"
        " --paired-out {output.paired:q} > {log:q} 2>&1"


rule evaluate_concepts:
    input:
        model=get_concept_input,
        vocab="results/{name}/corpus/vocab.tsv",
    output:
        "results/{name}/eval/concepts_{model}.csv",
    log:
        "results/{name}/logs/evaluate_concepts/{model}.log",
    benchmark:
        "results/{name}/benchmarks/evaluate_concepts/{model}.tsv"
    conda:
        "../../envs/cpu.yaml"
    params:
        directions=EVALUATE["concepts"]["directions"],
        top=EVALUATE["concepts"]["top"],
        among=EVALUATE["concepts"]["among"],
    shell:
        "qwem evaluate concepts --in {input.model:q} --vocab {input.vocab:q}"
        " --directions {params.directions} --top {params.top}"
        " --among {params.among} --out {output:q} > {log:q} 2>&1"


rule evaluate_agreement:
    input:
        unpack(get_agreement_embeddings),
        vocab="results/{name}/corpus/vocab.tsv",
    output:
        matrix="results/{name}/eval/overlap_matrix.csv",
        subspace="results/{name}/eval/subspace_overlap.csv",
    log:
        "results/{name}/logs/evaluate_agreement/agreement.log",
    benchmark:
        "results/{name}/benchmarks/evaluate_agreement/agreement.tsv"
    conda:
        "../../envs/cpu.yaml"
    params:
        embeddings=lambda wildcards, input: named_inputs(input, AGREEMENT_MODELS),
        dims=" ".join(map(str, AGREEMENT_DIMS)),
        modes=EVALUATE["agreement"]["modes"],
    shell:
        "qwem evaluate agreement {params.embeddings} --vocab {input.vocab:q}"
        " --dims {params.dims} --modes {params.modes} --out {output.matrix:q}"
        " --subspace-out {output.subspace:q} > {log:q} 2>&1"
