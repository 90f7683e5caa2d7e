# Closed form: top-d eigenpairs of the targets, W* = U_d Λ_d^(1/2), spectra, theory.


include: "functions/spectral.smk"


rule spectral_solve:
    input:
        target="results/{name}/stats/{target}.npy",
        vocab="results/{name}/corpus/vocab.tsv",
    output:
        eig="results/{name}/closed_form/{target}.eig.npz",
        embedding="results/{name}/closed_form/{target}.npy",
        w2v="results/{name}/closed_form/{target}.w2v.txt",
    log:
        "results/{name}/logs/spectral_solve/{target}.log",
    benchmark:
        "results/{name}/benchmarks/spectral_solve/{target}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: solve_threads()
    resources:
        mem_mb=solve_mem_mb(config["dim"], SPECTRAL["solver"]),
        runtime=lambda wildcards, attempt: solve_runtime(attempt),
    params:
        dim=config["dim"],
        solver=config["spectral"]["solver"],
        tol=config["spectral"]["tol"],
        seed=config["seed"],
    shell:
        "qwem spectral solve {input.target:q} --vocab {input.vocab:q}"
        " --dim {params.dim} --solver {params.solver} --tol {params.tol}"
        " --seed {params.seed} --eig {output.eig:q} --embedding {output.embedding:q}"
        " --w2v {output.w2v:q} > {log:q} 2>&1"


rule spectral_spectra:
    input:
        get_eigenpairs,
    output:
        "results/{name}/closed_form/spectra.csv",
    log:
        "results/{name}/logs/spectral_spectra/spectra.log",
    benchmark:
        "results/{name}/benchmarks/spectral_spectra/spectra.tsv"
    localrule: True
    conda:
        "../../envs/cpu.yaml"
    shell:
        "qwem spectral spectra {input:q} --out {output:q} > {log:q} 2>&1"


rule spectral_theory:
    input:
        "results/{name}/closed_form/M_star.eig.npz",
    output:
        curves="results/{name}/closed_form/theory.csv",
        loss="results/{name}/closed_form/theory_loss.csv",
    log:
        "results/{name}/logs/spectral_theory/theory.log",
    benchmark:
        "results/{name}/benchmarks/spectral_theory/theory.tsv"
    localrule: True
    conda:
        "../../envs/torch.yaml"
    params:
        dim=config["dim"],
        inits=" ".join(str(i) for i in config["theory"]["inits"]),
        points=config["theory"]["points"],
        modes=config["theory"]["modes"],
    shell:
        "qwem spectral theory {input:q} --dim {params.dim} --inits {params.inits}"
        " --points {params.points} --modes {params.modes} --out {output.curves:q}"
        " --loss-out {output.loss:q} > {log:q} 2>&1"
