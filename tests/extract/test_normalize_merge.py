"""Normalized configs of the merge layers."""

from __future__ import annotations

from typing import Any

import keras
import pytest

from stages.extract.normalizers import UnsupportedConfigError, normalize


@pytest.mark.parametrize(
    "layer",
    [
        keras.layers.Add(),
        keras.layers.Subtract(),
        keras.layers.Multiply(),
        keras.layers.Average(),
        keras.layers.Maximum(),
        keras.layers.Minimum(),
    ],
)
def test_elementwise_merges_keep_no_key(layer: keras.layers.Layer) -> None:
    assert normalize(type(layer).__name__, layer.get_config()) == {}


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (keras.layers.Concatenate(), {"axis": -1}),
        (keras.layers.Concatenate(axis=1), {"axis": 1}),
        (keras.layers.Dot(axes=1), {"axes": [1, 1], "normalize": False}),
        (
            keras.layers.Dot(axes=-1, normalize=True),
            {"axes": [-1, -1], "normalize": True},
        ),
        (keras.layers.Dot(axes=(2, -1)), {"axes": [2, -1], "normalize": False}),
    ],
)
def test_saved_keras_configs_are_normalized(
    layer: keras.layers.Layer, expected: dict[str, Any]
) -> None:
    assert normalize(type(layer).__name__, layer.get_config()) == expected


@pytest.mark.parametrize(
    ("kind", "saved", "match"),
    [
        ("Concatenate", {"axis": [1, 2]}, r"axis=\[1, 2\] is not supported"),
        ("Dot", {"axes": [1, 2, 3]}, r"axes=\[1, 2, 3\] is not supported"),
        ("Dot", {"axes": [[1], [2]]}, r"axes=\[\[1\], \[2\]\] is not supported"),
        ("Dot", {"axes": 1, "normalize": "yes"}, r"normalize='yes' is not supported"),
    ],
)
def test_unconvertible_values_are_refused_naming_the_key(
    kind: str, saved: dict[str, Any], match: str
) -> None:
    with pytest.raises(UnsupportedConfigError, match=match):
        normalize(kind, saved)
