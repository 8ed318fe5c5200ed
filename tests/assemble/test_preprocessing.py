"""Preprocessing layers against numpy versions of Keras's and TensorFlow's code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from helpers import one_layer, run
from onnx import helper
from onnx.reference import ReferenceEvaluator

from stages import compat
from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.converters.preprocessing import (
    KERAS_EPSILON,
    convert_center_crop,
    convert_normalization,
    convert_rescaling,
    convert_resizing,
)
from stages.assemble.model import assemble
from stages.assemble.registry import Layer
from stages.console import AirlockError

# float32 evaluation against float32 formulas in another order: a few ulps.
RTOL = 1e-5
ATOL = 1e-6
#: Resize changed its inputs and attributes at 18 (axes) and 19.
RESIZE_OPSETS = (compat.MIN_OPSET, 17, 18, compat.MAX_OPSET)

RNG = np.random.default_rng(0)
IMAGES = RNG.standard_normal((2, 6, 8, 3)).astype(np.float32)


def _tf_resize(images: np.ndarray, size: tuple[int, int], nearest: bool) -> np.ndarray:
    """TensorFlow's resize_bilinear / resize_nearest_neighbor with half-pixel
    centers, written out for channels-last images."""
    result = images
    # Along the width first: TensorFlow interpolates each row, then the rows.
    for axis, out_size in ((2, size[1]), (1, size[0])):
        in_size = result.shape[axis]
        scale = np.float32(in_size) / np.float32(out_size)
        centers = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale
        if nearest:
            index = np.clip(np.floor(centers).astype(int), 0, in_size - 1)
            result = np.take(result, index, axis=axis)
            continue
        source = centers - np.float32(0.5)
        low = np.floor(source)
        lerp = (source - low).astype(np.float32)
        lower = np.maximum(low, 0).astype(int)
        upper = np.minimum(np.ceil(source), in_size - 1).astype(int)
        shape = [1] * result.ndim
        shape[axis] = out_size
        first = np.take(result, lower, axis=axis)
        second = np.take(result, upper, axis=axis)
        result = first + (second - first) * lerp.reshape(shape)
    return result


def _resizing_config(**overrides: Any) -> dict[str, Any]:
    config = {
        "height": 4,
        "width": 5,
        "interpolation": "bilinear",
        "crop_to_aspect_ratio": False,
        "pad_to_aspect_ratio": False,
        "fill_value": 0.0,
        "data_format": "channels_last",
    }
    return {**config, **overrides}


@pytest.mark.parametrize("opset", RESIZE_OPSETS)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("size", [(4, 5), (9, 13), (6, 8), (3, 16)], ids=str)
def test_resizing_matches_tensorflow(
    size: tuple[int, int], interpolation: str, opset: int
) -> None:
    config = _resizing_config(
        height=size[0], width=size[1], interpolation=interpolation
    )
    data = one_layer("Resizing", config, [None, 6, 8, 3], [None, *size, 3])

    y = run(data, opset, IMAGES)

    expected = _tf_resize(IMAGES, size, interpolation == "nearest")
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, compat.MAX_OPSET])
@pytest.mark.parametrize("known", [True, False], ids=["known", "run-time"])
def test_nearest_picks_tensorflows_pixel_where_resize_would_not(
    known: bool, opset: int
) -> None:
    # From 2 to 41, ONNX Resize's own rounding picks the other row at one place.
    thumbs = RNG.standard_normal((2, 2, 4, 3)).astype(np.float32)
    config = _resizing_config(height=41, width=41, interpolation="nearest")
    shape: list[int | None] = [None, 2, 4, 3] if known else [None, None, None, 3]
    data = one_layer("Resizing", config, shape, [None, 41, 41, 3])

    y = run(data, opset, thumbs)

    np.testing.assert_array_equal(y, _tf_resize(thumbs, (41, 41), nearest=True))


@pytest.mark.parametrize("opset", RESIZE_OPSETS)
def test_resizing_of_channels_first_images(opset: int) -> None:
    planes = np.transpose(IMAGES, (0, 3, 1, 2))
    config = _resizing_config(data_format="channels_first")
    data = one_layer("Resizing", config, [None, 3, 6, 8], [None, 3, 4, 5])

    y = run(data, opset, planes)

    expected = np.transpose(_tf_resize(IMAGES, (4, 5), False), (0, 3, 1, 2))
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, compat.MAX_OPSET])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resizing_integer_images_rounds_as_tensorflow(
    interpolation: str, opset: int
) -> None:
    pixels = RNG.integers(0, 256, size=(4, 6, 8, 3)).astype(np.uint8)
    config = _resizing_config(height=9, width=5, interpolation=interpolation)
    data = one_layer(
        "Resizing", config, [None, 6, 8, 3], [None, 9, 5, 3], input_dtype="uint8"
    )

    y = run(data, opset, pixels)

    resized = _tf_resize(pixels.astype(np.float32), (9, 5), interpolation == "nearest")
    np.testing.assert_array_equal(y, np.clip(np.round(resized), 0, 255))


def test_crop_to_aspect_ratio_takes_the_central_box() -> None:
    # 6x8 to a square: Keras crops columns 1..6, then resizes.
    config = _resizing_config(height=3, width=3, crop_to_aspect_ratio=True)
    data = one_layer("Resizing", config, [None, 6, 8, 3], [None, 3, 3, 3])

    y = run(data, compat.DEFAULT_OPSET, IMAGES)

    expected = _tf_resize(IMAGES[:, :, 1:7], (3, 3), False)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


def test_pad_to_aspect_ratio_pads_both_sides_with_the_fill_value() -> None:
    # 6x8 to a square: Keras adds one row of fill above and below.
    config = _resizing_config(
        height=8, width=8, pad_to_aspect_ratio=True, fill_value=0.5
    )
    data = one_layer("Resizing", config, [None, 6, 8, 3], [None, 8, 8, 3])

    y = run(data, compat.DEFAULT_OPSET, IMAGES)

    padded = np.pad(IMAGES, [(0, 0), (1, 1), (0, 0), (0, 0)], constant_values=0.5)
    np.testing.assert_allclose(y, padded, rtol=RTOL, atol=ATOL)


def test_aspect_ratio_needs_a_known_image_size() -> None:
    config = _resizing_config(crop_to_aspect_ratio=True)
    data = one_layer("Resizing", config, [None, None, None, 3], [None, 4, 5, 3])

    with pytest.raises(AirlockError, match="crop_to_aspect_ratio=True needs a known"):
        assemble(data, compat.DEFAULT_OPSET, {})


@pytest.mark.parametrize(
    ("size", "rows", "columns"),
    [((4, 5), slice(1, 5), slice(1, 6)), ((5, 8), slice(0, 5), slice(0, 8))],
    ids=str,
)
def test_center_crop_slices_the_middle(
    size: tuple[int, int], rows: slice, columns: slice
) -> None:
    config = {"height": size[0], "width": size[1], "data_format": "channels_last"}
    data = one_layer("CenterCrop", config, [None, 6, 8, 3], [None, *size, 3])

    y = run(data, compat.DEFAULT_OPSET, IMAGES)

    np.testing.assert_array_equal(y, IMAGES[:, rows, columns])


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, compat.MAX_OPSET])
@pytest.mark.parametrize("image_size", [(6, 8), (7, 9), (4, 5)], ids=str)
def test_center_crop_of_images_of_run_time_size(
    image_size: tuple[int, int], opset: int
) -> None:
    config = {"height": 4, "width": 5, "data_format": "channels_last"}
    data = one_layer("CenterCrop", config, [None, None, None, 3], [None, 4, 5, 3])
    images = RNG.standard_normal((2, *image_size, 3)).astype(np.float32)

    y = run(data, opset, images)

    top, left = (image_size[0] - 4) // 2, (image_size[1] - 5) // 2
    np.testing.assert_array_equal(y, images[:, top : top + 4, left : left + 5])


def test_center_crop_past_a_known_axis_of_a_run_time_image_is_refused() -> None:
    config = {"height": 9, "width": 5, "data_format": "channels_last"}
    data = one_layer("CenterCrop", config, [None, 6, None, 3], [None, 9, 5, 3])

    with pytest.raises(AirlockError, match="smaller than the target on one axis"):
        assemble(data, compat.DEFAULT_OPSET, {})


@pytest.mark.parametrize("opset", RESIZE_OPSETS)
def test_resizing_of_images_of_run_time_size(opset: int) -> None:
    data = one_layer(
        "Resizing", _resizing_config(), [None, None, None, 3], [None, 4, 5, 3]
    )

    y = run(data, opset, IMAGES)

    expected = _tf_resize(IMAGES, (4, 5), False)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset", RESIZE_OPSETS)
def test_center_crop_larger_than_the_image_resizes_as_keras(opset: int) -> None:
    # Keras's smart_resize: crop 6x8 to the 10:5 ratio (6x3 from column 2), resize.
    config = {"height": 10, "width": 5, "data_format": "channels_last"}
    data = one_layer("CenterCrop", config, [None, 6, 8, 3], [None, 10, 5, 3])

    y = run(data, opset, IMAGES)

    expected = _tf_resize(IMAGES[:, :, 2:5], (10, 5), False)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    ("scale", "offset"),
    [(0.5, 0.0), (1.0 / 255, -1.0), ([0.5, 2.0, -1.0], [0.1, 0.0, 3.0])],
    ids=str,
)
def test_rescaling(scale: Any, offset: Any) -> None:
    config = {"scale": scale, "offset": offset}
    data = one_layer("Rescaling", config, [None, 6, 8, 3])

    y = run(data, compat.DEFAULT_OPSET, IMAGES)

    expected = IMAGES * np.float32(scale) + np.float32(offset)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


def test_rescaling_casts_integer_pixels() -> None:
    pixels = RNG.integers(0, 256, size=(2, 6, 8, 3)).astype(np.uint8)
    config = {"scale": 1.0 / 255, "offset": 0.0}
    data = one_layer("Rescaling", config, [None, 6, 8, 3], input_dtype="uint8")

    y = run(data, compat.DEFAULT_OPSET, pixels)

    np.testing.assert_allclose(y, pixels.astype(np.float32) / 255, rtol=RTOL)


def _keras_normalization(
    x: np.ndarray, mean: np.ndarray, variance: np.ndarray, invert: bool
) -> np.ndarray:
    deviation = np.maximum(np.sqrt(variance), np.float32(KERAS_EPSILON))
    return mean + x * deviation if invert else (x - mean) / deviation


X = RNG.standard_normal((4, 5, 3)).astype(np.float32)
MEAN_53 = RNG.standard_normal((5, 3)).astype(np.float32)
VARIANCE_53 = RNG.random((5, 3)).astype(np.float32)


@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize(
    ("axis", "mean", "variance", "keras_mean", "keras_variance"),
    [
        ([-1], MEAN_53[0], VARIANCE_53[0], MEAN_53[0], VARIANCE_53[0]),
        ([1], MEAN_53[:, 0], VARIANCE_53[:, 0], MEAN_53[:, :1], VARIANCE_53[:, :1]),
        ([1, 2], MEAN_53, VARIANCE_53, MEAN_53, VARIANCE_53),
        ([], np.float32(1.5), np.float32(0.0), 1.5, 0.0),
    ],
    ids=["last", "middle", "two", "none-zero-variance"],
)
def test_normalization_from_adapted_weights(
    axis: list[int],
    mean: np.ndarray,
    variance: np.ndarray,
    keras_mean: Any,
    keras_variance: Any,
    invert: bool,
) -> None:
    config = {"axis": axis, "invert": invert, "mean": None, "variance": None}
    weights = {"mean": np.asarray(mean), "variance": np.asarray(variance)}
    data = one_layer("Normalization", config, [None, 5, 3], weights=weights)

    y = run(data, compat.DEFAULT_OPSET, X)

    expected = _keras_normalization(
        X, np.float32(keras_mean), np.float32(keras_variance), invert
    )
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    ("mean", "variance"), [(2.0, 9.0), ([0.5, -1.0, 2.0], [2.0, 1.0, 0.5])], ids=str
)
def test_normalization_from_its_config(mean: Any, variance: Any) -> None:
    config = {"axis": [1, 2], "invert": False, "mean": mean, "variance": variance}
    data = one_layer("Normalization", config, [None, 5, 3])

    y = run(data, compat.DEFAULT_OPSET, X)

    expected = _keras_normalization(
        X, np.float32(mean), np.float32(variance), invert=False
    )
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


def test_normalization_without_statistics_is_refused() -> None:
    config = {"axis": [-1], "invert": False, "mean": None, "variance": None}
    data = one_layer("Normalization", config, [None, 5, 3])

    with pytest.raises(AirlockError, match="'layer': Normalization has neither"):
        assemble(data, compat.DEFAULT_OPSET, {})


#: Image layers applied to a channels-first value (as a convolution leaves it).
LAID_OUT = {
    "Rescaling": (convert_rescaling, {"scale": [0.5, 2.0, -1.0], "offset": [1, 2, 3]}),
    "Normalization": (
        convert_normalization,
        {"axis": [-1], "invert": False, "mean": [1, 2, 3], "variance": [4, 1, 2]},
    ),
    "CenterCrop": (
        convert_center_crop,
        {"height": 4, "width": 5, "data_format": "channels_last"},
    ),
    "Resizing": (convert_resizing, _resizing_config()),
}


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, compat.MAX_OPSET])
@pytest.mark.parametrize("kind", sorted(LAID_OUT))
def test_layers_keep_a_channels_first_layout(kind: str, opset: int) -> None:
    convert, config = LAID_OUT[kind]
    keras_shape = (None, 6, 8, 3)
    expected = run(
        one_layer(kind, config, list(keras_shape), _output_shape(kind, config)),
        opset,
        IMAGES,
    )
    perm = (0, 3, 1, 2)
    layer = Layer(kind, kind, config, (_output_shape(kind, config),), ("float32",))
    builder = GraphBuilder(opset)
    builder.reserve("x")
    (output,) = convert(layer, {}, [Tensor("x", "float32", keras_shape, perm)], builder)

    y = _evaluate(builder, output, np.transpose(IMAGES, perm))

    assert output.perm == perm
    np.testing.assert_allclose(y, np.transpose(expected, perm), rtol=RTOL, atol=ATOL)


def _output_shape(kind: str, config: Mapping[str, Any]) -> list[int | None]:
    if kind in ("CenterCrop", "Resizing"):
        return [None, config["height"], config["width"], 3]
    return [None, 6, 8, 3]


def _evaluate(builder: GraphBuilder, output: Tensor, x: np.ndarray) -> np.ndarray:
    float32 = helper.np_dtype_to_tensor_dtype(np.dtype("float32"))
    graph = helper.make_graph(
        builder.nodes,
        "laid_out",
        [helper.make_tensor_value_info("x", float32, [None, 3, 6, 8])],
        [helper.make_tensor_value_info(output.name, float32, None)],
        initializer=builder.initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", builder.opset)]
    )
    (y,) = ReferenceEvaluator(model).run(None, {"x": x})
    return np.asarray(y)
