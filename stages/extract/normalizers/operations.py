"""Normalizers: element-wise Keras operations and reductions on one tensor,
written outside any layer in a functional model."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    UnsupportedConfigError,
    normalizer,
    require,
)
from stages.operations import REDUCTIONS, UNARY_OPERATIONS


@normalizer(*UNARY_OPERATIONS)
def _unary(config: Config) -> dict[str, Any]:
    # An operation's config holds its name only.
    return {}


@normalizer(*REDUCTIONS)
def _reduction(config: Config) -> dict[str, Any]:
    # Keras 3 saves a tuple of axes as a list; Keras 2's tf.reduce_* the same.
    require(config, "initial", None)
    axis = config.get("axis")
    if axis is None:
        axes = None
    elif isinstance(axis, int) and not isinstance(axis, bool):
        axes = [axis]
    elif isinstance(axis, list | tuple) and all(
        isinstance(a, int) and not isinstance(a, bool) for a in axis
    ):
        axes = [int(a) for a in axis]
    else:
        raise UnsupportedConfigError("axis", axis, "expected an axis or a list of them")
    keepdims = config.get("keepdims", False)
    if not isinstance(keepdims, bool):
        raise UnsupportedConfigError("keepdims", keepdims, "expected True or False")
    return {"axis": axes, "keepdims": keepdims}
