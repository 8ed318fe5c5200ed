"""Every converter family, one module each.

Importing this package registers them all; this list is the supported set.
"""

from stages.assemble.converters import (
    activations,
    applications,
    attention,
    augmentation,
    categorical,
    conv,
    core,
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

__all__ = [
    "activations",
    "applications",
    "attention",
    "augmentation",
    "categorical",
    "conv",
    "core",
    "dense",
    "embedding",
    "merge",
    "normalization",
    "operations",
    "pooling",
    "preprocessing",
    "recurrent",
    "regularization",
    "reshape",
    "structural",
    "wrappers",
]
