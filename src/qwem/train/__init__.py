"""Training word2vec (SGNS) and QWEM with minibatch SGD (THEORY.md sections 3, 4, 7).

``config`` holds the hyperparameters (a frozen dataclass checked before any
compute), ``losses`` the per-pair losses and the reweighting factors,
``sampler`` the device-side pair sampler, ``loop`` the SGD loop with traces
and checkpoints.
"""

from qwem.train.config import TrainConfig
from qwem.train.loop import train

__all__ = ["TrainConfig", "train"]
