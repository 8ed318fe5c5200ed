"""The samples stage as the export runs it: files in, reference-samples .npz out."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from stages import tables
from stages.console import AirlockError
from stages.samples.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "intent"


def _train_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("intent_train", EXAMPLE / "train.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stages.samples", *map(str, arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _origin(path: Path) -> dict[str, object]:
    with np.load(path, allow_pickle=False) as archive:
        return tables.decode_origin(archive[tables.ORIGIN_MEMBER].tobytes(), "")


def test_the_committed_csv_is_what_train_py_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train = _train_script()
    monkeypatch.setattr(train, "CSV_OUTPUT", tmp_path / "sessions.csv")

    train.write_csv()

    written = (tmp_path / "sessions.csv").read_bytes()
    assert written == (EXAMPLE / "sessions.csv").read_bytes()
    features, _ = train.synthetic_sessions(train.CSV_ROWS, train.CSV_SEED)
    frame = pd.read_csv(EXAMPLE / "sessions.csv")
    assert list(frame.columns) == list(train.FEATURES)
    np.testing.assert_array_equal(frame.to_numpy(np.float32), features)


def test_the_example_csv_becomes_its_first_rows_with_their_origin(
    tmp_path: Path,
) -> None:
    table = EXAMPLE / "sessions.csv"
    target = tmp_path / "samples.npz"

    assert (
        main(
            ["--table", str(table), "--job", str(EXAMPLE / "intent.keras"), str(target)]
        )
        == 0
    )

    with np.load(target, allow_pickle=False) as archive:
        assert sorted(archive.files) == [tables.ORIGIN_MEMBER, "features"]
        features = archive["features"]
    expected = _train_script().synthetic_sessions(300, 8)[0][: tables.DEFAULT_ROWS]
    np.testing.assert_array_equal(features, expected)
    origin = _origin(target)
    assert origin["file"] == "sessions.csv"
    assert origin["format"] == "csv"
    assert origin["sha256"] == hashlib.sha256(table.read_bytes()).hexdigest()
    assert origin["rows"] == tables.DEFAULT_ROWS
    assert origin["columns"] == {"features": list(pd.read_csv(table, nrows=0).columns)}
    environment = origin["environment"]
    assert isinstance(environment, dict)
    assert environment["pandas"] == pd.__version__
    assert environment["numpy"].startswith("2.")


def test_csv_and_parquet_of_the_same_rows_give_the_same_bytes(tmp_path: Path) -> None:
    frame = pd.read_csv(EXAMPLE / "sessions.csv")
    frame.to_parquet(tmp_path / "sessions.parquet", row_group_size=7)
    model = EXAMPLE / "intent.keras"

    for table in (EXAMPLE / "sessions.csv", tmp_path / "sessions.parquet"):
        target = tmp_path / f"{table.suffix[1:]}.npz"
        main(["--table", str(table), "--job", str(model), str(target), "--rows", "20"])

    with np.load(tmp_path / "csv.npz") as csv, np.load(tmp_path / "parquet.npz") as pq:
        np.testing.assert_array_equal(csv["features"], pq["features"])
        assert csv["features"].shape == (20, 8)
    assert _origin(tmp_path / "parquet.npz")["format"] == "parquet"


def test_the_same_table_always_gives_the_same_bytes(tmp_path: Path) -> None:
    model = EXAMPLE / "intent.keras"
    table = EXAMPLE / "sessions.csv"

    for name in ("a.npz", "b.npz"):
        main(["--table", str(table), "--job", str(model), str(tmp_path / name)])

    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_bad_data_exits_1_in_one_line_and_keeps_the_earlier_file(
    tmp_path: Path,
) -> None:
    table = tmp_path / "rows.csv"
    table.write_text("a,b,c,d,e,f,g,h\n" + "1,2,3,4,5,6,7,8\n" + "1,2,,4,5,6,7,8\n")
    target = tmp_path / "samples.npz"
    target.write_bytes(b"earlier")

    run = _run("--table", table, "--job", EXAMPLE / "intent.keras", target)

    assert run.returncode == 1
    assert run.stderr == (
        f"airlock samples: error: {table}: column 'c' row 2 is empty or NaN "
        "(input 'features' expects float32[N, 8])\n"
    )
    assert target.read_bytes() == b"earlier"
    assert [p.name for p in tmp_path.iterdir()] == [
        "rows.csv",
        "samples.npz",
    ] or sorted(p.name for p in tmp_path.iterdir()) == ["rows.csv", "samples.npz"]


def test_a_mapping_naming_no_input_exits_2(tmp_path: Path) -> None:
    run = _run(
        "--table",
        EXAMPLE / "sessions.csv",
        "--job",
        EXAMPLE / "intent.keras",
        tmp_path / "samples.npz",
        "--columns",
        "feature=cart_items",
    )

    assert run.returncode == 2
    assert "--columns maps 'feature', which is not an input of the model" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "samples.npz").exists()


def test_an_unreadable_table_is_named(tmp_path: Path) -> None:
    table = tmp_path / "rows.parquet"
    table.write_bytes(b"not parquet")

    run = _run("--table", table, "--job", EXAMPLE / "intent.keras", tmp_path / "s.npz")

    assert run.returncode == 1
    assert f"{table}: cannot be read as PARQUET" in run.stderr
    assert len(run.stderr.splitlines()) == 1


def test_a_null_in_a_parquet_file_is_named_by_column_and_row(tmp_path: Path) -> None:
    frame = pd.read_csv(EXAMPLE / "sessions.csv", nrows=5)
    frame["pages_viewed"] = frame["pages_viewed"].astype("Float64")
    frame.loc[3, "pages_viewed"] = pd.NA
    frame.to_parquet(tmp_path / "rows.parquet")

    with pytest.raises(AirlockError, match="column 'pages_viewed' row 4 is empty"):
        main(
            [
                "--table",
                str(tmp_path / "rows.parquet"),
                "--job",
                str(EXAMPLE / "intent.keras"),
                str(tmp_path / "samples.npz"),
            ]
        )

    assert not (tmp_path / "samples.npz").exists()
