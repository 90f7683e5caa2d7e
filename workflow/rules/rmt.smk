# Random-matrix analyses of task vectors on W = U_D Λ_D^(1/2)
# (docs/method.md#random-matrix-analyses).


include: "functions/rmt.smk"


rule rmt_basis:
    input:
        target="results/{name}/stats/M_star.npy",
        vocab="results/{name}/corpus/vocab.tsv",
    output:
        eig="results/{name}/rmt/M_star.eig.npz",
    log:
        "results/{name}/logs/rmt_basis/M_star.log",
    benchmark:
        "results/{name}/benchmarks/rmt_basis/M_star.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: solve_threads()
    resources:
        mem_mb=solve_mem_mb(RMT_DIM, rmt_solver()),
        runtime=lambda wildcards, attempt: solve_runtime(attempt),
    params:
        dim=RMT_DIM,
        solver=rmt_solver(),
        tol=config["spectral"]["tol"],
        seed=config["seed"],
    shell:
        "qwem rmt basis {input.target:q} --vocab {input.vocab:q}"
        " --dim {params.dim} --solver {params.solver} --tol {params.tol}"
        " --seed {params.seed} --eig {output.eig:q} > {log:q} 2>&1"


rule rmt_tables:
    input:
        eig="results/{name}/rmt/M_star.eig.npz",
        vocab="results/{name}/corpus/vocab.tsv",
    output:
        sweep="results/{name}/rmt/sweep.csv",
        spectra="results/{name}/rmt/spectra.csv",
        fits="results/{name}/rmt/fits.csv",
        density="results/{name}/rmt/density.csv",
        localisation="results/{name}/rmt/localisation.csv",
    log:
        "results/{name}/logs/rmt_tables/rmt.log",
    benchmark:
        "results/{name}/benchmarks/rmt_tables/rmt.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, input: int(4 * input.size_mb + 1000),
        runtime=lambda wildcards, attempt: attempt * int(10 + RMT_DIM / 100),
    params:
        hist_dims=" ".join(str(d) for d in RMT["hist_dims"] if d <= RMT_DIM),
        points=RMT["points"],
        modes=min(RMT["modes"], RMT_DIM),
        d_max=RMT_DIM,
    shell:
        "qwem rmt tables --in {input.eig:q} --vocab {input.vocab:q}"
        " --d-max {params.d_max} --points {params.points}"
        " --hist-dims {params.hist_dims} --modes {params.modes}"
        " --sweep-out {output.sweep:q} --spectra-out {output.spectra:q}"
        " --fits-out {output.fits:q} --density-out {output.density:q}"
        " --localisation-out {output.localisation:q} > {log:q} 2>&1"
