"""Normalized layer configs, one module per layer family.

Importing this package registers every family; :func:`normalize` gives the config
that goes into the interchange description for a layer of a given Keras class.
"""

from stages.extract.normalizers import (
    activations,
    attention,
    dense,
    normalization,
    regularization,
    reshape,
)
from stages.extract.normalizers.base import (
    ACTIVATIONS,
    Call,
    UnsupportedConfigError,
    normalize,
    normalize_activation,
)

__all__ = [
    "ACTIVATIONS",
    "Call",
    "UnsupportedConfigError",
    "activations",
    "attention",
    "dense",
    "normalization",
    "normalize",
    "normalize_activation",
    "regularization",
    "reshape",
]
