"""Element-wise Keras operations on one tensor that a functional model holds
outside any layer (``keras.ops.abs(x)``, ``-x``, ``keras.ops.sqrt(x)``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter
from stages.operations import UNARY_OPERATIONS

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
