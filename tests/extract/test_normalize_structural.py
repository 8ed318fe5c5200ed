"""Normalized configs of padding, cropping, up-sampling, Permute, RepeatVector."""

from __future__ import annotations

from typing import Any

import keras
import pytest

from stages.extract.normalizers import UnsupportedConfigError, normalize

LAST = "channels_last"
FIRST = "channels_first"


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (keras.layers.ZeroPadding1D(), {"padding": [[1, 1]], "data_format": LAST}),
        (
            keras.layers.ZeroPadding1D((2, 0), data_format=FIRST),
            {"padding": [[2, 0]], "data_format": FIRST},
        ),
        (
            keras.layers.ZeroPadding2D((1, 2)),
            {"padding": [[1, 1], [2, 2]], "data_format": LAST},
        ),
        (
            keras.layers.ZeroPadding2D(((1, 0), (0, 3)), data_format=FIRST),
            {"padding": [[1, 0], [0, 3]], "data_format": FIRST},
        ),
        (
            keras.layers.ZeroPadding3D(2),
            {"padding": [[2, 2]] * 3, "data_format": LAST},
        ),
        (keras.layers.Cropping1D(), {"cropping": [[1, 1]], "data_format": LAST}),
        (
            keras.layers.Cropping2D(((1, 0), (2, 3)), data_format=FIRST),
            {"cropping": [[1, 0], [2, 3]], "data_format": FIRST},
        ),
        (
            keras.layers.Cropping3D((1, 0, 2)),
            {"cropping": [[1, 1], [0, 0], [2, 2]], "data_format": LAST},
        ),
        (
            keras.layers.UpSampling1D(3),
            {"size": [3], "data_format": LAST, "interpolation": "nearest"},
        ),
        (
            keras.layers.UpSampling2D((2, 3), interpolation="bilinear"),
            {"size": [2, 3], "data_format": LAST, "interpolation": "bilinear"},
        ),
        (
            keras.layers.UpSampling3D(2, data_format=FIRST),
            {"size": [2, 2, 2], "data_format": FIRST, "interpolation": "nearest"},
        ),
        (keras.layers.Permute((2, 1)), {"dims": [2, 1]}),
        (keras.layers.RepeatVector(4), {"n": 4}),
    ],
)
def test_saved_keras_configs_are_normalized(
    layer: keras.layers.Layer, expected: dict[str, Any]
) -> None:
    assert normalize(type(layer).__name__, layer.get_config()) == expected


@pytest.mark.parametrize(
    ("kind", "saved", "expected"),
    [
        ("ZeroPadding1D", {"padding": 2}, {"padding": [[2, 2]], "data_format": LAST}),
        (
            "ZeroPadding2D",
            {"padding": 1, "data_format": None},
            {"padding": [[1, 1], [1, 1]], "data_format": LAST},
        ),
        (
            "Cropping1D",
            {"cropping": [0, 2]},
            {"cropping": [[0, 2]], "data_format": LAST},
        ),
        (
            "UpSampling1D",
            {"size": 2},
            {"size": [2], "data_format": LAST, "interpolation": "nearest"},
        ),
    ],
)
def test_other_spellings_are_unified(
    kind: str, saved: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert normalize(kind, saved) == expected


@pytest.mark.parametrize(
    ("kind", "saved", "match"),
    [
        ("UpSampling2D", {"interpolation": "bicubic"}, "interpolation='bicubic'"),
        ("UpSampling2D", {"interpolation": "lanczos3"}, "interpolation='lanczos3'"),
        ("ZeroPadding2D", {"padding": [1, 2, 3]}, r"padding=\[1, 2, 3\]"),
        (
            "Cropping2D",
            {"cropping": [[1, -1], [0, 0]]},
            r"cropping=\[\[1, -1\], \[0, 0\]\]",
        ),
        ("UpSampling3D", {"size": [2, 0, 2]}, r"size=\[2, 0, 2\]"),
        ("ZeroPadding1D", {"padding": 1, "data_format": "NCW"}, "data_format='NCW'"),
        ("Permute", {"dims": [1, 3]}, r"dims=\[1, 3\]"),
    ],
)
def test_unconvertible_values_are_refused_naming_the_key(
    kind: str, saved: dict[str, Any], match: str
) -> None:
    with pytest.raises(UnsupportedConfigError, match=f"{match} is not supported"):
        normalize(kind, saved)
