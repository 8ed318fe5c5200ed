"""Keras 3's legacy HDF5 files (``model.save('x.h5')``) on the TensorFlow 2.21 line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import pytest

from stages.console import AirlockError
from stages.extract.graph import describe_model
from stages.extract.loading import load_model
from stages.plan import TF_LINES, choose_line

pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5")


def test_keras_3_h5_goes_to_the_newest_line_and_is_read(tmp_path: Path) -> None:
    inputs = keras.Input((3,), name="x")
    hidden = keras.layers.Dense(4, activation="hard_sigmoid", name="hidden")(inputs)
    path = tmp_path / "model.h5"
    keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden)).save(path)

    line = choose_line(path)
    graph = describe_model(load_model(path), str(path))

    assert line == (TF_LINES[-1], f"saved by Keras {keras.__version__}")
    assert [layer["name"] for layer in graph.layers] == ["hidden", "out"]
    assert graph.layers[0]["config"]["activation"] == "hard_sigmoid"


def test_lambda_in_a_keras_3_h5_file_never_runs(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    namespace: dict[str, Any] = {}
    exec(  # a layer whose code writes the canary file when it runs
        f"def payload(t):\n    open({str(canary)!r}, 'w').close()\n    return t",
        namespace,
    )
    inputs = keras.Input((2,), name="x")
    payload = keras.layers.Lambda(namespace["payload"], name="payload")(inputs)
    path = tmp_path / "lambda.h5"
    keras.Model(inputs, payload).save(path)
    canary.unlink(missing_ok=True)  # the payload may run while the model is built

    with pytest.raises(AirlockError, match=r"layer 'payload' is a Lambda layer"):
        load_model(path)

    assert not canary.exists()
