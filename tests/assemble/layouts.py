"""Run one converter on inputs in chosen physical layouts.

``helpers.one_layer`` builds a whole interchange file, whose inputs are always in
Keras order. Converters registered with ``layout="any"`` must also honour inputs
that a convolution left channels-first; this harness feeds them such inputs
directly, brings the result back to Keras order as assembly does for a graph
output, checks the graph and evaluates it with onnx's reference evaluator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import helper
from onnx.reference import ReferenceEvaluator

import stages.assemble.converters  # noqa: F401  (registers every converter)
from stages import compat
from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.layout import Perm
from stages.assemble.registry import Layer, accepts_any_layout, lookup

#: Channels-first layouts by rank, as convolutions leave their outputs.
CHANNELS_FIRST: dict[int, Perm] = {3: (0, 2, 1), 4: (0, 3, 1, 2), 5: (0, 4, 1, 2, 3)}


@dataclass(frozen=True)
class Result:
    """The layer's output in Keras order, its layout and the graph that made it."""

    value: np.ndarray
    perm: Perm | None
    model: onnx.ModelProto

    def count(self, op_type: str) -> int:
        return sum(node.op_type == op_type for node in self.model.graph.node)


def convert(
    kind: str,
    config: Mapping[str, Any],
    inputs: Sequence[np.ndarray],
    output_shape: Sequence[int],
    opset: int,
    perms: Sequence[Perm | None] | None = None,
    weights: Mapping[str, np.ndarray] | None = None,
) -> Result:
    """Convert one layer of ``kind`` with ``weights`` reading ``inputs`` (Keras
    order, laid out in the graph as ``perms``) and evaluate it; ``output_shape``
    is Keras's."""
    perms = list(perms or [None] * len(inputs))
    builder = GraphBuilder(opset)
    tensors, graph_inputs, feeds = [], [], {}
    for index, (array, perm) in enumerate(zip(inputs, perms, strict=True)):
        name = f"x{index}"
        builder.reserve(name)
        dtype = str(array.dtype)
        tensors.append(Tensor(name, dtype, (None, *array.shape[1:]), perm))
        physical = array if perm is None else np.transpose(array, perm)
        feeds[name] = physical
        graph_inputs.append(
            helper.make_tensor_value_info(
                name, helper.np_dtype_to_tensor_dtype(array.dtype), physical.shape
            )
        )

    layer = Layer(
        name="layer",
        kind=kind,
        config=config,
        output_shapes=((None, *output_shape[1:]),),
        output_dtypes=(str(inputs[0].dtype),),
    )
    function = lookup(kind)
    assert function is not None, kind
    builder.scope(layer.name)
    if not accepts_any_layout(kind):
        tensors = [builder.keras(tensor) for tensor in tensors]
    (output,) = function(layer, weights or {}, tensors, builder)
    builder.scope("y")
    value = builder.keras(output).name
    builder.nodes.append(helper.make_node("Identity", [value], ["y"], name="y"))

    element_type = helper.np_dtype_to_tensor_dtype(inputs[0].dtype)
    graph = helper.make_graph(
        builder.nodes,
        "harness",
        graph_inputs,
        [helper.make_tensor_value_info("y", element_type, list(output_shape))],
        initializer=builder.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset)],
        ir_version=compat.IR_VERSION_FOR_OPSET[opset],
    )
    onnx.checker.check_model(model, full_check=True)
    (y,) = ReferenceEvaluator(model).run(None, feeds)
    return Result(np.asarray(y), output.perm, model)
