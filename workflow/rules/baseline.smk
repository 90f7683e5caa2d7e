# The gensim word2vec baseline of Table 1, on the pipeline's token shards.
# gensim's largest window: its own, else the pipeline's L


include: "functions/baseline.smk"


rule baseline_gensim:
    input:
        tokens=token_files(".npy"),
        offsets=token_files(".offsets.npy"),
        vocab="results/{name}/corpus/vocab.tsv",
    output:
        npy="results/{name}/train/gensim.npy",
        w2v="results/{name}/train/gensim.w2v.txt",
        checkpoints="results/{name}/train/gensim/checkpoints.csv",
    log:
        "results/{name}/logs/baseline_gensim/gensim.log",
    benchmark:
        "results/{name}/benchmarks/baseline_gensim/gensim.tsv"
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
