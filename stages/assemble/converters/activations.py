"""Activation functions and the activation layers.

``ACTIVATIONS`` maps every normalized activation name (Keras 3 semantics) to the
nodes that compute it; ``Dense`` and other layers with an ``activation`` key use it
through :func:`apply_activation`. Where an operator exists only from some opset on
(Gelu 20, Mish 18, HardSwish 14), lower opsets get an exact decomposition.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter
from stages.console import AirlockError

__all__ = ["ACTIVATIONS", "apply_activation"]

Activation = Callable[[GraphBuilder, Tensor], str]

# Keras's SELU constants, which differ from ONNX's defaults in the last digits.
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _op(op_type: str, **attributes: float | int | str) -> Activation:
    return lambda builder, x: builder.op1(op_type, [x.name], **attributes)


def _relu6(builder: GraphBuilder, x: Tensor) -> str:
    return builder.op1(
        "Clip",
        [
            x.name,
            builder.scalar(0.0, x.dtype, "min"),
            builder.scalar(6.0, x.dtype, "max"),
        ],
    )


def _hard_silu(builder: GraphBuilder, x: Tensor) -> str:
    # Keras: x * relu6(x + 3) / 6, which is ONNX's HardSwish.
    if builder.opset >= 14:
        return builder.op1("HardSwish", [x.name])
    gate = builder.op1("HardSigmoid", [x.name], alpha=1.0 / 6.0, beta=0.5)
    return builder.op1("Mul", [x.name, gate])


def _silu(builder: GraphBuilder, x: Tensor) -> str:
    return builder.op1("Mul", [x.name, builder.op1("Sigmoid", [x.name])])


def _mish(builder: GraphBuilder, x: Tensor) -> str:
    if builder.opset >= 18:
        return builder.op1("Mish", [x.name])
    softplus = builder.op1("Softplus", [x.name])
    return builder.op1("Mul", [x.name, builder.op1("Tanh", [softplus])])


def _gelu(builder: GraphBuilder, x: Tensor) -> str:
    # Exact: 0.5 * x * (1 + erf(x / sqrt(2))).
    if builder.opset >= 20:
        return builder.op1("Gelu", [x.name], approximate="none")
    scaled = builder.op1("Mul", [x.name, builder.scalar(1.0 / math.sqrt(2.0), x.dtype)])
    return _half_x_times_one_plus(builder, x, builder.op1("Erf", [scaled]))


def _gelu_tanh(builder: GraphBuilder, x: Tensor) -> str:
    # 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))).
    if builder.opset >= 20:
        return builder.op1("Gelu", [x.name], approximate="tanh")
    cube = builder.op1("Mul", [x.name, builder.op1("Mul", [x.name, x.name])])
    inner = builder.op1(
        "Add",
        [x.name, builder.op1("Mul", [cube, builder.scalar(0.044715, x.dtype)])],
    )
    scaled = builder.op1(
        "Mul", [inner, builder.scalar(math.sqrt(2.0 / math.pi), x.dtype)]
    )
    return _half_x_times_one_plus(builder, x, builder.op1("Tanh", [scaled]))


def _half_x_times_one_plus(builder: GraphBuilder, x: Tensor, value: str) -> str:
    one_plus = builder.op1("Add", [value, builder.scalar(1.0, x.dtype)])
    half_x = builder.op1("Mul", [x.name, builder.scalar(0.5, x.dtype)])
    return builder.op1("Mul", [half_x, one_plus])


ACTIVATIONS: dict[str, Activation] = {
    "elu": _op("Elu", alpha=1.0),
    "exponential": _op("Exp"),
    "gelu": _gelu,
    "gelu_tanh": _gelu_tanh,
    "hard_sigmoid": _op("HardSigmoid", alpha=1.0 / 6.0, beta=0.5),
    "hard_sigmoid_keras2": _op("HardSigmoid", alpha=0.2, beta=0.5),
    "hard_silu": _hard_silu,
    "leaky_relu": _op("LeakyRelu", alpha=0.2),
    "log_softmax": lambda builder, x: builder.op1(
        "LogSoftmax", [x.name], axis=x.axis(-1)
    ),
    "mish": _mish,
    "relu": _op("Relu"),
    "relu6": _relu6,
    "selu": _op("Selu", alpha=SELU_ALPHA, gamma=SELU_SCALE),
    "sigmoid": _op("Sigmoid"),
    "silu": _silu,
    "softmax": lambda builder, x: builder.op1("Softmax", [x.name], axis=x.axis(-1)),
    "softplus": _op("Softplus"),
    "softsign": _op("Softsign"),
    "tanh": _op("Tanh"),
}


def apply_activation(builder: GraphBuilder, x: Tensor, name: str) -> Tensor:
    """``x`` through the activation ``name``; ``linear`` adds no node."""
    if name == "linear":
        return x
    return x.like(ACTIVATIONS[name](builder, x))


@converter("Activation", layout="any")
def convert_activation(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Activation``; config key ``activation``."""
    return [apply_activation(builder, inputs[0], layer.config["activation"])]


@converter("ReLU", layout="any")
def convert_relu(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``ReLU``; config keys ``max_value``, ``negative_slope``, ``threshold``.

    Follows Keras step by step: values above the threshold pass (a zero threshold
    is a plain ReLU), the result is clipped to ``[0, max_value]``, and
    ``negative_slope * relu(threshold - x)`` is subtracted.
    """
    x = inputs[0]
    max_value = layer.config["max_value"]
    slope = layer.config["negative_slope"]
    threshold = layer.config["threshold"]

    if slope != 0.0 and max_value is None and threshold == 0.0:
        return [x.like(builder.op1("LeakyRelu", [x.name], alpha=slope))]

    if threshold != 0.0 or slope != 0.0:
        limit = builder.scalar(threshold, x.dtype, "threshold")
    if threshold != 0.0:
        above = builder.op1("Greater", [x.name, limit])
        zero = builder.scalar(0.0, x.dtype, "zero")
        positive = builder.op1("Where", [above, x.name, zero])
    else:
        positive = builder.op1("Relu", [x.name])
    if max_value is not None:
        low = builder.scalar(0.0, x.dtype, "min")
        high = builder.scalar(max_value, x.dtype, "max")
        positive = builder.op1("Clip", [positive, low, high])

    if slope != 0.0:
        shifted = builder.op1("Sub", [limit, x.name])
        negative = builder.op1(
            "Mul",
            [builder.op1("Relu", [shifted]), builder.scalar(slope, x.dtype, "slope")],
        )
        positive = builder.op1("Sub", [positive, negative])
    return [x.like(positive)]


@converter("LeakyReLU", layout="any")
def convert_leaky_relu(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``LeakyReLU``; config key ``negative_slope`` (Keras 2: ``alpha``)."""
    x = inputs[0]
    slope = layer.config["negative_slope"]
    return [x.like(builder.op1("LeakyRelu", [x.name], alpha=slope))]


@converter("PReLU", layout="any")
def convert_prelu(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``PReLU``; weight ``alpha``, config key ``shared_axes``.

    ``alpha`` is saved with size 1 on the shared axes, so it broadcasts as it is,
    once laid out like the input.
    """
    x = inputs[0]
    alpha = weights["alpha"][np.newaxis]
    if x.perm is not None:
        alpha = np.transpose(alpha, x.perm)
    slope = builder.initializer(alpha, "alpha")
    return [x.like(builder.op1("PRelu", [x.name, slope]))]


@converter("ELU", layout="any")
def convert_elu(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``ELU``; config key ``alpha``."""
    x = inputs[0]
    alpha = layer.config["alpha"]
    return [x.like(builder.op1("Elu", [x.name], alpha=alpha))]


@converter("Softmax", layout="any")
def convert_softmax(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Softmax``; config key ``axis`` (one axis or several).

    One axis is ONNX's Softmax; several axes are computed as
    ``exp(x - max) / sum(exp(x - max))`` over all of them. A mask input is not
    supported.
    """
    x = inputs[0]
    if len(inputs) > 1:
        raise AirlockError(f"layer {layer.name!r}: a Softmax mask is not supported")
    axes = sorted({x.axis(axis) for axis in layer.config["axis"]})
    if len(axes) == 1:
        return [x.like(builder.op1("Softmax", [x.name], axis=axes[0]))]
    peak = builder.reduce("ReduceMax", x.name, axes)
    exponent = builder.op1("Exp", [builder.op1("Sub", [x.name, peak])])
    total = builder.reduce("ReduceSum", exponent, axes)
    return [x.like(builder.op1("Div", [exponent, total]))]
