"""Geometry shared by convolution and pooling: layouts, spatial sizes, padding.

ONNX convolution and pooling want channels-first data. A channels-last Keras layer
reads its input through :func:`channels_first_input` and marks its output as laid
out channels-first, so the next convolution needs no Transpose; a channels-first
Keras layer works in Keras order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.layout import Perm, channels_first

__all__ = ["channels_first_input", "output_perm", "same_pads", "spatial_sizes"]


def output_perm(config: Mapping[str, Any], rank: int) -> Perm | None:
    """The layout of a convolution's or pooling's output of Keras rank ``rank``."""
    return channels_first(rank) if config["data_format"] == "channels_last" else None


def channels_first_input(
    builder: GraphBuilder, x: Tensor, config: Mapping[str, Any]
) -> str:
    """``x`` laid out channels-first, whichever data format the layer has."""
    return builder.in_layout(x, output_perm(config, x.rank))


def spatial_sizes(x: Tensor, config: Mapping[str, Any]) -> list[int | None]:
    """The spatial dimensions of ``x`` in Keras order (None where dynamic)."""
    if config["data_format"] == "channels_last":
        return list(x.shape[1:-1])
    return list(x.shape[2:])


def same_pads(
    sizes: Sequence[int | None],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> list[int] | None:
    """TensorFlow's SAME padding as ONNX ``pads`` (all begins, then all ends): the
    output has ``ceil(size / stride)`` positions and any odd padding goes at the end.
    None when a spatial size is dynamic."""
    if any(size is None for size in sizes):
        return None
    begins, ends = [], []
    for size, k, s, d in zip(sizes, kernel, strides, dilations, strict=True):
        assert size is not None
        span = (k - 1) * d + 1
        total = max((math.ceil(size / s) - 1) * s + span - size, 0)
        begins.append(total // 2)
        ends.append(total - total // 2)
    return begins + ends


def padding_attributes(
    x: Tensor,
    config: Mapping[str, Any],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> dict[str, Any]:
    """``pads`` or ``auto_pad`` for a convolution or pooling node."""
    rank = len(kernel)
    padding = config["padding"]
    if padding == "valid":
        return {"pads": [0] * (2 * rank)}
    if padding == "causal":
        return {"pads": [(kernel[0] - 1) * dilations[0], 0]}
    pads = same_pads(spatial_sizes(x, config), kernel, strides, dilations)
    if pads is None:
        return {"auto_pad": "SAME_UPPER"}
    return {"pads": pads}
