"""End-to-end exports through nox, shared by the tests of this directory.

These tests run in the extract environment (the zoo is built with TensorFlow) and
drive ``nox -s export`` in a subprocess, exactly as a user would. The nox command
comes from ``AIRLOCK_NOX``, which ``nox -s tests`` sets. The zoo is exported at the
lowest, default and highest opsets; ``AIRLOCK_OPSETS=all`` (``nox -s opset_matrix``)
exports it at every opset in between too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from zoo import ZOO, build_zoo  # noqa: E402

from stages import compat  # noqa: E402

#: The older onnxruntime line the zoo is also verified on, at its highest opset.
OLD_RUNTIME = next(reversed(compat.VERIFY_LINES))


def opsets() -> list[int]:
    """The opsets the zoo is exported at."""
    if os.environ.get("AIRLOCK_OPSETS") == "all":
        return list(range(compat.MIN_OPSET, compat.MAX_OPSET + 1))
    return [compat.MIN_OPSET, compat.DEFAULT_OPSET, compat.MAX_OPSET]


@dataclass(frozen=True)
class Run:
    """One finished ``nox -s export`` run."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Everything printed; nox passes a stage's stderr on in its stdout."""
        return self.stdout + self.stderr


def export(
    *arguments: str | Path, root: Path = ROOT, envdir: Path | None = None
) -> Run:
    """Run ``nox -s export -- ARGUMENTS`` in the checkout at ``root``, with its
    environments in ``envdir`` (default: the checkout's own .nox)."""
    return nox("export", *arguments, root=root, envdir=envdir)


def nox(
    session: str, *arguments: str | Path, root: Path = ROOT, envdir: Path | None = None
) -> Run:
    """Run ``nox -s SESSION -- ARGUMENTS`` in the checkout at ``root``."""
    command = os.environ.get("AIRLOCK_NOX")
    if not command:
        pytest.fail(
            "AIRLOCK_NOX is not set: run the end-to-end tests with nox -s tests"
        )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "NOX_CURRENT_SESSION")
    }
    options = ["--envdir", str(envdir)] if envdir else []
    process = subprocess.run(
        [*json.loads(command), "-f", str(root / "noxfile.py"), *options]
        + ["-s", session, "--"]
        + [str(a) for a in arguments],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return Run(process.returncode, process.stdout, process.stderr)


def report(directory: Path) -> dict:
    return json.loads((directory / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_zoo(tmp_path_factory.mktemp("zoo"))


@pytest.fixture(scope="session")
def exported(
    zoo: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[int, Path]:
    """The zoo exported at the default opset, then re-assembled from its .npz files
    at the other opsets of :func:`opsets`. Output directories by opset."""
    directories = {}
    default = tmp_path_factory.mktemp(f"opset{compat.DEFAULT_OPSET}")
    run = export(*zoo.values(), "--out", default)
    assert run.returncode == 0, run.stdout + run.stderr
    directories[compat.DEFAULT_OPSET] = default

    extracted = [default / name / "model.npz" for name in ZOO]
    for opset in opsets():
        if opset == compat.DEFAULT_OPSET:
            continue
        directory = tmp_path_factory.mktemp(f"opset{opset}")
        run = export(*extracted, "--out", directory, "--opset", str(opset))
        assert run.returncode == 0, run.stdout + run.stderr
        directories[opset] = directory
    return directories


@pytest.fixture(scope="session")
def exported_for_old_runtime(
    exported: dict[int, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The zoo assembled for the older locked onnxruntime at its highest opset, and
    verified on it."""
    directory = tmp_path_factory.mktemp(f"ort{OLD_RUNTIME}")
    extracted = [exported[compat.DEFAULT_OPSET] / name / "model.npz" for name in ZOO]
    run = export(*extracted, "--out", directory, "--target-ort", OLD_RUNTIME)
    assert run.returncode == 0, run.stdout + run.stderr
    return directory


def copy_checkout(destination: Path) -> Path:
    """The project's tracked files copied to ``destination``, as a fresh clone
    would have them (without environments, caches or build output)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    )
    for name in listing.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
    return destination
