"""Local and global pooling in 1, 2 and 3 D."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter
from stages.assemble.spatial import (
    channels_first_input,
    output_perm,
    padding_attributes,
)

_OPERATORS = {
    "MaxPooling": "MaxPool",
    "AveragePooling": "AveragePool",
    "GlobalMaxPooling": "GlobalMaxPool",
    "GlobalAveragePooling": "GlobalAveragePool",
}
LOCAL_KINDS = tuple(
    f"{k}{r}D" for k in ("MaxPooling", "AveragePooling") for r in (1, 2, 3)
)
GLOBAL_KINDS = tuple(
    f"{k}{r}D" for k in ("GlobalMaxPooling", "GlobalAveragePooling") for r in (1, 2, 3)
)


@converter(*LOCAL_KINDS, layout="any")
def convert_pooling(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``MaxPooling1D/2D/3D`` and ``AveragePooling1D/2D/3D``; config keys
    ``pool_size``, ``strides``, ``padding`` (``valid``, ``same``), ``data_format``.

    With ``same`` padding TensorFlow averages over the window's valid positions
    only, which is ONNX AveragePool's default (``count_include_pad=0``).
    """
    x = inputs[0]
    config = layer.config
    size, strides = config["pool_size"], config["strides"]
    data = channels_first_input(builder, x, config)
    attributes = padding_attributes(x, config, size, strides, [1] * len(size))
    value = builder.op1(
        _OPERATORS[layer.kind[:-2]],
        [data],
        kernel_shape=list(size),
        strides=list(strides),
        **attributes,
    )
    return [layer.output(value, perm=output_perm(config, x.rank))]


@converter(*GLOBAL_KINDS, layout="any")
def convert_global_pooling(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``GlobalMaxPooling1D/2D/3D`` and ``GlobalAveragePooling1D/2D/3D``;
    config keys ``data_format``, ``keepdims``. A mask input is not supported."""
    x = inputs[0]
    config = layer.config
    data = channels_first_input(builder, x, config)
    pooled = builder.op1(_OPERATORS[layer.kind[:-2]], [data])
    if config["keepdims"]:
        return [layer.output(pooled, perm=output_perm(config, x.rank))]
    return [layer.output(builder.op1("Flatten", [pooled], axis=1))]
