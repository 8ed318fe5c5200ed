"""Layers that change a tensor's shape, not its values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter


@converter("Flatten")
def convert_flatten(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Flatten``; config key ``data_format``.

    Keras flattens in channels-last order: with ``channels_first`` it first moves
    the channel axis last, and so does the converter.
    """
    x = inputs[0]
    value = x.name
    if layer.config["data_format"] == "channels_first" and x.rank > 2:
        order = [0, *range(2, x.rank), 1]
        value = builder.op1("Transpose", [value], perm=order)
    return [layer.output(builder.op1("Flatten", [value], axis=1))]


@converter("Reshape")
def convert_reshape(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Reshape``; config key ``target_shape`` (without the batch axis, one
    entry may be -1). The batch axis is copied from the input."""
    x = inputs[0]
    shape = builder.int64s([0, *layer.config["target_shape"]], "shape")
    return [layer.output(builder.op1("Reshape", [x.name, shape]))]
