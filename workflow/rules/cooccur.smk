# Count co-occurrences per token shard, then sum the shards (a reduction).


include: "functions/cooccur.smk"


rule cooccur_count:
    input:
        tokens="results/{name}/corpus/tokens/part-{part}.npy",
        offsets="results/{name}/corpus/tokens/part-{part}.offsets.npy",
    output:
        temp("results/{name}/cooccur/part-{part}.npz"),
    log:
        "results/{name}/logs/cooccur_count/{part}.log",
    benchmark:
        "results/{name}/benchmarks/cooccur_count/{part}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, input: count_mem_mb(input.size_mb),
        runtime=lambda wildcards, input: 10 + int(input.size_mb / 10),
    params:
        vocab_size=config["vocab_size"],
        context_length=config["context_length"],
        weighting=COOCCUR["weighting"],
        method=COOCCUR["method"],
        max_memory_mb=COOCCUR["max_memory_mb"],
    shell:
        "qwem cooccur count {input.tokens:q} {input.offsets:q} --out {output:q}"
        " --vocab-size {params.vocab_size} --context-length {params.context_length}"
        " --weighting {params.weighting} --method {params.method}"
        " --max-memory-mb {params.max_memory_mb} > {log:q} 2>&1"


rule cooccur_merge:
    input:
        get_cooccurrence_parts,
    output:
        "results/{name}/cooccur/counts.npz",
    log:
        "results/{name}/logs/cooccur_merge/counts.log",
    benchmark:
        "results/{name}/benchmarks/cooccur_merge/counts.tsv"
    conda:
        "../../envs/cpu.yaml"
    resources:
        mem_mb=lambda wildcards, input: merge_mem_mb(input.size_mb),
        runtime=30,
    shell:
        "qwem cooccur merge {input:q} --out {output:q} > {log:q} 2>&1"
