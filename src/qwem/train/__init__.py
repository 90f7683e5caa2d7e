"""Training word2vec (SGNS) and QWEM with SGD (docs/method.md, "Models", "Training").

``config`` holds the hyperparameters (a frozen dataclass checked before any
compute), ``psi`` the reweighting Ψ and the expected gradient it defines,
``losses`` the per-pair losses and Ψ on the device, ``sampler`` the
device-side minibatch sampler, ``minibatch`` a sampled batch's gradient,
``sequential`` word2vec's one-pair-at-a-time loop (numba, CPU) with the
weights of its slots in ``slots``, ``loop`` the SGD loop (the learning-rate
schedule applied to either engine) with traces and checkpoints.
"""

from qwem.train.config import TrainConfig
from qwem.train.loop import train
from qwem.train.psi import PsiFactors, psi_factors

__all__ = ["PsiFactors", "TrainConfig", "psi_factors", "train"]
