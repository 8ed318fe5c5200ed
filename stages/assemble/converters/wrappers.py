"""Layers that wrap another layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter, lookup


@converter("TimeDistributed")
def convert_time_distributed(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``TimeDistributed``; config key ``layer`` (the wrapped layer's kind and
    normalized config).

    The batch and time axes are merged into one, the wrapped layer's converter runs
    on every step at once, and the two axes are split again. Shapes are computed
    in the graph, so batch and time may both be dynamic.
    """
    x = inputs[0]
    inner_kind = layer.config["layer"]["kind"]
    convert = lookup(inner_kind)
    assert convert is not None  # assembly checked wrapped kinds before converting

    shape = builder.op1("Shape", [x.name])
    rest = _slice(builder, shape, 2, x.rank)
    merged_shape = builder.op1(
        "Concat", [builder.int64s([-1], "minus_one"), rest], axis=0
    )
    merged = Tensor(
        builder.op1("Reshape", [x.name, merged_shape]), x.dtype, (None, *x.shape[2:])
    )

    output_shape = layer.output_shapes[0]
    inner = Layer(
        name=layer.name,
        kind=inner_kind,
        config=layer.config["layer"]["config"],
        output_shapes=((None, *output_shape[2:]),),
        output_dtypes=layer.output_dtypes,
    )
    (stepped,) = convert(inner, weights, [merged], builder)
    stepped = builder.keras(stepped)

    leading = _slice(builder, shape, 0, 2)
    step_shape = builder.op1("Shape", [stepped.name])
    trailing = _slice(builder, step_shape, 1, len(output_shape) - 1)
    split_shape = builder.op1("Concat", [leading, trailing], axis=0)
    return [layer.output(builder.op1("Reshape", [stepped.name, split_shape]))]


def _slice(builder: GraphBuilder, shape: str, start: int, end: int) -> str:
    """Elements ``start:end`` of a 1-D shape tensor."""
    return builder.op1(
        "Slice",
        [shape, builder.int64s([start], "start"), builder.int64s([end], "end")],
    )
