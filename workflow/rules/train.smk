# SGD training of QWEM and SGNS, one job per configured run.


include: "functions/train.smk"


rule train_run:
    input:
        tokens=token_files(".npy"),
        offsets=token_files(".offsets.npy"),
        vocab="results/{name}/corpus/vocab.tsv",
        unigram="results/{name}/stats/unigram.npy",
        p_ij="results/{name}/stats/P_ij.npy",
    output:
        trace="results/{name}/train/{run}/trace.csv",
        checkpoints="results/{name}/train/{run}/checkpoints.csv",
        meta="results/{name}/train/{run}/config.json",
        W="results/{name}/train/{run}/W.npy",
        snapshots=directory("results/{name}/train/{run}/snapshots"),
        w2v="results/{name}/train/{run}.w2v.txt",
    log:
        "results/{name}/logs/train_run/{run}.log",
    benchmark:
        "results/{name}/benchmarks/train_run/{run}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: train_threads
    resources:
        gpu=train_gpu,
        mem_mb=lambda wildcards, input: train_mem_mb(wildcards, input.size_mb),
        runtime=train_runtime,
    params:
        settings=get_run_settings,
        context_length=config["context_length"],
        weighting=COOCCUR["weighting"],
        out_dir=lambda wildcards: f"results/{wildcards.name}/train/{wildcards.run}",
    shell:
        "qwem train run --run {wildcards.run} --config {params.settings:q}"
        " --tokens {input.tokens:q} --offsets {input.offsets:q} --vocab {input.vocab:q}"
        " --unigram {input.unigram:q} --p-ij {input.p_ij:q}"
        " --context-length {params.context_length} --weighting {params.weighting}"
        " --out-dir {params.out_dir:q} --w2v {output.w2v:q} --threads {threads}"
        " > {log:q} 2>&1"
