"""The model's inputs, read from config.json in a .keras zip or from a model.npz."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stages import interchange
from stages.console import AirlockError, UsageError
from stages.samples.inputs import model_inputs, shape_text

ROOT = Path(__file__).resolve().parents[2]


def _input_layer(name: str, shape: list[int | None], dtype: str) -> dict[str, Any]:
    return {
        "class_name": "InputLayer",
        "name": name,
        "config": {"batch_shape": shape, "dtype": dtype, "name": name},
    }


def _keras(path: Path, model: dict[str, Any]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(model))
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
    return path


SPECS = {
    "pixels": {"name": "pixels", "dtype": "float32", "shape": [None, 4, 4, 1]},
    "ids": {"name": "ids", "dtype": "int32", "shape": [None, 6]},
}


def _functional(input_layers: Any) -> dict[str, Any]:
    return {
        "class_name": "Functional",
        "config": {
            "layers": [
                _input_layer("pixels", [None, 4, 4, 1], "float32"),
                {"class_name": "Dense", "name": "dense", "config": {}},
                _input_layer("ids", [None, 6], "int32"),
            ],
            "input_layers": input_layers,
        },
    }


def test_the_bundled_example_has_one_float_input() -> None:
    assert model_inputs(ROOT / "examples" / "intent" / "intent.keras") == [
        {"name": "features", "dtype": "float32", "shape": [None, 8]}
    ]


@pytest.mark.parametrize(
    ("input_layers", "order"),
    [
        ([["ids", 0, 0], ["pixels", 0, 0]], ["ids", "pixels"]),
        (["pixels", 0, 0], ["pixels"]),
        ({"z": ["pixels", 0, 0], "a": ["ids", 0, 0]}, ["ids", "pixels"]),
    ],
)
def test_functional_inputs_come_in_the_order_keras_flattens_them(
    tmp_path: Path, input_layers: Any, order: list[str]
) -> None:
    path = _keras(tmp_path / "m.keras", _functional(input_layers))

    assert model_inputs(path) == [SPECS[name] for name in order]


def test_a_sequential_model_has_its_first_input_layer(tmp_path: Path) -> None:
    model = {
        "class_name": "Sequential",
        "config": {"layers": [_input_layer("tokens", [None, None], "int64")]},
    }

    (spec,) = model_inputs(_keras(tmp_path / "s.keras", model))

    assert spec == {"name": "tokens", "dtype": "int64", "shape": [None, None]}
    assert shape_text(spec) == "int64[N, N]"


def test_a_model_npz_gives_the_inputs_of_its_description(tmp_path: Path) -> None:
    inputs = [{"name": "x", "dtype": "float16", "shape": [None, 3]}]
    description = interchange.make_description(
        inputs=inputs,
        layers=[],
        outputs=[{"name": "y", "tensor": "x", "dtype": "float16", "shape": [None, 3]}],
        samples={"inputs": {"x": "samples/inputs/x"}, "outputs": {"y": "s/y"}},
        provenance={},
    )
    path = tmp_path / "model.npz"
    interchange.write(
        path,
        description,
        {"samples/inputs/x": np.zeros((1, 3), np.float16), "s/y": np.zeros((1, 3))},
    )

    assert model_inputs(path) == inputs


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            {"class_name": "Sequential", "config": {"layers": [{"class_name": "D"}]}},
            "saved without an input shape",
        ),
        ({"class_name": "Functional", "config": {}}, "describes no layers"),
        (
            {"class_name": "Functional", "config": {"layers": []}},
            "lists no input layers",
        ),
        (_functional([["dense", 0, 0]]), "input 'dense' is not an InputLayer"),
    ],
)
def test_configs_without_usable_inputs_are_refused(
    tmp_path: Path, model: dict[str, Any], message: str
) -> None:
    with pytest.raises(AirlockError, match=message):
        model_inputs(_keras(tmp_path / "m.keras", model))


def test_other_model_formats_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"unsupported model format '\.h5'"):
        model_inputs(tmp_path / "old.h5")


def test_a_file_that_is_not_a_keras_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.keras"
    path.write_bytes(b"not a zip")

    with pytest.raises(AirlockError, match=r"not a Keras 3 \.keras file"):
        model_inputs(path)
