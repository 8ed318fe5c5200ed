"""Whole exports: TensorFlow against onnxruntime, artifacts, exit codes, messages."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from conftest import OLD_RUNTIME, opsets, report
from noxrun import export
from zoo import ZOO

from stages import compat, interchange
from stages.augmentation import AUGMENTATION_KINDS
from stages.plan import TF_LINES

#: The parity the bundled example promises.
EXAMPLE_TOLERANCE = 1e-5


@pytest.mark.parametrize("opset", opsets())
@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_matches_tensorflow(
    exported: dict[int, Path], name: str, opset: int
) -> None:
    result = report(exported[opset] / name)

    assert result["verdict"] == "pass", result["problems"]
    assert result["onnx"]["opset"] == opset
    assert result["onnx"]["ir_version"] == compat.IR_VERSION_FOR_OPSET[opset]
    assert result["outputs"], "the report compares no output"
    for output in result["outputs"]:
        assert output["passed"], output
        assert output["max_abs_error"] <= 1e-5 + 1e-4, output


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_matches_tensorflow_on_the_older_runtime(
    exported_for_old_runtime: Path, name: str
) -> None:
    result = report(exported_for_old_runtime / name)

    assert result["verdict"] == "pass", result["problems"]
    assert result["verified_on"]["onnxruntime"].startswith(f"{OLD_RUNTIME}.")
    assert result["onnx"]["opset"] == min(
        compat.DEFAULT_OPSET, compat.ORT_MAX_OPSET[OLD_RUNTIME]
    )


def test_opset_beyond_the_target_runtime_is_a_usage_error() -> None:
    too_new = compat.ORT_MAX_OPSET[OLD_RUNTIME] + 1

    run = export("--target-ort", OLD_RUNTIME, "--opset", str(too_new))

    assert run.returncode == 2
    assert f"cannot be loaded by onnxruntime {OLD_RUNTIME}" in run.stderr


def test_report_names_every_stage_environment(exported: dict[int, Path]) -> None:
    environments = report(exported[compat.DEFAULT_OPSET] / "dense_stack")[
        "environments"
    ]

    assert {"python", "numpy", "tensorflow", "keras"} <= set(environments["extract"])
    assert {"python", "numpy", "onnx"} <= set(environments["assemble"])
    assert {"python", "numpy", "onnxruntime"} <= set(environments["verify"])
    assert "onnx" not in environments["extract"]
    assert "tensorflow" not in environments["verify"]


def test_every_layer_of_the_zoo_was_converted(exported: dict[int, Path]) -> None:
    kinds = set()
    for name in ZOO:
        data = interchange.read(exported[compat.DEFAULT_OPSET] / name / "model.npz")
        kinds.update(layer["kind"] for layer in data.description["layers"])

    assert kinds >= {
        "Activation",
        "AveragePooling2D",
        "Conv1D",
        "Conv2D",
        "Conv2DTranspose",
        "Conv3D",
        "DepthwiseConv2D",
        "GlobalAveragePooling2D",
        "MaxPooling2D",
        "SeparableConv2D",
        "TimeDistributed",
        "Bidirectional",
        "CenterCrop",
        "Embedding",
        "Normalization",
        "Rescaling",
        "Resizing",
        "Add",
        "Average",
        "Concatenate",
        "Cropping1D",
        "Cropping2D",
        "Cropping3D",
        "AdditiveAttention",
        "Attention",
        "BatchNormalization",
        "Dense",
        "Dot",
        "Dropout",
        "ELU",
        "Flatten",
        "GRU",
        "GaussianNoise",
        "LSTM",
        "LeakyReLU",
        "Maximum",
        "Minimum",
        "Multiply",
        "GroupNormalization",
        "LayerNormalization",
        "MultiHeadAttention",
        "PReLU",
        "Permute",
        "ReLU",
        "RepeatVector",
        "Reshape",
        "SimpleRNN",
        "Softmax",
        "Subtract",
        "UpSampling1D",
        "UpSampling2D",
        "UpSampling3D",
        "ZeroPadding1D",
        "ZeroPadding2D",
        "ZeroPadding3D",
        "UnitNormalization",
        "LayerScale",
        "StochasticDepth",
        "CustomScaleLayer",
        # Keras 2's RandomHeight and RandomWidth are exported in tests/keras2.
        *(set(AUGMENTATION_KINDS) - {"RandomHeight", "RandomWidth"}),
    }


def test_arithmetic_between_tensors_and_numbers_was_converted(
    exported: dict[int, Path],
) -> None:
    path = exported[compat.DEFAULT_OPSET] / "arithmetic_blocks" / "model.npz"
    layers = interchange.read(path).description["layers"]

    operands = {
        (layer["kind"], layer["config"]["scalar_operand"]["index"])
        for layer in layers
        if "scalar_operand" in layer["config"]
    }
    assert operands == {("Add", 1), ("Multiply", 1), ("Subtract", 0)}
    assert any(layer["kind"] == "Add" and not layer["config"] for layer in layers)


def test_same_npz_assembles_to_the_same_bytes(
    exported: dict[int, Path], tmp_path: Path
) -> None:
    source = exported[compat.DEFAULT_OPSET] / "activation_layers"

    run = export(source / "model.npz", "--out", tmp_path)

    assert run.returncode == 0, run.stdout + run.stderr
    rebuilt = (tmp_path / "activation_layers" / "model.onnx").read_bytes()
    original = (source / "model.onnx").read_bytes()
    assert hashlib.sha256(rebuilt).hexdigest() == hashlib.sha256(original).hexdigest()


def test_bundled_example_exports_with_parity(tmp_path: Path) -> None:
    run = export("--out", tmp_path)

    assert run.returncode == 0, run.stdout + run.stderr
    result = report(tmp_path / "intent")
    assert result["verdict"] == "pass"
    assert result["source"]["file"] == "intent.keras"
    (output,) = result["outputs"]
    assert output["name"] == "purchase"
    assert output["max_abs_error"] <= EXAMPLE_TOLERANCE
    assert sorted(p.name for p in (tmp_path / "intent").iterdir()) == [
        "model.npz",
        "model.onnx",
        "report.json",
    ]
    assert "intent: PASS" in run.stdout


@pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5")
def test_keras_3_h5_file_exports_on_the_newest_line(tmp_path: Path) -> None:
    import keras

    inputs = keras.Input((5,), name="x")
    hidden = keras.layers.Dense(4, activation="hard_sigmoid", name="hidden")(inputs)
    keras.Model(inputs, keras.layers.Dense(2, name="out")(hidden)).save(
        tmp_path / "legacy.h5"
    )

    run = export(tmp_path / "legacy.h5", "--out", tmp_path / "out")

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"TensorFlow {TF_LINES[-1]} (saved by Keras 3." in run.output
    assert report(tmp_path / "out" / "legacy")["verdict"] == "pass"


def test_missing_model_is_a_usage_error_in_one_line(tmp_path: Path) -> None:
    run = export(tmp_path / "missing.keras", "--out", tmp_path / "out")

    assert run.returncode == 2
    errors = [line for line in run.stderr.splitlines() if "error" in line]
    assert errors == [
        f"airlock: error: {tmp_path / 'missing.keras'}: no such model file"
    ]
    assert "Traceback" not in run.stdout + run.stderr
    assert not (tmp_path / "out").exists()


def test_out_of_range_opset_is_a_usage_error_naming_the_range() -> None:
    run = export("--opset", "9")

    assert run.returncode == 2
    assert (
        f"--opset 9 is outside the supported range "
        f"{compat.MIN_OPSET}..{compat.MAX_OPSET}" in run.output
    )


def test_mismatch_fails_but_keeps_the_files_for_inspection(
    exported: dict[int, Path], tmp_path: Path
) -> None:
    source = exported[compat.DEFAULT_OPSET] / "activation_functions" / "model.npz"

    run = export(source, "--out", tmp_path, "--rtol", "0", "--atol", "0")

    assert run.returncode == 1
    result = report(tmp_path / "activation_functions")
    assert result["verdict"] == "fail"
    assert any("values outside rtol=0, atol=0" in p for p in result["problems"])
    assert (tmp_path / "activation_functions" / "model.onnx").is_file()


def test_unsupported_layers_are_listed_once_and_nothing_is_written(
    exported: dict[int, Path], tmp_path: Path
) -> None:
    data = interchange.read(
        exported[compat.DEFAULT_OPSET] / "dense_stack" / "model.npz"
    )
    description = data.description
    for layer, kind in zip(
        description["layers"], ("Teleport", "Teleport", "Warp"), strict=True
    ):
        layer["kind"] = kind
    arrays = {
        **data.weights,
        **{
            description["samples"]["inputs"][k]: v
            for k, v in data.sample_inputs.items()
        },
        **{
            description["samples"]["outputs"][k]: v
            for k, v in data.sample_outputs.items()
        },
    }
    broken = tmp_path / "strange.npz"
    interchange.write(broken, description, arrays)

    run = export(broken, "--out", tmp_path / "out")

    assert run.returncode == 1
    assert "cannot convert 2 item(s)" in run.output
    first, second, third = (layer["name"] for layer in description["layers"])
    assert f"layer kind Teleport (layers: {first}, {second})" in run.output
    assert f"layer kind Warp (layers: {third})" in run.output
    assert "Supported layer kinds: " in run.output
    assert not (tmp_path / "out" / "strange" / "model.onnx").exists()


def test_every_model_refused_after_loading_is_named_in_one_run(
    zoo: dict[str, Path], tmp_path: Path
) -> None:
    import keras

    refused = {}
    for name, operation in (("sine", keras.ops.sin), ("cosine", keras.ops.cos)):
        inputs = keras.Input((4,), name="x")
        refused[name] = tmp_path / f"{name}.keras"
        keras.Model(inputs, operation(inputs)).save(refused[name])

    run = export(
        refused["sine"], zoo["dense_stack"], refused["cosine"], "--out", tmp_path
    )

    assert run.returncode == 1
    for name, path in refused.items():
        assert f"{path}: refused (the reason follows at the end)" in run.output
        assert f"{path}: 1 problem(s) found" in run.output
        assert not (tmp_path / name / "model.npz").exists()
    # The model between them was extracted; nothing is assembled after a refusal.
    assert (tmp_path / "dense_stack" / "model.npz").is_file()
    assert not (tmp_path / "dense_stack" / "model.onnx").exists()


def test_reference_samples_round_trip_through_the_report(
    exported: dict[int, Path],
) -> None:
    data = interchange.read(
        exported[compat.DEFAULT_OPSET] / "dense_stack" / "model.npz"
    )

    (inputs,) = data.sample_inputs.values()
    assert inputs.shape[0] == 8
    assert np.isfinite(inputs).all()
    assert report(exported[compat.DEFAULT_OPSET] / "dense_stack")["samples"] == {
        "kind": "random",
        "seed": 0,
        "rows": 8,
    }


def test_convolutional_network_transposes_only_at_input_and_flatten(
    exported: dict[int, Path],
) -> None:
    operators = report(exported[compat.DEFAULT_OPSET] / "small_cnn")["onnx"][
        "operators"
    ]

    assert operators["Conv"] == 2
    assert operators["Transpose"] == 2


def test_global_pooling_head_needs_only_the_input_transpose(
    exported: dict[int, Path],
) -> None:
    operators = report(exported[compat.DEFAULT_OPSET] / "mobile_cnn")["onnx"][
        "operators"
    ]

    assert operators["Transpose"] == 1
