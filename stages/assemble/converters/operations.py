"""Keras operations on one tensor that a functional model holds outside any
layer: element-wise (``keras.ops.abs(x)``, ``-x``, ``keras.ops.sqrt(x)``) and
reductions (``keras.ops.mean(x, axis=1)``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter
from stages.console import AirlockError
from stages.operations import REDUCTIONS, UNARY_OPERATIONS

#: The ONNX operator of each Keras operation; ``Square`` multiplies ``x`` by itself.
_OPERATORS = {
    "Absolute": "Abs",
    "Exp": "Exp",
    "Log": "Log",
    "Negative": "Neg",
    "Sign": "Sign",
    "Sqrt": "Sqrt",
    "Square": "Mul",
}


@converter(*UNARY_OPERATIONS, layout="any")
def convert_unary(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras's ``Absolute``, ``Exp``, ``Log``, ``Negative``, ``Sign``, ``Sqrt``
    and ``Square`` operations; they have no config keys. An integer tensor is
    first cast to the dtype Keras gives the result (``keras.ops.sqrt`` of int32
    ids is float32), as Keras computes it; the value keeps its layout."""
    x = builder.cast(inputs[0], layer.output_dtypes[0])
    operator = _OPERATORS[layer.kind]
    operands = [x.name, x.name] if operator == "Mul" else [x.name]
    return [layer.output(builder.op1(operator, operands), perm=x.perm)]


#: The ONNX operator of each Keras reduction.
_REDUCERS = {
    "Max": "ReduceMax",
    "Mean": "ReduceMean",
    "Min": "ReduceMin",
    "Sum": "ReduceSum",
}


@converter(*REDUCTIONS)
def convert_reduction(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras's ``Mean``, ``Sum``, ``Max`` and ``Min`` operations; config keys
    ``axis`` (an axis, a list of them, or None for every axis, the batch's too)
    and ``keepdims``. An integer tensor is first cast to the dtype Keras gives
    the result (the mean of int32 ids is float32)."""
    x = builder.cast(inputs[0], layer.output_dtypes[0])
    axes = layer.config["axis"]
    if axes is None:
        axes = list(range(x.rank))
    if any(not -x.rank <= axis < x.rank for axis in axes):
        raise AirlockError(
            f"operation {layer.name!r} ({layer.kind}): axis={axes} is out of range "
            f"for a tensor of rank {x.rank}"
        )
    axes = sorted({axis % x.rank for axis in axes})
    value = builder.reduce(
        _REDUCERS[layer.kind], x.name, axes, keepdims=layer.config["keepdims"]
    )
    return [layer.output(value)]
