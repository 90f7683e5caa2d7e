# Input functions, resources and products of the evaluate stage (evaluate.smk).
def model_file(model):
    """The file an evaluation reads for a model name."""
    if model in TRAIN["runs"] or model == "gensim":
        return f"{RESULTS}/train/{model}.w2v.txt"
    return f"{RESULTS}/closed_form/{model}.eig.npz"


def get_benchmark_embeddings(wildcards):
    """Named inputs of Table 1, one per model."""
    return {m: model_file(m) for m in BENCHMARK_MODELS}


def get_agreement_embeddings(wildcards):
    """Named inputs of the agreement tables."""
    return {m: model_file(m) for m in AGREEMENT_MODELS}


def get_concept_input(wildcards):
    """M*'s eigenpairs, or a trained embedding (its PCA directions)."""
    return model_file(wildcards.model)


def evaluate_outputs():
    """The evaluate stage's products: Table 1's scores and the feature tables."""
    tables = [f"{RESULTS}/eval/{t}.csv" for t in ("table1", "analogies")]
    tables += [f"{RESULTS}/eval/concepts_{m}.csv" for m in CONCEPT_MODELS]
    if len(AGREEMENT_MODELS) >= 2:
        tables.append(f"{RESULTS}/eval/subspace_overlap.csv")
    return tables
