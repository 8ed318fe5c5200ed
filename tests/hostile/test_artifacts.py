"""Nothing lost: a stage that fails or is killed while it writes leaves the earlier
good artifact in place and no partial file under an artifact's name."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_files import ROOT, STAGE_ENVIRONMENT

from stages import files
from stages.console import AirlockError

#: Runs the extract stage with os.replace, the step that puts a complete
#: temporary file in place, replaced by a SIGKILL of the stage itself.
KILLED_WHILE_WRITING = """
import os, runpy, signal, sys
import stages.files

def killed(source, target):
    assert os.path.getsize(source) > 0, "the temporary file is written"
    os.kill(os.getpid(), signal.SIGKILL)

stages.files.os.replace = killed
sys.argv = ["stages.extract", "--job", sys.argv[1], sys.argv[2]]
runpy.run_module("stages.extract", run_name="__main__")
"""


def test_a_stage_killed_while_writing_keeps_the_earlier_artifact(
    tmp_path: Path,
) -> None:
    import keras

    model = tmp_path / "good.keras"
    inputs = keras.Input((3,), name="x")
    keras.Model(inputs, keras.layers.Dense(2)(inputs)).save(model)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "model.npz"
    target.write_bytes(b"an earlier good file")

    process = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_WRITING, str(model), str(target)],
        cwd=ROOT,
        env=STAGE_ENVIRONMENT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert process.returncode == -signal.SIGKILL, process.stderr
    assert target.read_bytes() == b"an earlier good file"
    leftovers = sorted(p.name for p in out.iterdir() if p != target)
    assert len(leftovers) == 1, leftovers
    assert leftovers[0].startswith(".model.npz.")
    assert leftovers[0].endswith(".tmp")


@pytest.mark.parametrize("step", ["replace", "chmod"])
def test_a_failure_after_the_temporary_file_is_written_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    target = tmp_path / "model.onnx"
    target.write_bytes(b"an earlier good file")
    written = []

    def full_disk(*arguments: object) -> None:
        written.append(os.path.getsize(str(arguments[0])))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, step, full_disk)

    with pytest.raises(
        AirlockError,
        match=rf"{target}: could not be written \(No space left on device\); an "
        "earlier file there is unchanged",
    ):
        files.write_atomically(target, b"new bytes" * 1000)

    assert written == [9000]
    assert target.read_bytes() == b"an earlier good file"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_an_interrupt_while_writing_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"

    def interrupted(*arguments: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)

    with pytest.raises(KeyboardInterrupt):
        files.write_atomically(target, b"{}")

    assert not any(tmp_path.iterdir())
