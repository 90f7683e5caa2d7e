# SGD training of QWEM and SGNS (one job per configured run), gensim baseline.


rule train_model:
    input:
        tokens=get_token_shards,
        offsets=get_token_offsets,
        vocab="results/{name}/corpus/vocab.tsv",
        unigram="results/{name}/stats/unigram.npy",
        p_ij="results/{name}/stats/P_ij.npy",
    output:
        trace="results/{name}/train/{run}/trace.csv",
        checkpoints="results/{name}/train/{run}/checkpoints.csv",
        meta="results/{name}/train/{run}/config.json",
        W="results/{name}/train/{run}/W.npy",
        w2v="results/{name}/train/{run}.w2v.txt",
    log:
        "results/{name}/logs/train_model/{run}.log",
    benchmark:
        "results/{name}/benchmarks/train_model/{run}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: train_threads
    resources:
        gpu=train_gpu,
        mem_mb=lambda wildcards, input: int(2 * input.size_mb + 2000),
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


rule train_gensim:
    input:
        tokens=get_token_shards,
        offsets=get_token_offsets,
        vocab="results/{name}/corpus/vocab.tsv",
    output:
        npy="results/{name}/train/gensim.npy",
        w2v="results/{name}/train/gensim.w2v.txt",
        checkpoints="results/{name}/train/gensim/checkpoints.csv",
    log:
        "results/{name}/logs/train_gensim/gensim.log",
    benchmark:
        "results/{name}/benchmarks/train_gensim/gensim.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: BASELINE["threads"]
    resources:
        mem_mb=lambda wildcards, input: int(20 * input.size_mb + 1000),
        runtime=lambda wildcards, input, attempt: gensim_runtime(input.size_mb, attempt),
    params:
        dim=config["dim"],
        window=GENSIM_WINDOW,
        negative=BASELINE["negative"],
        sample=BASELINE["sample"],
        alpha=BASELINE["alpha"],
        min_alpha=BASELINE["min_alpha"],
        epochs=BASELINE["epochs"],
        seed=config["seed"],
    shell:
        "qwem baseline gensim {input.tokens:q} --offsets {input.offsets:q}"
        " --vocab {input.vocab:q} --dim {params.dim} --window {params.window}"
        " --negative {params.negative} --sample {params.sample}"
        " --alpha {params.alpha} --min-alpha {params.min_alpha}"
        " --epochs {params.epochs} --seed {params.seed} --threads {threads}"
        " --out-npy {output.npy:q} --out-w2v {output.w2v:q}"
        " --out-trace {output.checkpoints:q} > {log:q} 2>&1"
