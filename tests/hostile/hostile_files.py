"""Helpers of the hostile-input tests: stage and nox runs, and files built to be
broken (see ``conftest.py``)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Environment for stage subprocesses: TensorFlow quiet, no inherited virtualenv.
STAGE_ENVIRONMENT = {
    **{
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "NOX_CURRENT_SESSION")
    },
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "PYTHONPATH": str(ROOT),
}


@dataclass(frozen=True)
class Run:
    """One finished stage run."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def export(*arguments: str | Path) -> Run:
    """Run ``nox -s export -- ARGUMENTS`` as a user would (see tests/e2e)."""
    command = os.environ.get("AIRLOCK_NOX")
    if not command:
        pytest.fail("AIRLOCK_NOX is not set: run these tests with nox -s tests")
    process = subprocess.run(
        [*json.loads(command), "-f", str(ROOT / "noxfile.py"), "-s", "export", "--"]
        + [str(a) for a in arguments],
        cwd=ROOT,
        env=STAGE_ENVIRONMENT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return Run(process.returncode, process.stdout, process.stderr)


def run_stage(stage: str, *arguments: str | Path, python: str | None = None) -> Run:
    """Run ``python -m stages.<stage> ARGUMENTS`` from the repository root."""
    process = subprocess.run(
        [python or sys.executable, "-m", f"stages.{stage}"]
        + [str(a) for a in arguments],
        cwd=ROOT,
        env=STAGE_ENVIRONMENT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return Run(process.returncode, process.stdout, process.stderr)


def assert_refused(run: Run, *fragments: str, codes: tuple[int, ...] = (1, 2)) -> None:
    """The run failed with a user error whose lines contain every fragment, and
    printed no traceback."""
    assert run.returncode in codes, run.output
    assert "Traceback" not in run.output, run.output
    for fragment in fragments:
        assert fragment in run.output, f"{fragment!r} not in:\n{run.output}"


def error_line(run: Run, path: Path) -> str:
    """The error line that names ``path``."""
    lines = [line for line in run.output.splitlines() if str(path) in line]
    assert lines, f"no line names {path}:\n{run.output}"
    return "\n".join(lines)


def rewrite_config(source: Path, target: Path, change: Any) -> Path:
    """A copy of a ``.keras`` file whose config.json ``change(config)`` edited."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    change(config)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def zip_members(path: Path, members: dict[str, bytes], compress: bool = False) -> Path:
    """A zip archive of raw members."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def npy_bytes(array: Any, allow_pickle: bool = False) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()
