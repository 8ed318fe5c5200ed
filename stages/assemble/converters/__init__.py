"""Every converter family, one module each.

Importing this package registers them all; this list is the supported set.
"""

from stages.assemble.converters import (
    activations,
    attention,
    core,
    dense,
    normalization,
    regularization,
    reshape,
)

__all__ = [
    "activations",
    "attention",
    "core",
    "dense",
    "normalization",
    "regularization",
    "reshape",
]
