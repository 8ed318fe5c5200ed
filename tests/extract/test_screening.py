"""The screening of a .keras configuration lets Keras's own models through, so that
later stages can name what they do not convert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import pytest

from stages.extract.screening import screen_keras_file


def _masked() -> Any:
    inputs = keras.Input((5, 3), name="x")
    masked = keras.layers.Masking(name="masking")(inputs)
    return keras.Model(inputs, keras.layers.LSTM(2, name="lstm")(masked))


def _nested_and_wrapped() -> Any:
    inner_inputs = keras.Input((4, 3))
    inner = keras.Model(
        inner_inputs,
        keras.layers.TimeDistributed(keras.layers.Dense(2))(inner_inputs),
        name="inner",
    )
    inputs = keras.Input((4, 3), name="x")
    recurrent = keras.layers.Bidirectional(keras.layers.GRU(2))(inner(inputs))
    return keras.Model(inputs, recurrent)


def _regularized() -> Any:
    return keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(
                2,
                activation=keras.activations.gelu,
                kernel_regularizer=keras.regularizers.L2(0.1),
                kernel_constraint=keras.constraints.MaxNorm(2.0),
                kernel_initializer=keras.initializers.HeNormal(seed=1),
            ),
        ]
    )


def _operation() -> Any:
    inputs = keras.Input((3,), name="x")
    return keras.Model(inputs, keras.layers.Dense(2)(keras.ops.add(inputs, 1.0)))


@pytest.mark.parametrize(
    "build", [_masked, _nested_and_wrapped, _regularized, _operation]
)
def test_keras_models_pass_the_screening(tmp_path: Path, build: Any) -> None:
    path = tmp_path / "model.keras"
    model = build()
    model.compile(optimizer="adam", loss="mse")
    model.save(path)

    screen_keras_file(path)
