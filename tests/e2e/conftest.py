"""End-to-end exports through nox, shared by the tests of this directory.

These tests run in the extract environment (the zoo is built with TensorFlow) and
drive ``nox -s export`` in a subprocess, exactly as a user would (see
``tests/noxrun.py``). The zoo is exported at the
lowest, default and highest opsets; ``AIRLOCK_OPSETS=all`` (``nox -s opset_matrix``)
exports it at every opset in between too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from noxrun import ROOT, export
from zoo import ZOO, build_zoo

from stages import compat

#: The older onnxruntime line the zoo is also verified on, at its highest opset.
OLD_RUNTIME = next(reversed(compat.VERIFY_LINES))


def opsets() -> list[int]:
    """The opsets the zoo is exported at."""
    if os.environ.get("AIRLOCK_OPSETS") == "all":
        return list(range(compat.MIN_OPSET, compat.MAX_OPSET + 1))
    return [compat.MIN_OPSET, compat.DEFAULT_OPSET, compat.MAX_OPSET]


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
