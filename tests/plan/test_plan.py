"""The export command line: models, options and the usage errors they give."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from stages import compat
from stages.console import EXIT_USAGE, UsageError
from stages.plan import (
    DEFAULT_MODEL,
    KERAS2_LINE,
    TF_LINES,
    choose_line,
    parse_export_arguments,
)


def _keras_file(path: Path, keras_version: str = "3.15.1") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": keras_version}))
    return path


def _savedmodel(path: Path) -> Path:
    path.mkdir()
    (path / "saved_model.pb").write_bytes(b"")
    return path


def test_no_model_means_the_bundled_example(tmp_path: Path) -> None:
    plan = parse_export_arguments([], tmp_path)

    (job,) = plan.jobs
    assert job.source.parts[-3:] == DEFAULT_MODEL.parts
    assert job.name == "intent"
    assert job.directory == tmp_path / "build" / "intent"
    assert plan.opset == compat.DEFAULT_OPSET
    assert (plan.rtol, plan.atol) == (1e-4, 1e-5)


def test_options_reach_the_plan(tmp_path: Path) -> None:
    model = _keras_file(tmp_path / "net.keras")
    samples = tmp_path / "rows.npz"
    samples.write_bytes(b"")

    plan = parse_export_arguments(
        [
            "net.keras",
            "--out",
            "dist",
            "--opset",
            "13",
            "--samples",
            "rows.npz",
            "--rtol",
            "1e-3",
            "--atol",
            "0",
        ],
        tmp_path,
    )

    (job,) = plan.jobs
    assert job.source == model
    assert (job.npz, job.onnx, job.report) == (
        tmp_path / "dist" / "net" / "model.npz",
        tmp_path / "dist" / "net" / "model.onnx",
        tmp_path / "dist" / "net" / "report.json",
    )
    assert (plan.opset, plan.samples, plan.rtol, plan.atol) == (13, samples, 1e-3, 0.0)


def test_an_extracted_npz_starts_at_assembly(tmp_path: Path) -> None:
    (tmp_path / "build" / "intent").mkdir(parents=True)
    npz = tmp_path / "build" / "intent" / "model.npz"
    npz.write_bytes(b"")

    (job,) = parse_export_arguments(["build/intent/model.npz"], tmp_path).jobs

    assert job.line is None
    assert job.name == "intent"
    assert job.npz == npz


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.keras"], "missing.keras: no such model file"),
        (["notes.txt"], "notes.txt: unsupported model format '.txt'"),
        (["folder"], "folder: is a directory without saved_model.pb"),
        (
            ["saved/saved_model.pb"],
            "saved/saved_model.pb: pass the SavedModel directory that holds",
        ),
        (["saved"], "saved: loading a SavedModel directory runs the TensorFlow graph"),
        (
            ["saved", "--trust-model", "--tf", "2.21"],
            "saved: SavedModel directories are read by the TensorFlow 2.15 line",
        ),
        (["--opset", "12"], "--opset 12 is outside the supported range 13.."),
        (["--opset", "99"], "--opset 99 is outside the supported range"),
        (["--opset", "x"], "invalid int value: 'x'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--samples", "none.npz"], "--samples none.npz: no such file"),
        (["--rtol", "-1"], "--rtol must be a number >= 0"),
        (["--tf", "1.0"], "invalid choice: '1.0'"),
        (["a.keras", "sub/a.keras"], "several models would be written"),
    ],
)
def test_bad_arguments_are_usage_errors(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "folder").mkdir()
    (tmp_path / "sub").mkdir()
    _savedmodel(tmp_path / "saved")
    _keras_file(tmp_path / "a.keras")
    _keras_file(tmp_path / "sub" / "a.keras")

    with pytest.raises(UsageError, match=message) as error:
        parse_export_arguments(argv, tmp_path)

    assert error.value.exit_code == EXIT_USAGE
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("version", "line"),
    [("3.4.1", TF_LINES[-1]), ("2.15.0", KERAS2_LINE), ("2.4.0", KERAS2_LINE)],
)
def test_line_follows_the_saved_keras_version(
    tmp_path: Path, version: str, line: str
) -> None:
    chosen = choose_line(_keras_file(tmp_path / "m.keras", version))

    assert chosen == (line, f"saved by Keras {version}")


@pytest.mark.parametrize(
    ("name", "content", "line", "why"),
    [
        ("broken.keras", b"not a zip", TF_LINES[-1], "it is not a zip archive"),
        ("broken.h5", b"not hdf5", KERAS2_LINE, "it is not an HDF5 file"),
        ("cut.h5", b"\x89HDF\r\n\x1a\n\x00", KERAS2_LINE, "it is truncated"),
        (
            "name_at_the_end.h5",
            b"\x89HDF\r\n\x1a\n"
            + bytes(100)
            + b"\x01\x00\x0e\x00\x08\x00\x08\x00keras_version\x00",
            KERAS2_LINE,
            "it has no keras_version attribute",
        ),
        (
            "bare.h5",
            b"\x89HDF\r\n\x1a\n" + bytes(100),
            KERAS2_LINE,
            "it has no keras_version attribute",
        ),
    ],
)
def test_unreadable_version_falls_back_and_says_why(
    tmp_path: Path, name: str, content: bytes, line: str, why: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    chosen, reason = choose_line(path)

    assert chosen == line
    assert reason == f"the Keras version saved in the file is unknown: {why}"


def test_savedmodel_directories_need_trust_and_go_to_the_keras_2_line(
    tmp_path: Path,
) -> None:
    _savedmodel(tmp_path / "saved")

    plan = parse_export_arguments(["saved", "--trust-model"], tmp_path)

    (job,) = plan.jobs
    assert plan.trust_model
    assert (job.name, job.line) == ("saved", KERAS2_LINE)
    assert job.reason == "a SavedModel directory, written by Keras 2"


def test_trust_model_changes_nothing_for_safe_formats(tmp_path: Path) -> None:
    _keras_file(tmp_path / "m.keras")

    trusted = parse_export_arguments(["m.keras", "--trust-model"], tmp_path)
    plain = parse_export_arguments(["m.keras"], tmp_path)

    assert trusted.jobs == plain.jobs


def test_target_runtime_caps_the_default_opset_and_verifies_on_its_line(
    tmp_path: Path,
) -> None:
    plan = parse_export_arguments(["--target-ort", "1.17.3"], tmp_path)

    assert plan.opset == min(compat.DEFAULT_OPSET, compat.ORT_MAX_OPSET["1.17"])
    assert plan.verify_line == "1.17"


def test_unlocked_target_runtime_is_verified_on_the_newest_line(tmp_path: Path) -> None:
    plan = parse_export_arguments(["--target-ort", "1.15", "--opset", "19"], tmp_path)

    assert plan.opset == 19
    assert plan.verify_line == compat.NEWEST_ORT
    assert "1.15 has no locked verify environment" in plan.verify_reason


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--target-ort", "1.15", "--opset", "20"],
            r"--opset 20 cannot be loaded by onnxruntime 1\.15, which loads opsets up "
            r"to 19; pick --opset 19 or lower, or deploy on onnxruntime 1\.17 or newer",
        ),
        (["--target-ort", "0.9"], r"airlock knows onnxruntime 1\.15 to 1\.32"),
        (["--target-ort", "latest"], "not a version number"),
        (["--opset", "29"], "onnxruntime 1.32, the newest locked, loads opsets up to"),
    ],
)
def test_runtime_limits_are_usage_errors_that_say_what_to_do(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    with pytest.raises(UsageError, match=message) as error:
        parse_export_arguments(argv, tmp_path)

    assert error.value.exit_code == EXIT_USAGE


def test_every_locked_verify_line_is_in_the_runtime_table() -> None:
    assert set(compat.VERIFY_LINES) <= set(compat.ORT_MAX_OPSET)
    assert compat.ORT_MAX_OPSET[compat.NEWEST_ORT] == compat.MAX_OPSET


def test_expect_takes_one_digest_for_one_model(tmp_path: Path) -> None:
    digest = "AB" * 32

    plan = parse_export_arguments(["--expect", digest], tmp_path)

    assert plan.expect == digest.lower()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--expect", "1234"], "not a sha256 digest"),
        (["a.keras", "b.keras", "--expect", "0" * 64], "applies to one model, but 2"),
    ],
)
def test_bad_expect_is_a_usage_error(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    _keras_file(tmp_path / "a.keras")
    _keras_file(tmp_path / "b.keras")

    with pytest.raises(UsageError, match=message):
        parse_export_arguments(argv, tmp_path)


def test_metadata_bomb_is_not_read(tmp_path: Path) -> None:
    """A metadata.json that declares more than any Keras metadata is skipped
    unread; the stages then refuse the file with a reason."""
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", b" " * (2 << 20))

    assert choose_line(path) == (
        TF_LINES[-1],
        "the Keras version saved in the file is unknown: "
        "metadata.json is larger than Keras writes",
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--out", "a_file/out"], "--out a_file/out: is under {tmp}/a_file, which"),
        (["--out", "a_file"], "--out a_file: exists and is not a directory"),
        (["--samples", "a_dir.npz"], "--samples a_dir.npz: is a directory"),
    ],
)
def test_unusable_paths_are_usage_errors(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    (tmp_path / "a_file").write_text("a file")
    (tmp_path / "a_dir.npz").mkdir()

    with pytest.raises(UsageError) as caught:
        parse_export_arguments(argv, tmp_path)

    assert str(caught.value).startswith(message.format(tmp=tmp_path))
