"""Preprocessing layers that live inside a model: Rescaling, Normalization,
CenterCrop and Resizing.

Keras casts their input to the layer's compute dtype first (an image model may
take uint8 pixels); the converters do the same with a Cast. Constants are built
in Keras order with numpy's broadcasting rules, then laid out like the input, so
the layers keep whatever layout their input has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from onnx import helper

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter
from stages.console import AirlockError

__all__ = ["KERAS_EPSILON"]

#: ``keras.backend.epsilon()``, the floor of Normalization's standard deviation.
KERAS_EPSILON = 1e-7


def _laid_out(value: np.ndarray, x: Tensor, layer: Layer, key: str) -> np.ndarray:
    """``value`` broadcast against ``x`` as numpy would (from the last axis),
    with leading axes of size 1 added and laid out like ``x``."""
    if value.ndim > x.rank:
        raise AirlockError(
            f"layer {layer.name!r}: {key} has shape {list(value.shape)}, more axes "
            f"than the input of shape {list(x.shape)}"
        )
    value = value.reshape((1,) * (x.rank - value.ndim) + value.shape)
    return value if x.perm is None else np.transpose(value, x.perm)


@converter("Rescaling", layout="any")
def convert_rescaling(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Rescaling``: ``x * scale + offset``; config keys ``scale`` and
    ``offset``, each a number or a list (per channel: it broadcasts against the
    last axes, as in Keras with the default channels-last image format)."""
    dtype = layer.output_dtypes[0]
    x = builder.cast(inputs[0], dtype)
    scale = np.asarray(layer.config["scale"], dtype=dtype)
    offset = np.asarray(layer.config["offset"], dtype=dtype)
    scale_name = builder.initializer(_laid_out(scale, x, layer, "scale"), "scale")
    offset_name = builder.initializer(_laid_out(offset, x, layer, "offset"), "offset")
    value = builder.op1("Mul", [x.name, scale_name])
    return [x.like(builder.op1("Add", [value, offset_name]))]


def _mean_and_deviation(
    layer: Layer, weights: Mapping[str, np.ndarray], x: Tensor
) -> tuple[np.ndarray, np.ndarray]:
    """Normalization's mean and ``max(sqrt(variance), epsilon)``, shaped like the
    input with size 1 on every reduced axis, as Keras's ``build`` makes them."""
    rank = x.rank
    keep = sorted(axis % rank for axis in layer.config["axis"])
    unknown = [axis for axis in keep if x.shape[axis] is None]
    if unknown:
        raise AirlockError(
            f"layer {layer.name!r}: axis {layer.config['axis']} keeps axes of "
            f"unknown size in the input shape {list(x.shape)}"
        )
    shape = [int(x.shape[d] or 1) if d in keep else 1 for d in range(rank)]
    dtype = layer.output_dtypes[0]

    if "mean" in weights:
        mean = weights["mean"].reshape(shape)
        variance = weights["variance"].reshape(shape)
    elif layer.config["mean"] is not None:
        mean = _expand(np.asarray(layer.config["mean"]), keep, shape)
        variance = _expand(np.asarray(layer.config["variance"]), keep, shape)
    else:
        raise AirlockError(
            f"layer {layer.name!r}: Normalization has neither adapted weights nor "
            "mean and variance in its config; adapt it before saving the model"
        )
    mean = mean.astype(dtype)
    deviation = np.maximum(
        np.sqrt(variance.astype(dtype)), np.asarray(KERAS_EPSILON, dtype)
    )
    return mean, deviation


def _expand(value: np.ndarray, keep: Sequence[int], shape: Sequence[int]) -> np.ndarray:
    """A mean or variance from the config, placed on the kept axes from the last
    one backwards and broadcast to ``shape`` (Keras's rule)."""
    expanded = [1] * len(shape)
    for offset in range(1, value.ndim + 1):
        expanded[keep[-offset]] = value.shape[-offset]
    return np.broadcast_to(value.reshape(expanded), shape)


@converter("Normalization", layout="any")
def convert_normalization(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Normalization``; config keys ``axis`` (kept axes, any number),
    ``invert``, ``mean`` and ``variance`` (when given at construction), or the
    adapted weights ``mean`` and ``variance``.

    Computes ``(x - mean) / max(sqrt(variance), 1e-7)``, or with ``invert``
    ``mean + x * max(sqrt(variance), 1e-7)``; the deviation is a constant,
    computed in the layer's dtype as Keras computes it.
    """
    x = builder.cast(inputs[0], layer.output_dtypes[0])
    mean, deviation = _mean_and_deviation(layer, weights, x)
    mean_name = builder.initializer(_laid_out(mean, x, layer, "mean"), "mean")
    deviation_name = builder.initializer(
        _laid_out(deviation, x, layer, "variance"), "deviation"
    )
    if layer.config["invert"]:
        scaled = builder.op1("Mul", [x.name, deviation_name])
        return [x.like(builder.op1("Add", [mean_name, scaled]))]
    centered = builder.op1("Sub", [x.name, mean_name])
    return [x.like(builder.op1("Div", [centered, deviation_name]))]


def _image_axes(layer: Layer, x: Tensor) -> tuple[int, int]:
    """The Keras axes of height and width of a batch of images."""
    if x.rank != 4:
        raise AirlockError(
            f"layer {layer.name!r}: {layer.kind} takes a batch of images of rank 4; "
            f"received an input of shape {list(x.shape)}"
        )
    return (2, 3) if layer.config["data_format"] == "channels_first" else (1, 2)


def _static_size(
    layer: Layer, x: Tensor, axes: tuple[int, int], why: str
) -> tuple[int, int]:
    height, width = (x.shape[axis] for axis in axes)
    if height is None or width is None:
        raise AirlockError(
            f"layer {layer.name!r}: {why} needs a known image height and width; "
            f"the input has shape {list(x.shape)}"
        )
    return height, width


def _crop(
    builder: GraphBuilder,
    x: Tensor,
    axes: tuple[int, int],
    start: tuple[int, int],
    size: tuple[int, int],
) -> Tensor:
    """``x[..., start:start + size, ...]`` on the two image axes."""
    shape = list(x.shape)
    for axis, length in zip(axes, size, strict=True):
        shape[axis] = length
    value = builder.op1(
        "Slice",
        [
            x.name,
            builder.int64s(start, "starts"),
            builder.int64s([s + n for s, n in zip(start, size, strict=True)], "ends"),
            builder.int64s([x.axis(axis) for axis in axes], "axes"),
        ],
    )
    return Tensor(value, x.dtype, tuple(shape), x.perm)


def _aspect_box(
    height: int, width: int, target: tuple[int, int], grow: bool
) -> tuple[int, int]:
    """Keras's box of the target's aspect ratio around an image, in float32 as
    TensorFlow computes it: the largest box inside the image (``grow=False``, for
    cropping) or the smallest around it (``grow=True``, for padding)."""
    box_height = int(np.float32(width * target[0]) / np.float32(target[1]))
    box_width = int(np.float32(height * target[1]) / np.float32(target[0]))
    if grow:
        return max(height, box_height), max(width, box_width)
    return max(min(height, box_height), 1), max(min(width, box_width), 1)


def _crop_to_aspect_ratio(
    layer: Layer, builder: GraphBuilder, x: Tensor, axes: tuple[int, int]
) -> Tensor:
    height, width = _static_size(layer, x, axes, "crop_to_aspect_ratio=True")
    target = (layer.config["height"], layer.config["width"])
    box = _aspect_box(height, width, target, grow=False)
    start = (int(np.float32(height - box[0]) / 2), int(np.float32(width - box[1]) / 2))
    return _crop(builder, x, axes, start, box)


def _pad_to_aspect_ratio(
    layer: Layer, builder: GraphBuilder, x: Tensor, axes: tuple[int, int]
) -> Tensor:
    """Keras pads the same amount on both sides of the one axis that is short."""
    height, width = _static_size(layer, x, axes, "pad_to_aspect_ratio=True")
    target = (layer.config["height"], layer.config["width"])
    box = _aspect_box(height, width, target, grow=True)
    margins = (
        int(np.float32(box[0] - height) / 2),
        int(np.float32(box[1] - width) / 2),
    )
    if margins == (0, 0):
        return x
    pads = [0] * (2 * x.rank)
    shape = list(x.shape)
    for axis, margin in zip(axes, margins, strict=True):
        pads[x.axis(axis)] = pads[x.rank + x.axis(axis)] = margin
        shape[axis] = x.shape[axis] + 2 * margin  # type: ignore[operator]
    fill = builder.scalar(layer.config["fill_value"], x.dtype, "fill_value")
    value = builder.op1("Pad", [x.name, builder.int64s(pads, "pads"), fill])
    return Tensor(value, x.dtype, tuple(shape), x.perm)


def _resize(
    builder: GraphBuilder, x: Tensor, axes: tuple[int, int], size: tuple[int, int]
) -> str:
    """Bilinear ONNX Resize with TensorFlow's ``half_pixel_centers`` semantics:
    ``linear`` with ``half_pixel`` coordinates (TensorFlow clamps the source
    coordinate to the image as onnxruntime does).

    Opset 18 takes the two sizes with ``axes``; before it ``sizes`` names every
    axis, so the others are copied from the input's shape at run time.
    """
    physical = [x.axis(axis) for axis in axes]
    attributes = {"mode": "linear", "coordinate_transformation_mode": "half_pixel"}
    if builder.opset >= 18:
        sizes = builder.int64s(size, "sizes")
        return builder.op1(
            "Resize", [x.name, "", "", sizes], axes=physical, **attributes
        )
    keep = np.ones(x.rank, dtype=np.int64)
    target = np.zeros(x.rank, dtype=np.int64)
    for axis, length in zip(physical, size, strict=True):
        keep[axis], target[axis] = 0, length
    shape = builder.op1("Shape", [x.name])
    kept = builder.op1("Mul", [shape, builder.initializer(keep, "keep")])
    sizes = builder.op1("Add", [kept, builder.initializer(target, "sizes")])
    return builder.op1("Resize", [x.name, "", "", sizes], **attributes)


def _nearest_as_tensorflow(
    builder: GraphBuilder, x: Tensor, axes: tuple[int, int], size: tuple[int, int]
) -> str:
    """TensorFlow's nearest neighbour with half-pixel centers: output position
    ``i`` reads ``min(floor((i + 0.5) * (in / out)), in - 1)``, in float32.

    ONNX Resize (``half_pixel``, ``round_prefer_ceil``) means the same, but it
    computes ``(i + 0.5) / (out / in) - 0.5``, whose rounding picks the
    neighbouring pixel at some positions for about 4% of size pairs (2 to 41 is
    one). So each axis is a Gather: of constant indices when the input size is
    known, else of indices computed at run time with TensorFlow's float32 steps.
    """
    value = x.name
    for axis, out_size in zip(axes, size, strict=True):
        in_size = x.shape[axis]
        centers = np.arange(out_size, dtype=np.float32) + np.float32(0.5)
        if in_size is not None:
            scale = np.float32(in_size) / np.float32(out_size)
            index = np.minimum(np.floor(centers * scale), in_size - 1)
            indices = builder.initializer(index.astype(np.int64), "index")
        else:
            indices = _nearest_indices(builder, value, x.axis(axis), centers)
        value = builder.op1("Gather", [value, indices], axis=x.axis(axis))
    return value


def _nearest_indices(
    builder: GraphBuilder, value: str, axis: int, centers: np.ndarray
) -> str:
    """``min(floor(centers * (in / out)), in - 1)`` for the run-time size ``in``
    of ``value`` along physical ``axis``."""
    shape = builder.op1("Shape", [value])
    in_size = builder.op1("Gather", [shape, builder.int64s([axis], "axis")])
    to_float = helper.np_dtype_to_tensor_dtype(np.dtype(np.float32))
    scale = builder.op1(
        "Div",
        [
            builder.op1("Cast", [in_size], to=to_float),
            builder.scalar(float(centers.size), "float32", "out_size"),
        ],
    )
    positions = builder.op1("Mul", [builder.initializer(centers, "centers"), scale])
    to_int = helper.np_dtype_to_tensor_dtype(np.dtype(np.int64))
    index = builder.op1("Cast", [builder.op1("Floor", [positions])], to=to_int)
    last = builder.op1("Sub", [in_size, builder.scalar(1, "int64", "one")])
    return builder.op1("Min", [index, last])


@converter("Resizing", layout="any")
def convert_resizing(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Resizing`` of a batch of images; config keys ``height``, ``width``,
    ``interpolation`` (``bilinear`` or ``nearest``), ``crop_to_aspect_ratio``,
    ``pad_to_aspect_ratio`` with ``fill_value``, and ``data_format``.

    Cropping or padding to the aspect ratio needs the image's height and width in
    the model's input shape; Keras's box arithmetic is then done here, once.

    Integer images: Keras declares a float output, but TensorFlow returns the
    input's integer type, rounded (half to even) and saturated. The converter
    keeps the declared float type and gives the same values, so layers after it
    compute as in TensorFlow; a model that outputs such a Resizing directly
    differs from TensorFlow in the output's dtype, which verification reports.
    Bilinear interpolation of integers often lands exactly between two integers,
    where a last-bit difference flips the rounding; so for images of known size
    the converter computes TensorFlow's own formula, in its order, with Gather
    and element-wise nodes instead of Resize.
    """
    source = inputs[0]
    x = builder.cast(source, layer.output_dtypes[0])
    axes = _image_axes(layer, x)
    if layer.config["crop_to_aspect_ratio"]:
        x = _crop_to_aspect_ratio(layer, builder, x, axes)
    elif layer.config["pad_to_aspect_ratio"]:
        x = _pad_to_aspect_ratio(layer, builder, x, axes)
    size = (layer.config["height"], layer.config["width"])
    interpolation = layer.config["interpolation"]
    integer = np.dtype(source.dtype).kind in "iu"
    known = all(x.shape[axis] is not None for axis in axes)
    if interpolation == "nearest":
        value = _nearest_as_tensorflow(builder, x, axes, size)
    elif integer and known:
        value = _bilinear_as_tensorflow(builder, x, axes, size)
    else:
        value = _resize(builder, x, axes, size)
    if integer and interpolation != "nearest":
        low, high = _saturation_limits(source.dtype, x.dtype)
        value = builder.op1(
            "Clip",
            [
                builder.op1("Round", [value]),
                builder.scalar(low, x.dtype, "min"),
                builder.scalar(high, x.dtype, "max"),
            ],
        )
    return [layer.output(value, perm=x.perm)]


def _bilinear_as_tensorflow(
    builder: GraphBuilder, x: Tensor, axes: tuple[int, int], size: tuple[int, int]
) -> str:
    """TensorFlow's ``resize_bilinear`` with half-pixel centers, step by step:
    ``top = tl + (tr - tl) * dx``, ``bottom = bl + (br - bl) * dx``,
    ``top + (bottom - top) * dy``, with the same float32 source coordinates."""
    rows, columns = (
        _interpolation(int(x.shape[axis] or 0), length)
        for axis, length in zip(axes, size, strict=True)
    )
    row_axis, column_axis = (x.axis(axis) for axis in axes)

    def gather(value: str, index: np.ndarray, axis: int) -> str:
        return builder.op1(
            "Gather", [value, builder.initializer(index, "index")], axis=axis
        )

    def lerp(low: str, high: str, weight: np.ndarray, axis: int) -> str:
        shape = [1] * x.rank
        shape[axis] = weight.size
        factor = builder.initializer(weight.reshape(shape), "lerp")
        step = builder.op1("Mul", [builder.op1("Sub", [high, low]), factor])
        return builder.op1("Add", [low, step])

    upper_rows = gather(x.name, rows[0], row_axis)
    lower_rows = gather(x.name, rows[1], row_axis)
    top = lerp(
        gather(upper_rows, columns[0], column_axis),
        gather(upper_rows, columns[1], column_axis),
        columns[2],
        column_axis,
    )
    bottom = lerp(
        gather(lower_rows, columns[0], column_axis),
        gather(lower_rows, columns[1], column_axis),
        columns[2],
        column_axis,
    )
    return lerp(top, bottom, rows[2], row_axis)


def _interpolation(
    in_size: int, out_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lower and upper source index and the weight of the upper one, for
    each output position, computed in float32 as TensorFlow does."""
    scale = np.float32(in_size) / np.float32(out_size)
    source = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale
    source = source - np.float32(0.5)
    floor = np.floor(source)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(source), in_size - 1).astype(np.int64)
    return lower, upper, (source - floor).astype(np.float32)


def _saturation_limits(integer: str, floating: str) -> tuple[float, float]:
    """The range Keras clips a float to before casting it to an integer type:
    the integer type's range, moved inwards to values the float type holds."""
    info = np.iinfo(np.dtype(integer))
    kind = np.dtype(floating).type
    low, high = kind(info.min), kind(info.max)
    if low < info.min:
        low = np.nextafter(low, kind(0))
    if high > info.max:
        high = np.nextafter(high, kind(0))
    return float(low), float(high)


@converter("CenterCrop", layout="any")
def convert_center_crop(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``CenterCrop`` of a batch of images; config keys ``height``,
    ``width``, ``data_format``.

    An image at least as large as the target is sliced (the odd pixel goes to the
    bottom and right). A smaller one is handled as Keras does: cropped to the
    target's aspect ratio, then resized bilinearly. An image whose height or width
    is unknown until run time is always sliced, as Keras does for such inputs.
    """
    x = builder.cast(inputs[0], layer.output_dtypes[0])
    axes = _image_axes(layer, x)
    target = (layer.config["height"], layer.config["width"])
    height, width = (x.shape[axis] for axis in axes)
    if height is None or width is None:
        return [
            layer.output(_center_crop_dynamic(layer, builder, x, axes), perm=x.perm)
        ]
    if height >= target[0] and width >= target[1]:
        start = ((height - target[0]) // 2, (width - target[1]) // 2)
        value = _crop(builder, x, axes, start, target).name
    else:
        cropped = _crop_to_aspect_ratio(layer, builder, x, axes)
        value = _resize(builder, cropped, axes, target)
    return [layer.output(value, perm=x.perm)]


def _center_crop_dynamic(
    layer: Layer, builder: GraphBuilder, x: Tensor, axes: tuple[int, int]
) -> str:
    """CenterCrop of an image of run-time size: Keras slices from
    ``(size - target) // 2`` (a floor division, also for a smaller image, where
    the negative start then counts from the end in TensorFlow and ONNX alike)."""
    target = (layer.config["height"], layer.config["width"])
    for axis, length in zip(axes, target, strict=True):
        known = x.shape[axis]
        if known is not None and known < length:
            raise AirlockError(
                f"layer {layer.name!r}: CenterCrop to {target[0]}x{target[1]} of an "
                f"image of shape {list(x.shape)}, smaller than the target on one "
                "axis and of unknown size on the other, is not supported"
            )
    physical = builder.int64s([x.axis(axis) for axis in axes], "axes")
    sizes = builder.op1("Gather", [builder.op1("Shape", [x.name]), physical])
    margin = builder.op1("Sub", [sizes, builder.int64s(target, "target")])
    two = builder.scalar(2, "int64", "two")
    even = builder.op1("Sub", [margin, builder.op1("Mod", [margin, two], fmod=0)])
    starts = builder.op1("Div", [even, two])
    ends = builder.op1("Add", [starts, builder.int64s(target, "target")])
    return builder.op1("Slice", [x.name, starts, ends, physical])
