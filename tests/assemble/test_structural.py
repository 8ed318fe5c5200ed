"""Padding, cropping, up-sampling, Permute and RepeatVector against numpy, in
every layout."""

from __future__ import annotations

import math

import numpy as np
import pytest
from layouts import CHANNELS_FIRST, convert

from stages.assemble.converters.structural import spatial_axes

# Bilinear weights in float32 against float64 formulas.
RTOL = 1e-5
ATOL = 1e-6
#: Resize changed at 13, 18 and 19, Pad at 13 and 18.
OPSETS = (13, 17, 18, 19, 28)
DATA_FORMATS = ("channels_last", "channels_first")
LAYOUTS = ("keras", "channels_first")


def _input(rank: int, seed: int = 0) -> np.ndarray:
    shape = (2, 5, 4, 3, 2)[: rank + 2]
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _perm(layout: str, rank: int) -> tuple[int, ...] | None:
    return CHANNELS_FIRST[rank] if layout == "channels_first" else None


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("data_format", DATA_FORMATS)
@pytest.mark.parametrize("spatial", [1, 2, 3])
def test_zero_padding_pads_the_spatial_axes(
    spatial: int, data_format: str, layout: str, opset: int
) -> None:
    x = _input(spatial)
    padding = [[1, 2], [0, 1], [2, 0]][:spatial]
    widths = [(0, 0)] * x.ndim
    for axis, pair in zip(spatial_axes(data_format, x.ndim), padding, strict=True):
        widths[axis] = (pair[0], pair[1])
    expected = np.pad(x, widths)
    config = {"padding": padding, "data_format": data_format}

    result = convert(
        f"ZeroPadding{spatial}D",
        config,
        [x],
        expected.shape,
        opset,
        [_perm(layout, x.ndim)],
    )

    assert result.perm == _perm(layout, x.ndim)
    np.testing.assert_array_equal(result.value, expected)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("data_format", DATA_FORMATS)
@pytest.mark.parametrize("spatial", [1, 2, 3])
def test_cropping_crops_the_spatial_axes(
    spatial: int, data_format: str, layout: str, opset: int
) -> None:
    x = _input(spatial)
    cropping = [[1, 0], [0, 1], [1, 1]][:spatial]
    index = [slice(None)] * x.ndim
    for axis, (before, after) in zip(
        spatial_axes(data_format, x.ndim), cropping, strict=True
    ):
        index[axis] = slice(before, x.shape[axis] - after)
    expected = x[tuple(index)]
    config = {"cropping": cropping, "data_format": data_format}

    result = convert(
        f"Cropping{spatial}D",
        config,
        [x],
        expected.shape,
        opset,
        [_perm(layout, x.ndim)],
    )

    assert result.perm == _perm(layout, x.ndim)
    np.testing.assert_array_equal(result.value, expected)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("data_format", DATA_FORMATS)
@pytest.mark.parametrize("spatial", [1, 2, 3])
def test_nearest_up_sampling_repeats_every_element(
    spatial: int, data_format: str, layout: str, opset: int
) -> None:
    x = _input(spatial)
    size = [3, 2, 5][:spatial]
    expected = x
    for axis, factor in zip(spatial_axes(data_format, x.ndim), size, strict=True):
        expected = np.repeat(expected, factor, axis=axis)
    config = {"size": size, "data_format": data_format, "interpolation": "nearest"}

    result = convert(
        f"UpSampling{spatial}D",
        config,
        [x],
        expected.shape,
        opset,
        [_perm(layout, x.ndim)],
    )

    assert result.perm == _perm(layout, x.ndim)
    np.testing.assert_array_equal(result.value, expected)


def _tf_bilinear_weights(length: int, factor: int) -> np.ndarray:
    """The (output, input) matrix of ``tf.image.resize(..., 'bilinear')`` along one
    axis: half-pixel centres, source positions clamped to the input."""
    weights = np.zeros((length * factor, length))
    for out in range(length * factor):
        position = (out + 0.5) / factor - 0.5
        floor = math.floor(position)
        lower, upper = max(floor, 0), min(math.ceil(position), length - 1)
        fraction = position - floor
        weights[out, lower] += 1.0 - fraction
        weights[out, upper] += fraction
    return weights


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("data_format", DATA_FORMATS)
@pytest.mark.parametrize("size", [(2, 2), (3, 2), (1, 4)])
def test_bilinear_up_sampling_is_tensorflow_resize(
    size: tuple[int, int], data_format: str, layout: str, opset: int
) -> None:
    x = _input(2)
    height, width = spatial_axes(data_format, 4)
    rows = _tf_bilinear_weights(x.shape[height], size[0])
    columns = _tf_bilinear_weights(x.shape[width], size[1])
    keras_last = x if data_format == "channels_last" else x.transpose(0, 2, 3, 1)
    expected = np.einsum("ph,qw,bhwc->bpqc", rows, columns, keras_last)
    if data_format == "channels_first":
        expected = expected.transpose(0, 3, 1, 2)
    config = {
        "size": list(size),
        "data_format": data_format,
        "interpolation": "bilinear",
    }

    result = convert(
        "UpSampling2D", config, [x], expected.shape, opset, [_perm(layout, 4)]
    )

    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dims", [[2, 1, 3], [3, 1, 2], [2, 3, 1], [1, 3, 2]])
def test_permute_reorders_the_axes(dims: list[int], layout: str) -> None:
    x = _input(2)
    expected = np.transpose(x, [0, *dims])

    result = convert(
        "Permute", {"dims": dims}, [x], expected.shape, 17, [_perm(layout, 4)]
    )

    assert result.count("Transpose") <= 1  # straight from the input's layout
    np.testing.assert_array_equal(result.value, expected)


def test_permute_to_the_input_layout_names_the_value_anew() -> None:
    x = _input(2)
    expected = np.transpose(x, [0, 3, 1, 2])

    result = convert(
        "Permute", {"dims": [3, 1, 2]}, [x], expected.shape, 17, [CHANNELS_FIRST[4]]
    )

    assert [node.op_type for node in result.model.graph.node] == [
        "Identity",
        "Identity",
    ]
    np.testing.assert_array_equal(result.value, expected)


@pytest.mark.parametrize("opset", [13, 28])
def test_repeat_vector_repeats_along_a_new_axis(opset: int) -> None:
    x = _input(0)

    result = convert("RepeatVector", {"n": 3}, [x], (2, 3, 5), opset)

    np.testing.assert_array_equal(result.value, np.repeat(x[:, None, :], 3, axis=1))
