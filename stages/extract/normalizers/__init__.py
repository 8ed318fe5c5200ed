"""Normalized layer configs, one module per layer family.

Importing this package registers every family; :func:`normalize` gives the config
that goes into the interchange description for a layer of a given Keras class.
"""

from stages.extract.normalizers import (
    activations,
    attention,
    convolution,
    dense,
    merge,
    normalization,
    pooling,
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
    "attention",
    "check_call",
    "convolution",
    "dense",
    "merge",
    "normalization",
    "normalize",
    "normalize_activation",
    "pooling",
    "recurrent",
    "regularization",
    "reshape",
    "structural",
    "wrappers",
]
