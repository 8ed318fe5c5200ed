"""The extract stage started in the assemble environment, which has no TensorFlow:
a message naming the extract environment, not an ImportError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_extract_without_tensorflow_names_its_environment(tmp_path: Path) -> None:
    job = [str(tmp_path / "m.keras"), str(tmp_path / "m.npz")]

    process = subprocess.run(
        [sys.executable, "-m", "stages.extract", "--job", *job],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert process.returncode == 1
    assert "Traceback" not in process.stderr
    assert (
        "this stage runs in an extract environment (lockfiles/extract-tf2.15.txt, "
        "lockfiles/extract-tf2.21.txt), but TensorFlow is not installed here. "
        "Run it through nox" in process.stderr
    )
    assert not any(tmp_path.iterdir())
