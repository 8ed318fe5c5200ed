"""Normalized configs of the normalization layers."""

from __future__ import annotations

from typing import Any

import keras
import pytest

from stages.console import AirlockError
from stages.extract.graph import describe_model
from stages.extract.normalizers import Call, UnsupportedConfigError, normalize


@pytest.mark.parametrize(
    ("kind", "saved", "expected"),
    [
        (
            "BatchNormalization",
            {"axis": [3], "momentum": 0.9, "renorm": True, "synchronized": False},
            {"axis": 3, "epsilon": 1e-3, "center": True, "scale": True},
        ),
        (
            "LayerNormalization",
            {"axis": -1, "epsilon": 1e-6, "center": False},
            {
                "axis": [-1],
                "epsilon": 1e-6,
                "center": False,
                "scale": True,
                "rms_scaling": False,
            },
        ),
        (
            "GroupNormalization",
            {"groups": -1, "axis": 2, "scale": False},
            {"groups": -1, "axis": 2, "epsilon": 1e-3, "center": True, "scale": False},
        ),
        ("UnitNormalization", {"axis": [1, 2]}, {"axis": [1, 2]}),
    ],
)
def test_defaults_are_filled_and_axes_unified(
    kind: str, saved: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert normalize(kind, saved) == expected


def test_batch_normalization_called_in_training_mode_is_refused() -> None:
    with pytest.raises(UnsupportedConfigError, match="training=True"):
        normalize("BatchNormalization", {}, Call(("inputs",), {"training": True}))


def test_batch_normalization_over_two_axes_is_refused() -> None:
    with pytest.raises(UnsupportedConfigError, match=r"axis=\[1, 2\]"):
        normalize("BatchNormalization", {"axis": [1, 2]})


def test_layer_weights_keep_plain_roles() -> None:
    inputs = keras.Input((4, 6), name="x")
    output = keras.layers.BatchNormalization(name="bn")(inputs)

    (record,) = describe_model(keras.Model(inputs, output), "bn.keras").layers

    assert sorted(record["weights"]) == [
        "beta",
        "gamma",
        "moving_mean",
        "moving_variance",
    ]


def test_training_call_is_reported_with_the_layer() -> None:
    inputs = keras.Input((4, 6), name="x")
    output = keras.layers.BatchNormalization(name="bn")(inputs, training=True)

    with pytest.raises(AirlockError, match=r"layer 'bn' \(BatchNormalization\)"):
        describe_model(keras.Model(inputs, output), "bn.keras")
