"""Densely connected layers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.converters.activations import apply_activation
from stages.assemble.registry import Layer, converter


@converter("Dense")
def convert_dense(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Dense`` on inputs of any rank; config keys ``units``, ``use_bias``,
    ``activation``.

    A rank-2 input becomes one Gemm; higher ranks a MatMul over the last axis
    followed by the bias Add.
    """
    x = inputs[0]
    kernel = builder.initializer(weights["kernel"], "kernel")
    bias = builder.initializer(weights["bias"], "bias") if "bias" in weights else None
    if x.rank == 2 and bias is not None:
        value = builder.op1("Gemm", [x.name, kernel, bias])
    else:
        value = builder.op1("MatMul", [x.name, kernel])
        if bias is not None:
            value = builder.op1("Add", [value, bias])
    output = layer.output(value)
    return [apply_activation(builder, output, layer.config["activation"])]
