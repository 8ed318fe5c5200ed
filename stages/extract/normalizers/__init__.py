"""Normalized layer configs, one module per layer family.

Importing this package registers every family; :func:`normalize` gives the config
that goes into the interchange description for a layer of a given Keras class.
"""

from stages.extract.normalizers import (
    activations,
    dense,
    embedding,
    preprocessing,
    regularization,
    reshape,
)
from stages.extract.normalizers.base import (
    ACTIVATIONS,
    UnsupportedConfigError,
    normalize,
    normalize_activation,
)

__all__ = [
    "ACTIVATIONS",
    "UnsupportedConfigError",
    "activations",
    "dense",
    "embedding",
    "normalize",
    "normalize_activation",
    "preprocessing",
    "regularization",
    "reshape",
]
