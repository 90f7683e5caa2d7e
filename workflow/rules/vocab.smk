# Tokenise the text, choose the vocabulary, and write token shards.


include: "functions/vocab.smk"


rule vocab_count:
    input:
        "results/{name}/text/part-{part}.txt.gz",
    output:
        "results/{name}/corpus/wordcounts/part-{part}.tsv.gz",
    log:
        "results/{name}/logs/vocab_count/{part}.log",
    benchmark:
        "results/{name}/benchmarks/vocab_count/{part}.tsv"
    conda:
        "../../envs/cpu.yaml"
    resources:
        mem_mb=lambda wildcards, input: 1000 + 8 * int(input.size_mb),
        runtime=lambda wildcards, input: 10 + int(input.size_mb / 5),
    params:
        digits=config["tokenize"]["digits"],
    shell:
        "qwem vocab count {input:q} {output:q} --digits {params.digits} > {log:q} 2>&1"


rule vocab_build:
    input:
        get_word_counts,
    output:
        "results/{name}/corpus/vocab.tsv",
    log:
        "results/{name}/logs/vocab_build/vocab.log",
    benchmark:
        "results/{name}/benchmarks/vocab_build/vocab.tsv"
    conda:
        "../../envs/cpu.yaml"
    resources:
        mem_mb=lambda wildcards, input: 1000 + 10 * int(input.size_mb),
        runtime=30,
    params:
        size=config["vocab_size"],
    shell:
        "qwem vocab build {input:q} --out {output:q} --size {params.size} > {log:q} 2>&1"


rule vocab_tokenize:
    input:
        text="results/{name}/text/part-{part}.txt.gz",
        vocab="results/{name}/corpus/vocab.tsv",
    output:
        tokens="results/{name}/corpus/tokens/part-{part}.npy",
        offsets="results/{name}/corpus/tokens/part-{part}.offsets.npy",
        info="results/{name}/corpus/tokens/part-{part}.json",
    log:
        "results/{name}/logs/vocab_tokenize/{part}.log",
    benchmark:
        "results/{name}/benchmarks/vocab_tokenize/{part}.tsv"
    conda:
        "../../envs/cpu.yaml"
    resources:
        mem_mb=lambda wildcards, input: 1000 + 12 * int(input.size_mb),
        runtime=lambda wildcards, input: 10 + int(input.size_mb / 5),
    params:
        digits=config["tokenize"]["digits"],
    shell:
        "qwem vocab tokenize {input.text:q} {input.vocab:q} --tokens {output.tokens:q}"
        " --offsets {output.offsets:q} --info {output.info:q}"
        " --digits {params.digits} > {log:q} 2>&1"


rule vocab_summarize:
    input:
        token_files(".json"),
    output:
        "results/{name}/corpus/summary.json",
    log:
        "results/{name}/logs/vocab_summarize/summary.log",
    benchmark:
        "results/{name}/benchmarks/vocab_summarize/summary.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    shell:
        "qwem vocab summarize {input:q} --out {output:q} > {log:q} 2>&1"
