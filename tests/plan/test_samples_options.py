"""Reference samples from a table: --samples FILE.csv/.parquet, --columns, --rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stages.console import EXIT_USAGE, UsageError
from stages.plan import ARTIFACT_SAMPLES, parse_export_arguments
from stages.tables import DEFAULT_ROWS, is_mapping_file, parse_columns


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    for name in ("data.csv", "data.parquet", "rows.npz", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    with (tmp_path / "net.keras").open("wb"):
        pass
    return tmp_path


@pytest.mark.parametrize("table", ["data.csv", "data.parquet"])
def test_a_table_is_read_into_each_models_own_samples_file(
    cwd: Path, table: str
) -> None:
    plan = parse_export_arguments(["net.keras", "--samples", table], cwd)

    (job,) = plan.jobs
    assert plan.table == cwd / table
    assert plan.samples_for(job) == cwd / "build" / "net" / ARTIFACT_SAMPLES
    assert (plan.columns, plan.rows) == (None, None)


def test_an_npz_goes_to_extract_as_given(cwd: Path) -> None:
    plan = parse_export_arguments(["net.keras", "--samples", "rows.npz"], cwd)

    (job,) = plan.jobs
    assert plan.table is None
    assert plan.samples_for(job) == cwd / "rows.npz"


def test_without_samples_extract_draws_random_ones(cwd: Path) -> None:
    plan = parse_export_arguments(["net.keras"], cwd)

    assert plan.table is None
    assert plan.samples_for(plan.jobs[0]) is None


def test_columns_and_rows_reach_the_samples_stage(cwd: Path) -> None:
    plan = parse_export_arguments(
        ["net.keras", "--samples", "data.csv", "--columns", "a=x,y;b=z", "--rows", "9"],
        cwd,
    )

    assert (plan.columns, plan.rows) == ("a=x,y;b=z", 9)


def test_a_mapping_file_is_passed_on_by_its_absolute_path(cwd: Path) -> None:
    (cwd / "map.json").write_text(json.dumps({"a": ["x"]}))

    plan = parse_export_arguments(
        ["net.keras", "--samples", "data.csv", "--columns", "map.json"], cwd
    )

    assert plan.columns == str(cwd / "map.json")


@pytest.mark.parametrize(
    ("spec", "mapping"),
    [
        ("features=a,b,c", {"features": ["a", "b", "c"]}),
        ("q = a, b ; ids=c;", {"q": ["a", "b"], "ids": ["c"]}),
        ("x=col with spaces", {"x": ["col with spaces"]}),
    ],
)
def test_inline_mappings_list_columns_per_input_in_order(
    spec: str, mapping: dict[str, list[str]]
) -> None:
    assert parse_columns(spec) == mapping


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("map.json", '{"q": ["a", "b"], "ids": ["c"]}'),
        ("map.toml", 'q = ["a", "b"]\nids = ["c"]\n'),
    ],
)
def test_mapping_files_hold_the_same_mapping(
    tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / name).write_text(text)

    assert is_mapping_file(name)
    assert parse_columns(name, tmp_path) == {"q": ["a", "b"], "ids": ["c"]}


def test_the_default_row_count_is_a_few_hundred() -> None:
    assert 100 <= DEFAULT_ROWS <= 1000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--samples", "notes.txt"], r"--samples notes\.txt: expected an \.npz file"),
        (["--columns", "a=b"], "--columns applies to a .csv or .parquet file"),
        (["--samples", "rows.npz", "--rows", "5"], "--rows applies to a .csv"),
        (["--samples", "data.csv", "--rows", "0"], "--rows 0: must be at least 1"),
        (
            ["--samples", "data.csv", "--columns", "a,b"],
            r"'a,b' is not INPUT=COLUMN,\.\.\.; write input=colA,colB;other=colC",
        ),
        (["--samples", "data.csv", "--columns", "a=x;a=y"], "'a' is mapped twice"),
        (["--samples", "data.csv", "--columns", "a=x,,y"], "without empty entries"),
        (["--samples", "data.csv", "--columns", "a=x,x"], "lists column 'x' twice"),
        (["--samples", "data.csv", "--columns", ";"], "maps no input"),
        (["--samples", "data.csv", "--columns", "none.json"], "cannot be read"),
        (["--samples", "data.csv", "--columns", "bad.json"], "cannot be parsed"),
        (["--samples", "data.csv", "--columns", "list.json"], "list of column names"),
    ],
)
def test_bad_table_options_are_usage_errors(
    cwd: Path, argv: list[str], message: str
) -> None:
    (cwd / "bad.json").write_text("{")
    (cwd / "list.json").write_text('{"a": "x"}')

    with pytest.raises(UsageError, match=message) as error:
        parse_export_arguments(["net.keras", *argv], cwd)

    assert error.value.exit_code == EXIT_USAGE
    assert "\n" not in str(error.value)
