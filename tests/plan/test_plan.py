"""The export command line: models, options and the usage errors they give."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from stages import compat
from stages.console import EXIT_USAGE, AirlockError, UsageError
from stages.plan import DEFAULT_MODEL, TF_LINES, choose_line, parse_export_arguments


def _keras_file(path: Path, keras_version: str = "3.15.1") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": keras_version}))
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
        (["folder"], "folder: is a directory"),
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
    _keras_file(tmp_path / "a.keras")
    _keras_file(tmp_path / "sub" / "a.keras")

    with pytest.raises(UsageError, match=message) as error:
        parse_export_arguments(argv, tmp_path)

    assert error.value.exit_code == EXIT_USAGE
    assert "\n" not in str(error.value)


def test_line_follows_the_saved_keras_version(tmp_path: Path) -> None:
    line, reason = choose_line(_keras_file(tmp_path / "m.keras", "3.4.1"))

    assert (line, reason) == (TF_LINES[-1], "saved by Keras 3.4.1")


def test_unreadable_version_falls_back_to_the_newest_line_and_says_why(
    tmp_path: Path,
) -> None:
    path = tmp_path / "broken.keras"
    path.write_bytes(b"not a zip")

    line, reason = choose_line(path)

    assert line == TF_LINES[-1]
    assert reason == "the Keras version saved in the file could not be read"


def test_keras_2_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(AirlockError, match=r"saved by Keras 2\.15\.0"):
        choose_line(_keras_file(tmp_path / "old.keras", "2.15.0"))


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
        "the Keras version saved in the file could not be read",
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
