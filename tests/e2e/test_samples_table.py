"""Exports whose reference inputs come from a table, read by the samples stage.

The bundled example is exported on its CSV of held-out sessions and on a Parquet
copy of it. The Parquet file is written by pandas in the samples environment,
which the CSV export has built: this environment (TensorFlow's) has no pandas.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import report
from noxrun import ROOT, export

from stages import interchange

EXAMPLE_CSV = ROOT / "examples" / "intent" / "sessions.csv"
#: The parity the bundled example promises.
EXAMPLE_TOLERANCE = 1e-5
DEFAULT_ROWS = 256


def _csv_rows(count: int) -> np.ndarray:
    return np.loadtxt(EXAMPLE_CSV, delimiter=",", skiprows=1, dtype=np.float32)[:count]


@pytest.fixture(scope="module")
def from_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example exported on its CSV; its output directory."""
    out = tmp_path_factory.mktemp("csv")
    run = export("--samples", EXAMPLE_CSV, "--out", out)
    assert run.returncode == 0, run.output
    assert "[samples] " in run.stdout
    return out / "intent"


@pytest.fixture(scope="module")
def from_parquet(from_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example exported on a Parquet copy of its CSV, all 300 rows."""
    directory = tmp_path_factory.mktemp("parquet")
    table = directory / "sessions.parquet"
    subprocess.run(
        [
            ROOT / ".nox" / "samples" / "bin" / "python",
            "-c",
            "import sys, pandas; "
            "pandas.read_csv(sys.argv[1]).to_parquet(sys.argv[2], row_group_size=64)",
            EXAMPLE_CSV,
            table,
        ],
        check=True,
    )
    run = export("--samples", table, "--rows", "300", "--out", directory / "out")
    assert run.returncode == 0, run.output
    return directory / "out" / "intent"


def test_the_example_verifies_on_the_first_rows_of_its_csv(from_csv: Path) -> None:
    result = report(from_csv)

    assert result["verdict"] == "pass", result["problems"]
    (output,) = result["outputs"]
    assert output["shape"] == [DEFAULT_ROWS, 1]
    assert output["max_abs_error"] <= EXAMPLE_TOLERANCE
    data = interchange.read(from_csv / "model.npz")
    np.testing.assert_array_equal(
        data.sample_inputs["features"], _csv_rows(DEFAULT_ROWS)
    )
    assert sorted(p.name for p in from_csv.iterdir()) == [
        "model.npz",
        "model.onnx",
        "report.json",
        "samples.npz",
    ]


def test_the_report_names_the_csv_the_samples_came_from(from_csv: Path) -> None:
    origin = report(from_csv)["samples"]

    assert origin["kind"] == "table"
    assert origin["format"] == "csv"
    assert origin["file"] == "sessions.csv"
    assert origin["sha256"] == hashlib.sha256(EXAMPLE_CSV.read_bytes()).hexdigest()
    assert origin["rows"] == DEFAULT_ROWS
    assert origin["npz"] == "samples.npz"
    samples_npz = (from_csv / "samples.npz").read_bytes()
    assert origin["npz_sha256"] == hashlib.sha256(samples_npz).hexdigest()


def test_the_report_shows_pandas_numpy_next_to_tensorflows(from_csv: Path) -> None:
    environments = report(from_csv)["environments"]

    assert {"python", "pandas", "numpy", "pyarrow"} <= set(environments["samples"])
    assert environments["samples"]["numpy"].startswith("2.")
    assert "tensorflow" not in environments["samples"]
    assert {"tensorflow", "numpy"} <= set(environments["extract"])
    assert "pandas" not in environments["extract"]


def test_the_example_verifies_on_a_parquet_copy(from_parquet: Path) -> None:
    result = report(from_parquet)

    assert result["verdict"] == "pass", result["problems"]
    assert result["outputs"][0]["max_abs_error"] <= EXAMPLE_TOLERANCE
    assert result["samples"]["format"] == "parquet"
    assert result["samples"]["file"] == "sessions.parquet"
    assert result["samples"]["rows"] == 300
    data = interchange.read(from_parquet / "model.npz")
    np.testing.assert_array_equal(data.sample_inputs["features"], _csv_rows(300))


def test_a_samples_npz_skips_the_stage_and_keeps_the_tables_origin(
    from_csv: Path, tmp_path: Path
) -> None:
    run = export("--samples", from_csv / "samples.npz", "--out", tmp_path)

    assert run.returncode == 0, run.output
    assert "Session samples skipped: no --samples FILE.csv or .parquet" in run.output
    origin = report(tmp_path / "intent")["samples"]
    assert (origin["file"], origin["rows"]) == ("sessions.csv", DEFAULT_ROWS)
    assert not (tmp_path / "intent" / "samples.npz").exists()


def test_bad_data_stops_the_export_before_tensorflow_in_one_line(
    tmp_path: Path,
) -> None:
    lines = EXAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[2] = "many"
    lines[3] = ",".join(cells)
    table = tmp_path / "sessions.csv"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")

    run = export("--samples", table, "--out", tmp_path / "out")

    assert run.returncode == 1
    assert (
        f"airlock samples: error: {table}: column 'cart_items' row 3: 'many' is not "
        "a number (input 'features' expects float32[N, 8])" in run.output
    )
    assert "Traceback" not in run.output
    assert "Session extract(tf='2.21') aborted" in run.output
    assert not (tmp_path / "out" / "intent").exists()


def test_a_mapping_to_an_unknown_input_is_a_usage_error(tmp_path: Path) -> None:
    run = export(
        "--samples",
        EXAMPLE_CSV,
        "--columns",
        "inputs=cart_items",
        "--out",
        tmp_path / "out",
    )

    assert run.returncode == 2
    assert "--columns maps 'inputs', which is not an input of the model" in run.output
    assert not (tmp_path / "out" / "intent").exists()


def test_several_integer_inputs_take_their_columns_from_a_mapping_file(
    zoo: dict[str, Path], tmp_path: Path
) -> None:
    widths = {"small_ids": 6, "narrow_ids": 5, "grid_ids": 12, "float_ids": 4}
    limits = {"small_ids": 7, "narrow_ids": 7, "grid_ids": 1000, "float_ids": 9}
    rng = np.random.default_rng(5)
    columns = {
        name: [f"{name}_{i}" for i in range(width)] for name, width in widths.items()
    }
    values = {
        name: rng.integers(0, limits[name], (20, w)) for name, w in widths.items()
    }
    header = [c for name in reversed(widths) for c in columns[name]]
    table = np.concatenate([values[name] for name in reversed(widths)], axis=1)
    np.savetxt(
        tmp_path / "ids.csv",
        table,
        fmt="%d",
        delimiter=",",
        header=",".join(header),
        comments="",
    )
    (tmp_path / "map.json").write_text(json.dumps(columns), encoding="utf-8")

    run = export(
        zoo["embedding_variants"],
        "--samples",
        tmp_path / "ids.csv",
        "--columns",
        tmp_path / "map.json",
        "--rows",
        "16",
        "--out",
        tmp_path / "out",
    )

    assert run.returncode == 0, run.output
    directory = tmp_path / "out" / "embedding_variants"
    assert report(directory)["verdict"] == "pass"
    inputs = interchange.read(directory / "model.npz").sample_inputs
    assert {name: array.dtype.name for name, array in inputs.items()} == {
        "small_ids": "uint8",
        "narrow_ids": "int16",
        "grid_ids": "int64",
        "float_ids": "float32",
    }
    np.testing.assert_array_equal(
        inputs["grid_ids"], values["grid_ids"][:16].reshape(16, 3, 4)
    )
    np.testing.assert_array_equal(inputs["small_ids"], values["small_ids"][:16])
