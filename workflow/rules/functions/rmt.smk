# Input functions, resources and products of the rmt stage (rmt.smk).
RMT_DIM = min(RMT["dim"], V - 1)


def rmt_solver():
    """The RMT basis needs D eigenpairs: a full solve once D is a large part of V."""
    return basis_method(V, RMT_DIM, SPECTRAL["solver"])


def rmt_outputs():
    """The rmt stage's products: the tables of Fig. 4."""
    return [f"{RESULTS}/rmt/{t}.csv" for t in ("sweep", "fits", "localisation")]
