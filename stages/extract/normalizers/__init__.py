"""Normalized layer configs, one module per layer family.

Importing this package registers every family; :func:`normalize` gives the config
that goes into the interchange description for a layer of a given Keras class.
"""

from stages.extract.normalizers import (
    activations,
    applications,
    attention,
    augmentation,
    categorical,
    convolution,
    dense,
    embedding,
    merge,
    normalization,
    operations,
    pooling,
    preprocessing,
    recurrent,
    regularization,
    reshape,
    structural,
    wrappers,
)
from stages.extract.normalizers.base import (
    ACTIVATIONS,
    Call,
    UnsupportedConfigError,
    check_call,
    normalize,
    normalize_activation,
)

__all__ = [
    "ACTIVATIONS",
    "Call",
    "UnsupportedConfigError",
    "activations",
    "applications",
    "attention",
    "augmentation",
    "categorical",
    "check_call",
    "convolution",
    "dense",
    "embedding",
    "merge",
    "normalization",
    "normalize",
    "normalize_activation",
    "operations",
    "pooling",
    "preprocessing",
    "recurrent",
    "regularization",
    "reshape",
    "structural",
    "wrappers",
]
