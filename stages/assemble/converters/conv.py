"""Convolutions: regular, depthwise, separable and transposed, in 1, 2 and 3 D.

Keras kernels are spatial-first (``(*kernel, in, out)``); ONNX wants
``(out, in, *kernel)`` for Conv and ``(in, out, *kernel)`` for ConvTranspose, so the
weights are transposed once here. Outputs of channels-last layers stay
channels-first in the graph (see :mod:`stages.assemble.spatial`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.converters.activations import apply_activation
from stages.assemble.registry import Layer, converter
from stages.assemble.spatial import (
    channels_first_input,
    output_perm,
    padding_attributes,
    spatial_sizes,
)
from stages.console import AirlockError

KINDS = ("Conv1D", "Conv2D", "Conv3D")
DEPTHWISE_KINDS = ("DepthwiseConv1D", "DepthwiseConv2D")
SEPARABLE_KINDS = ("SeparableConv1D", "SeparableConv2D")
TRANSPOSE_KINDS = ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")


def _onnx_kernel(kernel: np.ndarray) -> np.ndarray:
    """``(*spatial, a, b)`` to ``(b, a, *spatial)``."""
    rank = kernel.ndim - 2
    return np.ascontiguousarray(np.transpose(kernel, (rank + 1, rank, *range(rank))))


def _finish(builder: GraphBuilder, layer: Layer, value: str, x: Tensor) -> list[Tensor]:
    output = layer.output(value, perm=output_perm(layer.config, x.rank))
    return [apply_activation(builder, output, layer.config["activation"])]


def _conv_node(
    builder: GraphBuilder,
    x: Tensor,
    data: str,
    kernel: np.ndarray,
    bias: np.ndarray | None,
    config: Mapping[str, Any],
    group: int,
) -> str:
    inputs = [data, builder.initializer(_onnx_kernel(kernel), "kernel")]
    if bias is not None:
        inputs.append(builder.initializer(bias, "bias"))
    attributes = padding_attributes(
        x, config, config["kernel_size"], config["strides"], config["dilation_rate"]
    )
    return builder.op1(
        "Conv",
        inputs,
        kernel_shape=list(config["kernel_size"]),
        strides=list(config["strides"]),
        dilations=list(config["dilation_rate"]),
        group=group,
        **attributes,
    )


@converter(*KINDS, layout="any")
def convert_conv(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Conv1D``/``Conv2D``/``Conv3D``; config keys ``filters``,
    ``kernel_size``, ``strides``, ``padding`` (``valid``, ``same``, ``causal`` in 1D),
    ``data_format``, ``dilation_rate``, ``groups``, ``use_bias``, ``activation``."""
    x = inputs[0]
    data = channels_first_input(builder, x, layer.config)
    value = _conv_node(
        builder,
        x,
        data,
        weights["kernel"],
        weights.get("bias"),
        layer.config,
        layer.config["groups"],
    )
    return _finish(builder, layer, value, x)


def _depthwise_kernel(kernel: np.ndarray) -> np.ndarray:
    """``(*spatial, in, multiplier)`` as a grouped kernel ``(*spatial, 1, in * m)``;
    output channel ``c * m + j`` as in TensorFlow."""
    *spatial, channels, multiplier = kernel.shape
    return kernel.reshape(*spatial, 1, channels * multiplier)


@converter(*DEPTHWISE_KINDS, layout="any")
def convert_depthwise_conv(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``DepthwiseConv1D``/``DepthwiseConv2D``: a Conv with one group per
    input channel; config keys as Conv plus ``depth_multiplier``."""
    x = inputs[0]
    kernel = weights["kernel"]
    data = channels_first_input(builder, x, layer.config)
    value = _conv_node(
        builder,
        x,
        data,
        _depthwise_kernel(kernel),
        weights.get("bias"),
        layer.config,
        kernel.shape[-2],
    )
    return _finish(builder, layer, value, x)


@converter(*SEPARABLE_KINDS, layout="any")
def convert_separable_conv(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``SeparableConv1D``/``SeparableConv2D``: a depthwise Conv (strides,
    padding, dilation) then a pointwise 1x1 Conv with the bias; config keys as Conv
    plus ``depth_multiplier``."""
    x = inputs[0]
    depthwise = weights["depthwise_kernel"]
    data = channels_first_input(builder, x, layer.config)
    spread = _conv_node(
        builder,
        x,
        data,
        _depthwise_kernel(depthwise),
        None,
        layer.config,
        depthwise.shape[-2],
    )
    pointwise = weights["pointwise_kernel"]
    ones = [1] * (pointwise.ndim - 2)
    pointwise_config = {
        **layer.config,
        "kernel_size": ones,
        "strides": ones,
        "dilation_rate": ones,
        "padding": "valid",
    }
    value = _conv_node(
        builder, x, spread, pointwise, weights.get("bias"), pointwise_config, 1
    )
    return _finish(builder, layer, value, x)


def _transpose_geometry(layer: Layer, x: Tensor) -> tuple[list[int], list[int]]:
    """ONNX ``pads`` and ``output_padding`` that give Keras's output positions.

    TensorFlow computes a transposed convolution as the gradient of the forward
    convolution from the output size back to the input size; the forward
    convolution's leading padding is where the output starts.
    """
    config = layer.config
    sizes = spatial_sizes(x, config)
    out_shape = layer.output_shapes[0]
    out_sizes = (
        out_shape[1:-1] if config["data_format"] == "channels_last" else out_shape[2:]
    )
    begins, ends, extra = [], [], []
    for index, (size, out) in enumerate(zip(sizes, out_sizes, strict=True)):
        k = config["kernel_size"][index]
        s = config["strides"][index]
        d = config["dilation_rate"][index]
        span = (k - 1) * d + 1
        if size is None or out is None:
            raise AirlockError(
                f"layer {layer.name!r}: a transposed convolution needs static "
                f"spatial sizes; received input {list(x.shape)}"
            )
        begin = 0
        if config["padding"] == "same":
            begin = max((math.ceil(out / s) - 1) * s + span - out, 0) // 2
        end = (size - 1) * s + span - begin - out
        begins.append(begin)
        ends.append(max(end, 0))
        extra.append(max(-end, 0))
        if extra[-1] >= max(s, d):
            raise AirlockError(
                f"layer {layer.name!r}: output size {out} cannot be produced by "
                f"ONNX ConvTranspose from input size {size}"
            )
    return begins + ends, extra


@converter(*TRANSPOSE_KINDS, layout="any")
def convert_conv_transpose(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Conv1DTranspose``/``Conv2DTranspose``/``Conv3DTranspose``; config
    keys ``filters``, ``kernel_size``, ``strides``, ``padding``, ``output_padding``,
    ``data_format``, ``dilation_rate``, ``use_bias``, ``activation``. Needs static
    spatial sizes, from which the exact padding is derived."""
    x = inputs[0]
    config = layer.config
    pads, output_padding = _transpose_geometry(layer, x)
    data = channels_first_input(builder, x, config)
    node_inputs = [data, builder.initializer(_onnx_kernel(weights["kernel"]), "kernel")]
    if "bias" in weights:
        node_inputs.append(builder.initializer(weights["bias"], "bias"))
    value = builder.op1(
        "ConvTranspose",
        node_inputs,
        kernel_shape=list(config["kernel_size"]),
        strides=list(config["strides"]),
        dilations=list(config["dilation_rate"]),
        pads=pads,
        output_padding=output_padding,
    )
    return _finish(builder, layer, value, x)
