# P_i, P_ij and the V x V targets: M*, PMI, PPMI, the SGNS target and G.


include: "functions/targets.smk"


rule targets_build:
    input:
        "results/{name}/cooccur/counts.npz",
    output:
        multiext("results/{name}/stats/", *TARGET_FILES),
        stats="results/{name}/stats/stats.json",
    log:
        "results/{name}/logs/targets_build/targets.log",
    benchmark:
        "results/{name}/benchmarks/targets_build/targets.tsv"
    conda:
        "../../envs/cpu.yaml"
    resources:
        mem_mb=lambda wildcards, input: targets_mem_mb(input.size_mb),
        runtime=lambda wildcards, attempt: targets_runtime(attempt),
    params:
        outdir=lambda wildcards: f"results/{wildcards.name}/stats",
        fingerprint=CONFIG_FINGERPRINT,
        negative_weight=config["targets"]["negative_weight"],
    shell:
        "qwem targets build {input:q} --outdir {params.outdir:q}"
        " --stats {output.stats:q} --config-fingerprint {params.fingerprint}"
        " --negative-weight {params.negative_weight} > {log:q} 2>&1"
