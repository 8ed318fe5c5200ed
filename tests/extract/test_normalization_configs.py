"""Normalized configs of the normalization layers."""

from __future__ import annotations

from typing import Any

import keras
import pytest

from stages.extract.graph import describe_model
from stages.extract.normalizers import UnsupportedConfigError, normalize


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


def test_keras_3_calls_in_training_mode_run_in_inference_mode() -> None:
    # Keras 3 replaces a saved training=True with the model call's training=False.
    inputs = keras.Input((4, 6), name="x")
    output = keras.layers.BatchNormalization(name="bn")(inputs, training=True)
    output = keras.layers.Dropout(0.9, name="drop")(output, training=True)

    records = describe_model(keras.Model(inputs, output), "bn.keras").layers

    assert [record["kind"] for record in records] == ["BatchNormalization", "Dropout"]


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
