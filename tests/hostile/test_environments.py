"""A stage started outside its environment says which one it needs and how to get
it, before it imports a library that is missing there."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_files import assert_refused, run_stage

from stages import environment
from stages.console import AirlockError


@pytest.mark.parametrize(
    ("stage", "jobs", "message"),
    [
        (
            "assemble",
            ["--job", "model.npz", "model.onnx"],
            "this stage must run in the environment locked by lockfiles/assemble.txt,"
            " but onnx is missing (locked: ",
        ),
        (
            "verify",
            ["--job", "model.npz", "model.onnx", "report.json"],
            "this stage runs in a verify environment (lockfiles/verify.txt, "
            "lockfiles/verify-ort1.17.txt), but onnxruntime is not installed here. "
            "Run it through nox",
        ),
    ],
)
def test_stage_in_the_extract_environment_names_its_own(
    tmp_path: Path, stage: str, jobs: list[str], message: str
) -> None:
    run = run_stage(stage, *[tmp_path / job if "." in job else job for job in jobs])

    assert_refused(run, message, "nox -s", codes=(1,))
    assert not any(tmp_path.iterdir())


def test_an_environment_that_differs_from_its_lockfile_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "other.txt").write_text("numpy==1.0.0 \\\n    --hash=sha256:00\n")
    monkeypatch.setattr(environment, "LOCKFILES", tmp_path)

    with pytest.raises(AirlockError, match=r"numpy is [\d.]+ \(locked: 1\.0\.0\)"):
        environment.check_environment("other", "other")


def test_a_stage_without_a_lockfile_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(environment, "LOCKFILES", tmp_path)

    with pytest.raises(AirlockError, match=r"no locked environment lockfiles/gone"):
        environment.check_environment("gone", "gone")
