"""Layers that merge several inputs into one: element-wise merges, Concatenate, Dot.

Merges work in any layout: when every input has the same rank and the same
physical layout, the nodes run on the values as they are and the result keeps that
layout. Otherwise the inputs are brought to Keras order first. Keras broadcasts
inputs of different ranks by inserting axes of size 1 right after the batch axis
until the ranks agree, then applies numpy broadcasting; the element-wise converters
do the same with Unsqueeze.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.layout import Perm, is_identity
from stages.assemble.registry import Layer, converter
from stages.console import AirlockError

__all__ = ["L2_EPSILON"]

#: ``keras.backend.epsilon()`` with Keras's default configuration: the smallest
#: norm ``Dot(normalize=True)`` divides by.
L2_EPSILON = 1e-7


def _layout(tensor: Tensor) -> Perm | None:
    return None if is_identity(tensor.perm) else tensor.perm


def _check_dtypes(layer: Layer, inputs: Sequence[Tensor]) -> None:
    """Keras declares the merge's output dtype but computes in the inputs' dtype;
    the two agree only when every input already has the output's dtype."""
    dtypes = [t.dtype for t in inputs]
    if any(dtype != layer.output_dtypes[0] for dtype in dtypes):
        raise AirlockError(
            f"layer {layer.name!r} ({layer.kind}): inputs of dtypes "
            f"{', '.join(dtypes)} are not supported; every input must be "
            f"{layer.output_dtypes[0]}, the layer's output dtype"
        )


def _aligned(
    inputs: Sequence[Tensor], builder: GraphBuilder
) -> tuple[list[str], Perm | None]:
    """The input values with equal ranks in one layout, and that layout.

    Inputs that share their rank and layout are used as they are. Otherwise each
    goes to Keras order and a lower-rank input gets axes of size 1 after its batch
    axis, as Keras inserts them.
    """
    layouts = {_layout(t) for t in inputs}
    ranks = {t.rank for t in inputs}
    if len(layouts) == 1 and len(ranks) == 1:
        return [t.name for t in inputs], layouts.pop()

    rank = max(ranks)
    values = []
    for tensor in inputs:
        value = builder.in_layout(tensor, None)
        if tensor.rank < rank:
            axes = builder.int64s(range(1, 1 + rank - tensor.rank), "axes")
            value = builder.op1("Unsqueeze", [value, axes])
        values.append(value)
    return values, None


Merge = Callable[[Layer, list[str], GraphBuilder], str]


def _chain(op_type: str) -> Merge:
    """``((x0 op x1) op x2) ...``, in the order Keras applies the operation."""

    def merge(layer: Layer, values: list[str], builder: GraphBuilder) -> str:
        result = values[0]
        for value in values[1:]:
            result = builder.op1(op_type, [result, value])
        return result

    return merge


def _variadic(op_type: str) -> Merge:
    def merge(layer: Layer, values: list[str], builder: GraphBuilder) -> str:
        return values[0] if len(values) == 1 else builder.op1(op_type, values)

    return merge


def _subtract(layer: Layer, values: list[str], builder: GraphBuilder) -> str:
    if len(values) != 2:
        raise AirlockError(
            f"layer {layer.name!r} (Subtract): needs exactly 2 inputs, "
            f"received {len(values)}"
        )
    return builder.op1("Sub", values)


def _average(layer: Layer, values: list[str], builder: GraphBuilder) -> str:
    # Keras adds the inputs one by one, then divides by their count.
    total = _chain("Add")(layer, values, builder)
    if len(values) == 1:
        return total
    count = builder.scalar(len(values), layer.output_dtypes[0], "count")
    return builder.op1("Div", [total, count])


def _binary(op_type: str) -> Merge:
    """``x0 op x1`` of an operation written outside a layer (``x / y``)."""

    def merge(layer: Layer, values: list[str], builder: GraphBuilder) -> str:
        if len(values) != 2:
            raise AirlockError(
                f"operation {layer.name!r} ({layer.kind}): needs exactly 2 "
                f"operands, received {len(values)}"
            )
        return builder.op1(op_type, values)

    return merge


ELEMENTWISE: dict[str, Merge] = {
    "Add": _chain("Add"),
    "Average": _average,
    "Divide": _binary("Div"),
    "Maximum": _variadic("Max"),
    "Minimum": _variadic("Min"),
    "Multiply": _chain("Mul"),
    "Power": _binary("Pow"),
    "Subtract": _subtract,
    "TrueDivide": _binary("Div"),
}


@converter(*ELEMENTWISE, layout="any")
def convert_elementwise(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum`` and
    ``Minimum``; no config key changes what they compute. ``TrueDivide``,
    ``Divide`` and ``Power`` are the operations ``x / y``, ``keras.ops.divide``
    and ``x ** y`` written outside a layer, with two operands.

    Inputs of different ranks are broadcast as Keras does (see the module
    docstring). Masks are not carried through the graph, so the masked forms of
    these merges are not reproduced. ``x + 3.0`` in a functional model comes as
    an ``Add`` of one input with config key ``scalar_operand`` (the number and
    its position among the operands), a constant of the output's dtype here.
    """
    _check_dtypes(layer, inputs)
    values, perm = _aligned(inputs, builder)
    operand = layer.config.get("scalar_operand")
    if operand is not None:
        number = builder.scalar(operand["value"], layer.output_dtypes[0], "operand")
        values.insert(operand["index"], number)
    value = ELEMENTWISE[layer.kind](layer, values, builder)
    return [layer.output(value, perm=perm)]


@converter("Concatenate", layout="any")
def convert_concatenate(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Concatenate``; config key ``axis`` (any axis, negative counts from
    the end). Inputs that share a layout are joined along the axis where that
    layout keeps Keras's ``axis``."""
    _check_dtypes(layer, inputs)
    ranks = {t.rank for t in inputs}
    if len(ranks) != 1:
        raise AirlockError(
            f"layer {layer.name!r} (Concatenate): inputs of ranks "
            f"{', '.join(str(t.rank) for t in inputs)} cannot be concatenated"
        )
    if len({_layout(t) for t in inputs}) != 1:
        inputs = [builder.keras(t) for t in inputs]
    first = inputs[0]
    axis = layer.config["axis"]
    if not -first.rank <= axis < first.rank:
        raise AirlockError(
            f"layer {layer.name!r} (Concatenate): axis={axis} is out of range for "
            f"inputs of rank {first.rank}"
        )
    if len(inputs) == 1:
        return [first]
    value = builder.op1("Concat", [t.name for t in inputs], axis=first.axis(axis))
    return [layer.output(value, perm=_layout(first))]


@converter("Dot", layout="any")
def convert_dot(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Dot``; config keys ``axes`` (one axis per input, negative counts
    from the end of that input) and ``normalize``.

    Keras's ``batch_dot``: the result holds, for each sample, the sum over the two
    named axes of the products, with the first input's remaining axes before the
    second's; a result of rank 1 gets a trailing axis of size 1. One Einsum
    computes it from the inputs in whatever layout they are. With ``normalize``,
    each input is first scaled by ``min(1 / sqrt(sum of squares), 1 / epsilon)``
    along its axis, as Keras does with ``epsilon = 1e-7``.
    """
    _check_dtypes(layer, inputs)
    if len(inputs) != 2:
        raise AirlockError(
            f"layer {layer.name!r} (Dot): needs exactly 2 inputs, "
            f"received {len(inputs)}"
        )
    axes = []
    for tensor, axis in zip(inputs, layer.config["axes"], strict=True):
        keras_axis = axis % tensor.rank if -tensor.rank <= axis < tensor.rank else 0
        if keras_axis == 0:
            raise AirlockError(
                f"layer {layer.name!r} (Dot): axes={layer.config['axes']} names the "
                f"batch axis or an axis outside an input of rank {tensor.rank}"
            )
        axes.append(keras_axis)

    values = [t.name for t in inputs]
    if layer.config["normalize"]:
        values = [
            _l2_normalize(builder, t, t.axis(a))
            for t, a in zip(inputs, axes, strict=True)
        ]

    equation = _batch_dot_equation(inputs, axes)
    value = builder.op1("Einsum", values, equation=equation)
    if equation.endswith("->a"):
        value = builder.op1("Unsqueeze", [value, builder.int64s([1], "axes")])
    return [layer.output(value)]


def _batch_dot_equation(inputs: Sequence[Tensor], axes: Sequence[int]) -> str:
    """The Einsum equation of ``batch_dot`` over Keras ``axes``, for operands in
    their physical layouts and a result in Keras order.

    Each Keras axis gets a letter: ``a`` the batch axis, ``b`` the summed axes,
    the others their own; an operand spells its letters in physical order.
    """
    letters = iter(string.ascii_lowercase[2:])
    labels = [
        [
            "a" if k == 0 else "b" if k == summed else next(letters)
            for k in range(t.rank)
        ]
        for t, summed in zip(inputs, axes, strict=True)
    ]
    result = "a" + "".join(
        label for keras_labels in labels for label in keras_labels[1:] if label != "b"
    )
    operands = [
        "".join(keras_labels[k] for k in t.perm or range(t.rank))
        for t, keras_labels in zip(inputs, labels, strict=True)
    ]
    return f"{','.join(operands)}->{result}"


def _l2_normalize(builder: GraphBuilder, x: Tensor, axis: int) -> str:
    """``x * min(rsqrt(sum(x ** 2, axis)), 1 / epsilon)``: Keras's L2 normalize."""
    squares = builder.reduce("ReduceSumSquare", x.name, [axis])
    inverse = builder.op1("Reciprocal", [builder.op1("Sqrt", [squares])])
    limit = builder.scalar(1.0 / L2_EPSILON, x.dtype, "inverse_epsilon")
    return builder.op1("Mul", [x.name, builder.op1("Min", [inverse, limit])])
