"""Hostile and broken ``.keras`` files given to the extract stage.

One extract run reads every file of a group; the stage screens them all before it
loads any, so each case finds its own line in that run's output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hostile_files import (
    STAGE_ENVIRONMENT,
    assert_refused,
    error_line,
    rewrite_config,
    run_stage,
    zip_members,
)
from noxrun import ROOT, Run, export

#: Each refused model and what its error line must say.
REFUSED: dict[str, tuple[str, ...]] = {
    "lambda_payload": ("layer 'payload' (Lambda): holds Python code",),
    "lambda_in_nested_model": ("layer 'inner/payload' (Lambda): holds Python code",),
    "lambda_in_wrapper": ("layer 'wrapped/payload' (Lambda): holds Python code",),
    "custom_layer": (
        "custom class 'hostile>Doubler' (layers: double_1, double_2)",
        "rewrite it with Keras layers",
    ),
    "unsafe_switch": (
        "layer 'dense': calls keras.config.enable_unsafe_deserialization, which "
        "tries to switch unsafe deserialization on",
    ),
    "safe_mode_key": ("the key 'safe_mode' tries to switch unsafe deserialization",),
    "foreign_module": ("custom class 'Popen from module subprocess' (layers: dense)",),
    "python_function": ("layer 'dense': refers to the Python function builtins.print",),
    "saved_model_layer": ("(TFSMLayer): loads a TensorFlow SavedModel",),
    "empty": ("is empty (0 bytes), not a .keras file",),
    "truncated": ("a broken zip archive", "truncated or of another kind"),
    "not_a_zip": ("not a zip archive",),
    "zip_without_config": ("is a zip archive without config.json",),
    "config_not_json": ("config.json is not JSON",),
    "config_too_deep": ("config.json is nested deeper than any model",),
}
#: Paths that cannot be used at all: usage errors.
UNUSABLE = {
    "directory": "is a directory, not a .keras file",
    "missing": "no such model file",
}


def _payload(canary: Path) -> Callable[[Any], Any]:
    """A function that writes ``canary`` when called; the path is a constant of
    its code, which is what Keras saves for a Lambda."""
    payload: Callable[[Any], Any] = eval(
        f"lambda tensor: (open({str(canary)!r}, 'w').close(), tensor)[1]"
    )
    return payload


def _lambda_models(canary: Path) -> dict[str, Any]:
    import keras

    def payload_layer() -> Any:
        return keras.layers.Lambda(_payload(canary), name="payload")

    inputs = keras.Input((3,), name="x")
    plain = keras.Model(inputs, payload_layer()(inputs))

    inner_inputs = keras.Input((3,))
    inner = keras.Model(inner_inputs, payload_layer()(inner_inputs), name="inner")
    outer_inputs = keras.Input((3,), name="x")
    nested = keras.Model(outer_inputs, keras.layers.Dense(2)(inner(outer_inputs)))

    sequence = keras.Input((4, 3), name="x")
    wrapped = keras.layers.TimeDistributed(payload_layer(), name="wrapped")
    wrapper = keras.Model(sequence, wrapped(sequence))
    return {
        "lambda_payload": plain,
        "lambda_in_nested_model": nested,
        "lambda_in_wrapper": wrapper,
    }


def _dense_model() -> Any:
    import keras

    inputs = keras.Input((3,), name="x")
    return keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs))


def _custom_model() -> Any:
    import keras

    @keras.saving.register_keras_serializable(package="hostile")
    class Doubler(keras.layers.Layer):
        def call(self, inputs: Any) -> Any:
            return inputs * 2

    inputs = keras.Input((3,), name="x")
    doubled = Doubler(name="double_2")(Doubler(name="double_1")(inputs))
    return keras.Model(inputs, doubled)


def _dense_entry(config: dict[str, Any]) -> dict[str, Any]:
    return next(
        layer for layer in config["config"]["layers"] if layer["name"] == "dense"
    )


def _edits() -> dict[str, Callable[[dict[str, Any]], None]]:
    def unsafe_switch(config: dict[str, Any]) -> None:
        _dense_entry(config)["config"]["activation"] = {
            "module": "keras.config",
            "class_name": "function",
            "config": "enable_unsafe_deserialization",
            "registered_name": "function",
        }

    def safe_mode_key(config: dict[str, Any]) -> None:
        _dense_entry(config)["config"]["safe_mode"] = False

    def foreign_module(config: dict[str, Any]) -> None:
        _dense_entry(config)["config"]["kernel_initializer"] = {
            "module": "subprocess",
            "class_name": "Popen",
            "config": {"args": ["touch", "/tmp/never"]},
            "registered_name": None,
        }

    def python_function(config: dict[str, Any]) -> None:
        _dense_entry(config)["config"]["activation"] = {
            "module": "builtins",
            "class_name": "function",
            "config": "print",
            "registered_name": "function",
        }

    def saved_model_layer(config: dict[str, Any]) -> None:
        entry = _dense_entry(config)
        entry["class_name"] = "TFSMLayer"
        entry["config"] = {"name": "dense", "filepath": "/tmp/elsewhere"}

    return {
        "unsafe_switch": unsafe_switch,
        "safe_mode_key": safe_mode_key,
        "foreign_module": foreign_module,
        "python_function": python_function,
        "saved_model_layer": saved_model_layer,
    }


@pytest.fixture(scope="module")
def hostile_models(tmp_path_factory: pytest.TempPathFactory, canary: Path) -> Path:
    """A directory of refused ``.keras`` files, one per key of :data:`REFUSED`."""
    directory = tmp_path_factory.mktemp("hostile_keras")
    for name, model in _lambda_models(canary).items():
        model.save(directory / f"{name}.keras")
    # Building a Lambda model calls its function once: start with no canary.
    canary.unlink(missing_ok=True)
    _custom_model().save(directory / "custom_layer.keras")
    dense = directory / "dense.keras"
    _dense_model().save(dense)
    for name, edit in _edits().items():
        rewrite_config(dense, directory / f"{name}.keras", edit)

    (directory / "empty.keras").write_bytes(b"")
    good = dense.read_bytes()
    (directory / "truncated.keras").write_bytes(good[: len(good) // 2])
    (directory / "not_a_zip.keras").write_text("model = 'definitely'\n")
    zip_members(directory / "zip_without_config.keras", {"metadata.json": b"{}"})
    zip_members(directory / "config_not_json.keras", {"config.json": b"{not json"})
    deep = b"[" * 100_000 + b"]" * 100_000
    zip_members(directory / "config_too_deep.keras", {"config.json": deep})
    dense.unlink()
    return directory


@pytest.fixture(scope="module")
def refused_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the refused models' files would go."""
    return tmp_path_factory.mktemp("refused_out")


@pytest.fixture(scope="module")
def refused_run(hostile_models: Path, refused_out: Path) -> Run:
    """One extract run over every refused model."""
    out = refused_out
    jobs = [
        argument
        for name in REFUSED
        for argument in (
            "--job",
            hostile_models / f"{name}.keras",
            out / name / "m.npz",
        )
    ]
    return run_stage("extract", *jobs)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_keras_file_is_refused_before_loading(
    refused_run: Run, refused_out: Path, hostile_models: Path, canary: Path, name: str
) -> None:
    line = error_line(refused_run, hostile_models / f"{name}.keras")

    assert_refused(refused_run, *REFUSED[name], codes=(1,))
    for fragment in REFUSED[name]:
        assert fragment in line
    assert not canary.exists(), "a payload ran"
    assert not any(refused_out.rglob("*"))


def test_hostile_keras_files_are_refused_through_nox(
    hostile_models: Path, tmp_path: Path, canary: Path
) -> None:
    """The same refusals when a user runs the export."""
    names = ("lambda_payload", "custom_layer", "truncated")

    run = export(
        *[hostile_models / f"{name}.keras" for name in names], "--out", tmp_path
    )

    assert_refused(run, codes=(1,))
    for name in names:
        line = error_line(run, hostile_models / f"{name}.keras")
        assert REFUSED[name][0] in line
    assert not canary.exists(), "a payload ran"
    assert not any(tmp_path.rglob("*.*"))


def test_custom_class_is_reported_once_with_every_layer(refused_run: Run) -> None:
    assert refused_run.output.count("custom class 'hostile>Doubler'") == 1


@pytest.mark.parametrize("name", sorted(UNUSABLE))
def test_unusable_model_path_is_a_usage_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.keras"
    if name == "directory":
        path.mkdir()

    run = run_stage("extract", "--job", path, tmp_path / "out" / "model.npz")

    assert_refused(run, f"{path}: {UNUSABLE[name]}", codes=(2,))
    assert not (tmp_path / "out").exists()


def test_unreadable_model_is_a_usage_error(hostile_models: Path) -> None:
    """Run as an unprivileged user where the tests run as root (as in CI), since
    root reads a file whatever its mode; the file sits in a directory that user
    may enter, so that it is the file's own mode that refuses."""
    directory = Path(tempfile.mkdtemp(prefix="airlock-unreadable-"))
    directory.chmod(0o777)
    path = directory / "secret.keras"
    shutil.copy(hostile_models / "lambda_payload.keras", path)
    path.chmod(0)
    command = [sys.executable, "-B", "-m", "stages.extract", "--job", str(path)]
    command.append(str(directory / "out" / "model.npz"))
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv to drop privileges")
        unprivileged = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run(
            [*unprivileged, sys.executable, "-B", "-c", "import stages.console"],
            cwd=ROOT,
            env=STAGE_ENVIRONMENT,
            capture_output=True,
            timeout=60,
            check=False,
        )
        if probe.returncode != 0:
            shutil.rmtree(directory)
            pytest.skip("an unprivileged user cannot reach this checkout to run it")
        command = [*unprivileged, *command]

    try:
        process = subprocess.run(
            command,
            cwd=ROOT,
            env=STAGE_ENVIRONMENT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        run = Run(process.returncode, process.stdout, process.stderr)

        assert_refused(run, f"{path}: cannot be read (Permission denied)", codes=(2,))
        assert not (directory / "out").exists()
    finally:
        shutil.rmtree(directory)


def test_unwritable_output_fails_without_a_partial_file(
    hostile_models: Path, tmp_path: Path, canary: Path
) -> None:
    """An output directory under a regular file cannot be made, even by root."""
    import keras

    model = tmp_path / "good.keras"
    inputs = keras.Input((3,), name="x")
    keras.Model(inputs, keras.layers.Dense(2)(inputs)).save(model)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")

    run = run_stage("extract", "--job", model, blocker / "out" / "model.npz")

    assert_refused(
        run,
        f"{blocker / 'out'}: is under {blocker}, which exists and is not a directory",
        codes=(1,),
    )
    assert "loading with Keras" not in run.output, "refused before loading"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "good.keras"]


def test_non_finite_weights_are_refused_naming_layer_and_weight(
    tmp_path: Path,
) -> None:
    """A failed extraction also keeps the earlier good model.npz."""
    import keras

    inputs = keras.Input((3,), name="x")
    dense = keras.layers.Dense(2, name="broken")
    model = keras.Model(inputs, dense(inputs))
    kernel, bias = dense.get_weights()
    kernel[0, 0] = np.nan
    dense.set_weights([kernel, bias])
    model.save(tmp_path / "nan.keras")
    target = tmp_path / "out" / "model.npz"
    target.parent.mkdir()
    target.write_bytes(b"an earlier good file")

    run = run_stage("extract", "--job", tmp_path / "nan.keras", target)

    assert_refused(
        run,
        f"{tmp_path / 'nan.keras'}: 1 problem(s)",
        "layer 'broken': weight 'kernel' holds NaN or infinite values",
        codes=(1,),
    )
    assert target.read_bytes() == b"an earlier good file"
    assert [p.name for p in target.parent.iterdir()] == ["model.npz"]


def test_the_lambda_payload_is_live_when_safe_mode_is_off(
    hostile_models: Path, tmp_path: Path
) -> None:
    """The control: Keras with unsafe deserialization switched on runs the
    payload, so the tests above would see a canary if screening let it through."""
    canary = tmp_path / "control-canary"
    model = tmp_path / "control.keras"
    _lambda_models(canary)["lambda_payload"].save(model)
    canary.unlink()

    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, keras; keras.saving.load_model(sys.argv[1], "
            "compile=False, safe_mode=False)",
            str(model),
        ],
        env=STAGE_ENVIRONMENT,
        capture_output=True,
        timeout=300,
        check=False,
    )

    assert canary.exists()
