"""Every converter family, one module each.

Importing this package registers them all; this list is the supported set.
"""

from stages.assemble.converters import (
    activations,
    core,
    dense,
    embedding,
    preprocessing,
    regularization,
    reshape,
)

__all__ = [
    "activations",
    "core",
    "dense",
    "embedding",
    "preprocessing",
    "regularization",
    "reshape",
]
