"""Keras 2 files on the TensorFlow 2.15 line: which line reads them, what is
refused before anything is deserialized, and the graph read from each format."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from stages.console import AirlockError, UsageError
from stages.extract.graph import describe_model
from stages.extract.loading import load_model
from stages.extract.normalizers import normalize, normalize_activation
from stages.extract.screening import screen_keras_file
from stages.modelfile import hdf5_keras_version
from stages.plan import KERAS2_LINE, choose_line

pytestmark = pytest.mark.filterwarnings(
    "ignore:You are saving your model as an HDF5 file:UserWarning"
)


def _small_model() -> keras.Model:
    inputs = keras.Input((3,), name="x")
    return keras.Model(inputs, keras.layers.Dense(2, name="out")(inputs))


def test_keras_version_is_read_from_a_keras_2_h5_file(tmp_path: Path) -> None:
    path = tmp_path / "model.h5"
    _small_model().save(path)

    assert str(hdf5_keras_version(path)) == keras.__version__
    assert choose_line(path) == (KERAS2_LINE, f"saved by Keras {keras.__version__}")


@pytest.mark.parametrize(
    ("options", "value"),
    [
        ({}, "2.4.0"),  # h5py writes a str as a variable-length string
        ({}, np.bytes_(b"2.3.1")),  # a fixed-length string, stored in place
        ({}, np.bytes_(b"2.2.4-tf")),  # TensorFlow 2.0 to 2.3 added a suffix
        ({"libver": "latest"}, "2.15.0"),  # version 3 attribute messages
        ({"libver": "latest"}, np.bytes_(b"3.1.0")),
    ],
)
def test_keras_version_attribute_in_every_string_layout(
    tmp_path: Path, options: dict[str, Any], value: Any
) -> None:
    path = tmp_path / "layout.h5"
    with h5py.File(path, "w", **options) as file:
        file.attrs["backend"] = "tensorflow"
        file.attrs["keras_version"] = value
        file.create_group("model_weights").attrs["keras_version"] = value

    expected = value.decode() if isinstance(value, bytes) else value
    assert str(hdf5_keras_version(path)) == expected.removesuffix("-tf")


def test_h5_files_without_the_attribute_go_to_the_keras_2_line_and_say_why(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bare.h5"
    with h5py.File(path, "w") as file:
        file.attrs["backend"] = "tensorflow"

    line, reason = choose_line(path)

    assert line == KERAS2_LINE
    assert reason == (
        "the Keras version saved in the file is unknown: "
        "it has no keras_version attribute"
    )


def test_weights_only_file_is_refused_with_what_to_pass(tmp_path: Path) -> None:
    path = tmp_path / "weights.h5"
    _small_model().save_weights(path)

    with pytest.raises(UsageError, match=r"weights\.h5: holds only weights .*"):
        load_model(path)


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        (".h5", r"lambda\.h5: layer 'payload' is a Lambda layer"),
        (".keras", r"lambda\.keras: Keras 2\.15\.0 cannot load this model"),
    ],
)
def test_lambda_in_a_keras_2_file_never_runs(
    tmp_path: Path, suffix: str, message: str
) -> None:
    canary = tmp_path / "canary"
    namespace: dict[str, Any] = {}
    exec(  # a layer whose code writes the canary file when it runs
        f"def payload(t):\n    open({str(canary)!r}, 'w').close()\n    return t",
        namespace,
    )
    inputs = keras.Input((2,), name="x")
    payload = keras.layers.Lambda(namespace["payload"], name="payload")(inputs)
    path = tmp_path / f"lambda{suffix}"
    keras.Model(inputs, payload).save(path)
    assert canary.exists()  # the payload ran while the model was built
    canary.unlink()

    with pytest.raises(AirlockError, match=message):
        load_model(path)

    assert not canary.exists()


def test_custom_layer_classes_in_an_h5_file_are_refused_by_name(
    tmp_path: Path,
) -> None:
    class Doubler(keras.layers.Layer):
        def call(self, inputs: Any) -> Any:
            return inputs * 2

    inputs = keras.Input((2,), name="x")
    path = tmp_path / "custom.h5"
    keras.Model(inputs, Doubler(name="twice")(inputs)).save(path)

    with pytest.raises(
        AirlockError, match=r"layer 'twice' has class 'Doubler', which is not one"
    ):
        load_model(path)


def test_savedmodel_needs_trust_and_then_loads(tmp_path: Path) -> None:
    path = tmp_path / "saved"
    _small_model().save(path)

    with pytest.raises(UsageError, match=r"saved: loading a SavedModel directory"):
        load_model(path)
    graph = describe_model(load_model(path, trust_model=True), str(path))

    assert [layer["name"] for layer in graph.layers] == ["out"]


def test_hard_sigmoid_of_keras_2_gets_its_own_name() -> None:
    assert normalize_activation("hard_sigmoid") == "hard_sigmoid_keras2"
    assert normalize("LeakyReLU", {"alpha": 0.1}) == {"negative_slope": 0.1}


def test_sequential_and_nested_keras_2_models_are_read(tmp_path: Path) -> None:
    inner = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(3, name="hidden")], name="block"
    )
    inputs = keras.Input((3,), name="x")
    twice = inner(inner(inputs))
    path = tmp_path / "nested.h5"
    keras.Model(inputs, keras.layers.Dense(1, name="head")(twice)).save(path)

    graph = describe_model(load_model(path), str(path))

    records = {layer["name"]: layer for layer in graph.layers}
    assert list(records) == ["block/hidden", "block/call1/hidden", "head"]
    assert records["block/call1/hidden"]["inputs"] == ["block/hidden"]
    assert records["head"]["inputs"] == ["block/call1/hidden"]
    shared = records["block/hidden"]["weights"]
    assert records["block/call1/hidden"]["weights"] == shared
    assert sorted(graph.weights) == sorted(
        [*shared.values(), *records["head"]["weights"].values()]
    )


def test_a_keras_2_mask_reaching_a_recurrent_layer_is_refused(tmp_path: Path) -> None:
    ids = keras.Input((4,), dtype="int32", name="ids")
    embedded = keras.layers.Embedding(9, 3, mask_zero=True, name="embed")(ids)
    path = tmp_path / "masked.h5"
    keras.Model(ids, keras.layers.LSTM(2, name="lstm")(embedded)).save(path)

    with pytest.raises(AirlockError, match=r"layer 'lstm' \(LSTM\) reads a Keras mask"):
        describe_model(load_model(path), str(path))


def test_a_subclassed_model_in_a_savedmodel_is_refused_by_name(tmp_path: Path) -> None:
    class Scaler(keras.Model):
        def __init__(self) -> None:
            super().__init__(name="scaler")
            self.dense = keras.layers.Dense(2)

        def call(self, inputs: Any) -> Any:
            return self.dense(inputs) * 2.0

    model = Scaler()
    model(np.zeros((1, 3), np.float32))
    path = tmp_path / "subclassed"
    model.save(path)

    with pytest.raises(AirlockError, match=r"'scaler' is a subclassed model"):
        describe_model(load_model(path, trust_model=True), str(path))


def test_a_keras_2_call_in_training_mode_is_refused_with_the_layer() -> None:
    # Keras 2 keeps Monte Carlo dropout active when the model predicts.
    inputs = keras.Input((4,), name="x")
    model = keras.Model(
        inputs, keras.layers.Dropout(0.5, name="mc")(inputs, training=True)
    )

    with pytest.raises(
        AirlockError, match=r"layer 'mc' \(Dropout\): training=True .* Keras 2 keeps"
    ):
        describe_model(model, "mc.h5")


def test_arithmetic_is_described_as_keras_3_describes_it() -> None:
    x = keras.Input((3, 4), name="x")
    dense = keras.layers.Dense(4, name="dense")(x)
    model = keras.Model(x, tf.sqrt(tf.abs(3.0 - dense)) / (x + dense))

    graph = describe_model(model, "arithmetic.h5")

    kinds = [(layer["kind"], layer["config"]) for layer in graph.layers]
    assert kinds[1:] == [
        ("Subtract", {"scalar_operand": {"index": 0, "value": 3.0}}),
        ("Absolute", {}),
        ("Sqrt", {}),
        ("Add", {}),
        ("TrueDivide", {}),
    ]


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_a_tensorflow_function_outside_arithmetic_is_refused_before_loading(
    tmp_path: Path, suffix: str
) -> None:
    # Keras 2 resolves the function a TFOpLambda names in TensorFlow's API and
    # calls it: a file could name any of them, tf.io.write_file as easily.
    inputs = keras.Input((2,), name="x")
    path = tmp_path / f"writes{suffix}"
    keras.Model(inputs, tf.math.add(inputs, 1.0)).save(path)
    _rename_function(path, "math.add", "io.write_file")

    # A .keras file is screened before loading, an .h5 file as it loads.
    check = screen_keras_file if suffix == ".keras" else load_model
    with pytest.raises(
        AirlockError, match=r"\(TFOpLambda\).* calls TensorFlow's 'io.write_file'"
    ):
        check(path)


def _rename_function(path: Path, old: str, new: str) -> None:
    """Change the function a saved TFOpLambda names, as a hostile file would."""
    if path.suffix == ".h5":
        with h5py.File(path, "r+") as file:
            config = file.attrs["model_config"]
            text = config.decode() if isinstance(config, bytes) else config
            file.attrs["model_config"] = text.replace(f'"{old}"', f'"{new}"')
        return
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    text = members["config.json"].decode()
    members["config.json"] = text.replace(f'"{old}"', f'"{new}"').encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
