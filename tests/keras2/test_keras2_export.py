"""Keras 2 models exported end to end, and described like their Keras 3 twins.

Runs in the TensorFlow 2.15 environment, where the Keras 2 zoo is built
(``keras2_zoo.py``), and drives ``nox -s export`` as a user would: the export picks
the TensorFlow 2.15 line from each file, extracts with numpy 1.26 and assembles and
verifies with numpy 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras2_zoo
import same_architecture
from noxrun import ROOT, export

pytestmark = pytest.mark.filterwarnings(
    "ignore:You are saving your model as an HDF5 file:UserWarning"
)

#: The environment of the Keras 3 line, which ``nox -s tests`` builds before this
#: one (its suite comes first in noxfile.TEST_SUITES).
KERAS3_PYTHON = ROOT / ".nox" / "tests-env-extract-tf2-21" / "bin" / "python"


@pytest.fixture(scope="session")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    return keras2_zoo.build(tmp_path_factory.mktemp("keras2_zoo"))


@pytest.fixture(scope="session")
def exported(
    zoo: dict[str, dict[str, Path]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """Every zoo model in every format exported in one run; the output directory
    and everything the run printed."""
    out = tmp_path_factory.mktemp("keras2_out")
    models = [path for files in zoo.values() for path in files.values()]
    run = export(*models, "--out", out, "--trust-model")
    assert run.returncode == 0, run.stdout + run.stderr
    return out, run.stdout + run.stderr


def _directory(name: str, form: str) -> str:
    return keras2_zoo.paths(Path(), name)[form].stem


@pytest.mark.slow
@pytest.mark.parametrize("form", keras2_zoo.FORMATS)
@pytest.mark.parametrize("name", sorted(keras2_zoo.MODELS))
def test_keras2_model_matches_tensorflow(
    exported: tuple[Path, str], name: str, form: str
) -> None:
    out, _ = exported
    report = json.loads((out / _directory(name, form) / "report.json").read_text())

    assert report["verdict"] == "pass", report["problems"]
    for output in report["outputs"]:
        assert output["max_abs_error"] <= 1e-5 + 1e-4, output
    environments = report["environments"]
    assert environments["extract"]["tensorflow"].startswith("2.15.")
    assert environments["extract"]["keras"].startswith("2.")
    assert environments["extract"]["numpy"].startswith("1.")
    assert environments["assemble"]["numpy"].startswith("2.")
    assert environments["verify"]["numpy"].startswith("2.")


@pytest.mark.slow
def test_the_log_says_which_line_extracts_each_format(
    exported: tuple[Path, str],
) -> None:
    _, output = exported

    assert "dense_h5.h5: TensorFlow 2.15 (saved by Keras 2.15.0)" in output
    assert "dense_keras.keras: TensorFlow 2.15 (saved by Keras 2.15.0)" in output
    assert (
        "dense_savedmodel: TensorFlow 2.15 (a SavedModel directory, written by "
        "Keras 2)" in output
    )
    assert "no model needs the TensorFlow 2.21 line" in output


@pytest.mark.slow
def test_savedmodel_without_trust_is_a_usage_error(
    zoo: dict[str, dict[str, Path]], tmp_path: Path
) -> None:
    run = export(zoo["dense"]["savedmodel"], "--out", tmp_path)

    assert run.returncode == 2
    assert "runs the TensorFlow graph code saved in it; pass --trust-model" in (
        run.stderr
    )
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="session")
def both_lines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The architecture of ``same_architecture.py`` saved and read by Keras 2 (in
    this process) and by Keras 3 (in the environment of the newest line)."""
    if not KERAS3_PYTHON.is_file():
        pytest.fail(f"{KERAS3_PYTHON} is missing: run these tests with nox -s tests")
    keras2 = tmp_path_factory.mktemp("keras2")
    keras3 = tmp_path_factory.mktemp("keras3")

    same_architecture.main(keras2)
    subprocess.run(
        [str(KERAS3_PYTHON), str(Path(same_architecture.__file__)), str(keras3)],
        check=True,
        capture_output=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    return keras2, keras3


def test_same_architecture_gives_the_same_description_on_both_lines(
    both_lines: tuple[Path, Path],
) -> None:
    keras2, keras3 = both_lines

    assert (keras2 / "model.h5").is_file()
    assert (keras3 / "model.keras").is_file()
    two = json.loads((keras2 / "description.json").read_text())
    three = json.loads((keras3 / "description.json").read_text())
    assert two == three
    with np.load(keras2 / "weights.npz") as a, np.load(keras3 / "weights.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for member in a.files:
            np.testing.assert_array_equal(a[member], b[member])


@pytest.mark.slow
def test_same_architecture_exports_from_keras_2_with_parity(
    both_lines: tuple[Path, Path], tmp_path: Path
) -> None:
    keras2, _ = both_lines

    run = export(keras2 / "model.h5", "--out", tmp_path)

    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "model" / "report.json").read_text())
    assert report["verdict"] == "pass", report["problems"]
    assert report["environments"]["extract"]["keras"].startswith("2.")
