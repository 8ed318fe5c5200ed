"""Helpers of the hostile-input tests: stage and nox runs, and files built to be
broken (see ``conftest.py``)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from noxrun import ROOT, Run, clean_environment

#: Environment for stage subprocesses: TensorFlow quiet, no inherited virtualenv.
STAGE_ENVIRONMENT = {**clean_environment(), "PYTHONPATH": str(ROOT)}


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
