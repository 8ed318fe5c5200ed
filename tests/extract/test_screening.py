"""The screening of a .keras configuration lets Keras's own models through, so that
later stages can name what they do not convert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import pytest

from stages.console import AirlockError
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


def _archive(path: Path, config: dict[str, Any]) -> Path:
    import json
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
    return path


def _keras2_nested(inner_class: str) -> dict[str, Any]:
    """A Keras 2 ``.keras`` configuration: the nested model's layers carry no
    module, as TensorFlow 2.15 writes them."""
    inner_layer = {"class_name": inner_class, "config": {"name": "inner_layer"}}
    nested = {
        "module": "keras.src.engine.functional",
        "class_name": "Functional",
        "config": {"name": "nested", "layers": [inner_layer]},
        "registered_name": "Functional",
    }
    return {
        "module": "keras.src.engine.functional",
        "class_name": "Functional",
        "config": {"name": "outer", "layers": [nested]},
        "registered_name": "Functional",
    }


def test_keras2_layers_saved_without_a_module_pass(tmp_path: Path) -> None:
    screen_keras_file(_archive(tmp_path / "k2.keras", _keras2_nested("Dense")))


def test_keras2_lambda_saved_without_a_module_is_still_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "k2.keras", _keras2_nested("Lambda"))

    with pytest.raises(AirlockError, match="Lambda"):
        screen_keras_file(path)


def _application_layers() -> Any:
    from keras.src.applications.convnext import LayerScale, StochasticDepth
    from keras.src.applications.inception_resnet_v2 import CustomScaleLayer

    inputs = keras.Input((4, 3), name="x")
    scaled = StochasticDepth(0.1)(LayerScale(1e-6, 3)(inputs))
    return keras.Model(inputs, CustomScaleLayer(0.2)([inputs, scaled]))


def test_the_layers_keras_applications_define_pass(tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    _application_layers().save(path)

    screen_keras_file(path)


def test_other_classes_of_keras_applications_are_refused(tmp_path: Path) -> None:
    layer = {
        "module": "keras.src.applications.convnext",
        "class_name": "ConvNeXtBlock",
        "config": {"name": "block"},
        "registered_name": None,
    }
    config = {
        "module": "keras",
        "class_name": "Functional",
        "config": {"name": "model", "layers": [layer]},
    }
    path = _archive(tmp_path / "model.keras", config)

    with pytest.raises(AirlockError, match="layer 'block': ConvNeXtBlock from module"):
        screen_keras_file(path)
