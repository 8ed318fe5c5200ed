"""Normalization layers: batch, layer, group and unit normalization.

Every converter works in the physical layout of its input (``layout="any"``): the
normalized axes are mapped with ``tensor.axis``, and per-channel weights are laid out
like the input before they broadcast. ONNX's own operators are used where they
compute exactly what Keras does (BatchNormalization on the channel axis at physical
position 1, LayerNormalization over trailing axes from opset 17, GroupNormalization
with per-channel scale from opset 21); elsewhere the layer is decomposed into the
same mean, variance and ``1 / sqrt(variance + epsilon)`` steps Keras takes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter


def _laid_out(array: np.ndarray, x: Tensor, keras_axes: Sequence[int]) -> np.ndarray:
    """A weight over ``keras_axes`` of ``x`` (sorted), shaped to broadcast against
    ``x`` in its physical layout, as float32."""
    shape = [1] * x.rank
    for axis in sorted(a % x.rank for a in keras_axes):
        shape[axis] = int(x.shape[axis] or 1)
    full = np.reshape(array, shape)
    if x.perm is not None:
        full = np.transpose(full, x.perm)
    return full.astype(np.float32)


def _inverse_deviation(
    builder: GraphBuilder, centred: str, axes: Sequence[int], epsilon: float, dtype: str
) -> str:
    """``1 / sqrt(mean(centred ** 2) + epsilon)`` over ``axes``, kept as dims."""
    variance = builder.reduce(
        "ReduceMean", builder.op1("Mul", [centred, centred]), axes
    )
    shifted = builder.op1("Add", [variance, builder.scalar(epsilon, dtype, "epsilon")])
    return builder.op1("Reciprocal", [builder.op1("Sqrt", [shifted])])


def _scale_and_shift(
    builder: GraphBuilder, value: str, gamma: np.ndarray | None, beta: np.ndarray | None
) -> str:
    if gamma is not None:
        value = builder.op1("Mul", [value, builder.initializer(gamma, "gamma")])
    if beta is not None:
        value = builder.op1("Add", [value, builder.initializer(beta, "beta")])
    return value


@converter("BatchNormalization", layout="any")
def convert_batch_normalization(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``BatchNormalization`` at inference; config keys ``axis``, ``epsilon``,
    ``center``, ``scale``; weights ``moving_mean``, ``moving_variance`` and, when
    present, ``gamma`` and ``beta``.

    With the normalized axis at physical position 1 (a channels-first tensor, or the
    last axis of a rank-2 one) this is ONNX's BatchNormalization with the raw
    statistics, from opset 14. Below 14 the operator has no ``training_mode`` and
    tells inference from training only by its number of outputs, which onnx's own
    reference evaluator gets wrong; so there, and for any other axis, it is one Mul
    and one Add in the input's layout, folded
    as TensorFlow folds them, in float32: ``inv = gamma / sqrt(variance + epsilon)``
    and ``offset = beta - mean * inv``. Measured on the zoo, this reproduces
    TensorFlow's outputs bit for bit, where folding in float64 is off by an ulp.
    """
    x = inputs[0]
    config = layer.config
    axis = config["axis"]
    mean = weights["moving_mean"].astype(np.float32)
    variance = weights["moving_variance"].astype(np.float32)
    gamma = weights["gamma"].astype(np.float32) if config["scale"] else None
    beta = weights["beta"].astype(np.float32) if config["center"] else None

    if x.axis(axis) == 1 and builder.opset >= 14:
        ones, zeros = np.ones_like(mean), np.zeros_like(mean)
        parameters = [
            builder.initializer(a, hint)
            for a, hint in (
                (ones if gamma is None else gamma, "gamma"),
                (zeros if beta is None else beta, "beta"),
                (mean, "moving_mean"),
                (variance, "moving_variance"),
            )
        ]
        value = builder.op1(
            "BatchNormalization", [x.name, *parameters], epsilon=config["epsilon"]
        )
        return [x.like(value)]

    scale = np.float32(1.0) / np.sqrt(variance + np.float32(config["epsilon"]))
    if gamma is not None:
        scale = scale * gamma
    offset = -mean * scale if beta is None else beta - mean * scale
    value = builder.op1(
        "Mul", [x.name, builder.initializer(_laid_out(scale, x, [axis]), "scale")]
    )
    value = builder.op1(
        "Add", [value, builder.initializer(_laid_out(offset, x, [axis]), "offset")]
    )
    return [x.like(value)]


@converter("LayerNormalization", layout="any")
def convert_layer_normalization(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``LayerNormalization``; config keys ``axis`` (one or several),
    ``epsilon``, ``center``, ``scale``, ``rms_scaling``; weights ``gamma``, ``beta``.

    Over trailing physical axes from opset 17 this is ONNX's LayerNormalization.
    Otherwise, and always with ``rms_scaling``, it is decomposed: the mean and the
    (centred) variance over the axes, then ``(x - mean) / sqrt(variance + epsilon)``
    scaled and shifted. Keras's ``rms_scaling`` divides ``x`` itself, uncentred, by
    that same standard deviation and has no ``beta``; so does the converter.
    """
    x = inputs[0]
    config = layer.config
    keras_axes = sorted({a % x.rank for a in config["axis"]})
    axes = sorted(x.axis(a) for a in keras_axes)
    gamma = weights.get("gamma") if config["scale"] or config["rms_scaling"] else None
    beta = weights.get("beta") if config["center"] else None
    gamma_full = None if gamma is None else _laid_out(gamma, x, keras_axes)
    beta_full = None if beta is None else _laid_out(beta, x, keras_axes)
    epsilon = config["epsilon"]

    trailing = axes == list(range(x.rank - len(axes), x.rank))
    if builder.opset >= 17 and trailing and not config["rms_scaling"]:
        first = axes[0]
        if gamma_full is None:
            normalized = [int(x.shape[a] or 1) for a in keras_axes]
            gamma_full = _laid_out(np.ones(normalized), x, keras_axes)
        parameters = [
            builder.initializer(gamma_full.reshape(gamma_full.shape[first:]), "gamma")
        ]
        if beta_full is not None:
            parameters.append(
                builder.initializer(beta_full.reshape(beta_full.shape[first:]), "beta")
            )
        value = builder.op1(
            "LayerNormalization", [x.name, *parameters], axis=first, epsilon=epsilon
        )
        return [x.like(value)]

    mean = builder.reduce("ReduceMean", x.name, axes)
    centred = builder.op1("Sub", [x.name, mean])
    inverse = _inverse_deviation(builder, centred, axes, epsilon, x.dtype)
    if config["rms_scaling"]:
        value = builder.op1("Mul", [x.name, inverse])
        return [x.like(_scale_and_shift(builder, value, gamma_full, None))]
    value = builder.op1("Mul", [centred, inverse])
    return [x.like(_scale_and_shift(builder, value, gamma_full, beta_full))]


@converter("GroupNormalization", layout="any")
def convert_group_normalization(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``GroupNormalization``; config keys ``groups`` (-1: one per channel),
    ``axis``, ``epsilon``, ``center``, ``scale``; weights ``gamma``, ``beta``.

    The mean and variance of each group run over its channels and every other axis
    but the batch. From opset 21, with the channels at physical position 1, this is
    ONNX's GroupNormalization (per-channel scale and bias; the opset-18 operator
    takes them per group, which cannot express Keras's weights, and is not used).
    Otherwise the input is reshaped to split the channel axis into
    ``(groups, channels / groups)``, normalized over all axes but the batch and the
    groups, reshaped back, then scaled and shifted per channel.
    """
    x = inputs[0]
    config = layer.config
    if x.perm is not None and x.perm[0] != 0:
        x = builder.keras(x)
    axis = config["axis"] % x.rank
    channels = int(x.shape[axis])  # Keras needs it defined to build the layer
    groups = channels if config["groups"] == -1 else config["groups"]
    gamma = weights.get("gamma") if config["scale"] else None
    beta = weights.get("beta") if config["center"] else None
    position = x.axis(axis)
    epsilon = config["epsilon"]

    if builder.opset >= 21 and position == 1 and x.rank >= 3:
        scale = np.ones(channels) if gamma is None else gamma
        bias = np.zeros(channels) if beta is None else beta
        value = builder.op1(
            "GroupNormalization",
            [
                x.name,
                builder.initializer(np.asarray(scale, np.float32), "gamma"),
                builder.initializer(np.asarray(bias, np.float32), "beta"),
            ],
            epsilon=epsilon,
            num_groups=groups,
        )
        return [x.like(value)]

    grouped = builder.op1(
        "Reshape", [x.name, _grouped_shape(builder, x, position, groups, channels)]
    )
    axes = [a for a in range(1, x.rank + 1) if a != position]
    mean = builder.reduce("ReduceMean", grouped, axes)
    centred = builder.op1("Sub", [grouped, mean])
    inverse = _inverse_deviation(builder, centred, axes, epsilon, x.dtype)
    normalized = builder.op1("Mul", [centred, inverse])
    value = builder.op1("Reshape", [normalized, builder.op1("Shape", [x.name])])
    gamma_full = None if gamma is None else _laid_out(gamma, x, [axis])
    beta_full = None if beta is None else _laid_out(beta, x, [axis])
    return [x.like(_scale_and_shift(builder, value, gamma_full, beta_full))]


def _grouped_shape(
    builder: GraphBuilder, x: Tensor, position: int, groups: int, channels: int
) -> str:
    """The shape of ``x`` with physical axis ``position`` split into
    ``(groups, channels / groups)``.

    Axes before it keep their index, so Reshape copies them (0); axes after it are
    written out, one unknown one as -1; with more unknown ones the shape is taken
    from the graph.
    """
    physical = [x.shape[x.perm[i]] if x.perm else x.shape[i] for i in range(x.rank)]
    after = physical[position + 1 :]
    split = [groups, channels // groups]
    if sum(d is None for d in after) <= 1:
        tail = [-1 if d is None else int(d) for d in after]
        return builder.int64s([0] * position + split + tail, "grouped_shape")
    shape = builder.op1("Shape", [x.name])
    head = builder.op1(
        "Slice",
        [shape, builder.int64s([0], "starts"), builder.int64s([position], "ends")],
    )
    rest = builder.op1(
        "Slice",
        [
            shape,
            builder.int64s([position + 1], "starts"),
            builder.int64s([x.rank], "ends"),
        ],
    )
    return builder.op1("Concat", [head, builder.int64s(split, "groups"), rest], axis=0)


@converter("UnitNormalization", layout="any")
def convert_unit_normalization(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``UnitNormalization``; config key ``axis`` (one or several).

    As Keras: ``x * min(1 / sqrt(sum(x ** 2)), 1e12)`` over the axes, so that an
    all-zero slice stays zero.
    """
    x = inputs[0]
    axes = sorted({x.axis(a) for a in layer.config["axis"]})
    squares = builder.reduce("ReduceSumSquare", x.name, axes)
    inverse = builder.op1("Reciprocal", [builder.op1("Sqrt", [squares])])
    bounded = builder.op1("Min", [inverse, builder.scalar(1e12, x.dtype, "limit")])
    return [x.like(builder.op1("Mul", [x.name, bounded]))]
