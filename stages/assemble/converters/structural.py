"""Layers that pad, crop, up-sample or shuffle the axes of a tensor.

Padding, cropping and up-sampling act on the spatial axes of a tensor, wherever its
layout puts them, so they keep their input's layout: a channels-first tensor from a
convolution stays channels-first. ``data_format`` says which Keras axes are
spatial: ``1 .. rank - 2`` for ``channels_last``, ``2 .. rank - 1`` for
``channels_first``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.layout import is_identity
from stages.assemble.registry import Layer, converter

__all__ = ["spatial_axes"]

#: Slice's end for "up to the end of the axis", whatever its length.
_TO_THE_END = np.iinfo(np.int64).max


def spatial_axes(data_format: str, rank: int) -> list[int]:
    """The Keras axes that a layer with ``data_format`` treats as spatial."""
    first = 2 if data_format == "channels_first" else 1
    return list(range(first, first + rank - 2))


@converter("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", layout="any")
def convert_zero_padding(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``ZeroPadding1D/2D/3D``; config keys ``padding`` (one
    ``[before, after]`` pair per spatial axis) and ``data_format``."""
    x = inputs[0]
    begins, ends = [0] * x.rank, [0] * x.rank
    axes = spatial_axes(layer.config["data_format"], x.rank)
    for axis, (before, after) in zip(axes, layer.config["padding"], strict=True):
        begins[x.axis(axis)], ends[x.axis(axis)] = before, after
    pads = builder.int64s(begins + ends, "pads")
    return [layer.output(builder.op1("Pad", [x.name, pads]), perm=x.perm)]


@converter("Cropping1D", "Cropping2D", "Cropping3D", layout="any")
def convert_cropping(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Cropping1D/2D/3D``; config keys ``cropping`` (one
    ``[before, after]`` pair per spatial axis) and ``data_format``.

    One Slice; an axis cropped by ``after`` ends ``after`` before its end, so
    spatial axes of unknown length work too.
    """
    x = inputs[0]
    axes = spatial_axes(layer.config["data_format"], x.rank)
    crops = list(zip(axes, layer.config["cropping"], strict=True))
    starts = builder.int64s([before for _, (before, _) in crops], "starts")
    ends = builder.int64s(
        [-after if after else _TO_THE_END for _, (_, after) in crops], "ends"
    )
    physical = builder.int64s([x.axis(axis) for axis, _ in crops], "axes")
    value = builder.op1("Slice", [x.name, starts, ends, physical])
    return [layer.output(value, perm=x.perm)]


@converter("UpSampling1D", "UpSampling2D", "UpSampling3D", layout="any")
def convert_up_sampling(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``UpSampling1D/2D/3D``; config keys ``size`` (one factor per spatial
    axis), ``data_format`` and ``interpolation`` (``nearest`` or, in 2-D,
    ``bilinear``).

    One Resize with the factors as scales. ``nearest`` repeats every element
    ``size`` times, as Keras does: with ``half_pixel`` coordinates the source
    position of output ``k * size + r`` is ``k + (r + 0.5) / size - 0.5``, which
    rounds to ``k`` with a margin of ``0.5 / size``. ``bilinear`` is
    ``tf.image.resize``'s, which samples at half-pixel centres and clamps at the
    borders: ONNX's ``linear`` mode with ``half_pixel`` coordinates.
    """
    x = inputs[0]
    config = layer.config
    scales = [1.0] * x.rank
    axes = spatial_axes(config["data_format"], x.rank)
    for axis, factor in zip(axes, config["size"], strict=True):
        scales[x.axis(axis)] = float(factor)
    attributes: dict[str, str] = {"coordinate_transformation_mode": "half_pixel"}
    if config["interpolation"] == "bilinear":
        attributes["mode"] = "linear"
    else:
        attributes.update(mode="nearest", nearest_mode="round_prefer_floor")
    value = builder.op1(
        "Resize",
        [x.name, "", builder.initializer(np.array(scales, np.float32), "scales")],
        **attributes,
    )
    return [layer.output(value, perm=x.perm)]


@converter("Permute", layout="any")
def convert_permute(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Permute``; config key ``dims`` (the input axis each output axis
    takes, from 1). One Transpose from the input's layout straight to Keras order
    of the output.

    When the input's layout already is that order (a channels-first tensor
    permuted to channels-first), an Identity gives the value its own name: one
    name stands for one layout in the graph.
    """
    x = inputs[0]
    order = [x.axis(axis) for axis in (0, *layer.config["dims"])]
    if order != list(range(x.rank)):
        return [layer.output(builder.op1("Transpose", [x.name], perm=order))]
    if is_identity(x.perm):
        return [layer.output(x.name)]
    return [layer.output(builder.op1("Identity", [x.name]))]


@converter("RepeatVector")
def convert_repeat_vector(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``RepeatVector``; config key ``n``: ``(batch, features)`` becomes
    ``(batch, n, features)``."""
    x = inputs[0]
    expanded = builder.op1("Unsqueeze", [x.name, builder.int64s([1], "axes")])
    repeats = builder.int64s([1, layer.config["n"], 1], "repeats")
    return [layer.output(builder.op1("Tile", [expanded, repeats]))]
