"""Run nox sessions in a subprocess as a user would, for the tests that export
whole models (tests/e2e, tests/hostile, tests/keras2).

The nox command comes from ``AIRLOCK_NOX``, which ``nox -s tests`` sets.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["ROOT", "Run", "clean_environment", "export", "list_sessions", "nox"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Run:
    """One finished subprocess run."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Everything printed; nox passes a stage's stderr on in its stdout."""
        return self.stdout + self.stderr


def clean_environment() -> dict[str, str]:
    """This process's environment without the test session's virtualenv, and with
    TensorFlow quiet."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "NOX_CURRENT_SESSION")
    }
    environment.update(TF_CPP_MIN_LOG_LEVEL="2", TF_ENABLE_ONEDNN_OPTS="0")
    return environment


def nox(
    session: str, *arguments: str | Path, root: Path = ROOT, envdir: Path | None = None
) -> Run:
    """Run ``nox -s SESSION -- ARGUMENTS`` in the checkout at ``root``, with its
    environments in ``envdir`` (default: the checkout's own .nox)."""
    options = ["--envdir", str(envdir)] if envdir else []
    return _run(
        [*options, "-s", session, "--", *[str(a) for a in arguments]], root=root
    )


def list_sessions() -> Run:
    """Run ``nox -l`` in this checkout."""
    return _run(["-l"], root=ROOT)


def _run(options: list[str], root: Path) -> Run:
    command = os.environ.get("AIRLOCK_NOX")
    if not command:
        pytest.fail("AIRLOCK_NOX is not set: run these tests with nox -s tests")
    process = subprocess.run(
        [*json.loads(command), "-f", str(root / "noxfile.py"), *options],
        cwd=root,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return Run(process.returncode, process.stdout, process.stderr)


def export(
    *arguments: str | Path, root: Path = ROOT, envdir: Path | None = None
) -> Run:
    """Run ``nox -s export -- ARGUMENTS``."""
    return nox("export", *arguments, root=root, envdir=envdir)
