"""Columns to model inputs: mapping, shapes, dtypes, and the bad-data messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stages.console import EXIT_FAILED, EXIT_USAGE, AirlockError, UsageError
from stages.samples.convert import check_rows, columns_for_inputs, to_samples

TABLE = Path("data.csv")
FEATURES = {"name": "features", "dtype": "float32", "shape": [None, 3]}
IDS = {"name": "ids", "dtype": "int32", "shape": [None, 2]}


def _convert(
    frame: pd.DataFrame,
    inputs: list[dict[str, Any]],
    mapping: dict[str, list[str]] | None = None,
) -> dict[str, np.ndarray]:
    columns = columns_for_inputs(inputs, mapping, list(frame.columns), TABLE)
    return to_samples(frame, inputs, columns, TABLE)


def test_one_input_takes_every_column_in_file_order() -> None:
    frame = pd.DataFrame({"c": [1.5, 2.5], "a": [3, 4], "b": [True, False]})

    (array,) = _convert(frame, [FEATURES]).values()

    assert array.dtype == np.float32
    np.testing.assert_array_equal(array, [[1.5, 3, 1], [2.5, 4, 0]])


def test_the_mapping_selects_and_orders_columns_per_input() -> None:
    frame = pd.DataFrame(
        {"x": [0.5, 1.5], "id1": [7, 8], "y": [2.0, 3.0], "id0": [1, 2], "z": [9, 9]}
    )

    samples = _convert(
        frame, [FEATURES, IDS], {"ids": ["id0", "id1"], "features": ["z", "y", "x"]}
    )

    np.testing.assert_array_equal(samples["features"], [[9, 2, 0.5], [9, 3, 1.5]])
    np.testing.assert_array_equal(samples["ids"], [[1, 7], [2, 8]])
    assert samples["ids"].dtype == np.int32


def test_integer_ids_keep_their_values_beyond_float32_precision() -> None:
    spec = {"name": "ids", "dtype": "int64", "shape": [None, 1]}
    frame = pd.DataFrame({"id": [2**40 + 1, 3]})

    (array,) = _convert(frame, [spec]).values()

    assert array.dtype == np.int64
    assert array[0, 0] == 2**40 + 1


def test_whole_floats_are_accepted_as_ids() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})

    (array,) = _convert(frame, [IDS]).values()

    np.testing.assert_array_equal(array, [[1, 3], [2, 4]])


def test_a_rank_one_input_takes_one_column() -> None:
    spec = {"name": "age", "dtype": "float64", "shape": [None]}

    (array,) = _convert(pd.DataFrame({"age": [30, 41]}), [spec]).values()

    assert array.shape == (2,)


def test_an_unknown_width_takes_every_column_given() -> None:
    spec = {"name": "tokens", "dtype": "int32", "shape": [None, None]}
    frame = pd.DataFrame({f"t{i}": [i, i + 1] for i in range(5)})

    (array,) = _convert(frame, [spec]).values()

    assert array.shape == (2, 5)


def test_higher_ranks_are_filled_in_row_major_order() -> None:
    spec = {"name": "image", "dtype": "float32", "shape": [None, 2, 3, 1]}
    frame = pd.DataFrame({f"p{i}": [i, 10 + i] for i in range(6)})

    (array,) = _convert(frame, [spec]).values()

    assert array.shape == (2, 2, 3, 1)
    np.testing.assert_array_equal(array[1, :, :, 0], [[10, 11, 12], [13, 14, 15]])


def test_the_model_fixes_the_batch_and_the_rows_must_match() -> None:
    spec = {"name": "x", "dtype": "float32", "shape": [4, 2]}

    check_rows(TABLE, [spec], 4, None)
    with pytest.raises(AirlockError, match="a fixed batch of 4 rows; 3 rows are used"):
        check_rows(TABLE, [spec], 3, None)


@pytest.mark.parametrize(
    ("frame", "inputs", "mapping", "message"),
    [
        (
            pd.DataFrame({"a": [1.0], "b": [2.0], "c": ["x"]}),
            [FEATURES],
            {"features": ["a", "b", "d"]},
            r"data\.csv: no column 'd' \(for input 'features'\); the file has "
            r"columns 'a', 'b', 'c'",
        ),
        (
            pd.DataFrame({"a": [1.0, 2.0], "b": ["3", "four"], "c": [5.0, 6.0]}),
            [FEATURES],
            None,
            r"data\.csv: column 'b' row 2: 'four' is not a number "
            r"\(input 'features' expects float32\[N, 3\]\)",
        ),
        (
            pd.DataFrame({"a": [1.0, 2.0, None], "b": [1, 2, 3], "c": [1, 2, 3]}),
            [FEATURES],
            None,
            r"data\.csv: column 'a' row 3 is empty or NaN "
            r"\(input 'features' expects float32\[N, 3\]\)",
        ),
        (
            pd.DataFrame({"a": [1.0, np.inf], "b": [1, 2], "c": [1, 2]}),
            [FEATURES],
            None,
            r"column 'a' row 2: inf is not a finite float32 number",
        ),
        (
            pd.DataFrame({"a": [1.0, 1e39], "b": [1, 2], "c": [1, 2]}),
            [FEATURES],
            None,
            r"column 'a' row 2: 1e\+39 is not a finite float32 number",
        ),
        (
            pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}),
            [FEATURES],
            None,
            r"data\.csv: input 'features' expects float32\[N, 3\], 3 columns, "
            r"but gets 2",
        ),
        (
            pd.DataFrame({"a": [1, 2], "b": [3.5, 4.0]}),
            [IDS],
            None,
            r"column 'b' row 1: 3\.5 is not a whole number "
            r"\(input 'ids' expects int32\[N, 2\]\)",
        ),
        (
            pd.DataFrame({"a": [1, 2], "b": [3, 2**31]}),
            [IDS],
            None,
            r"column 'b' row 2: 2147483648 is not within the range of int32",
        ),
        (
            pd.DataFrame({"a": [0, 2]}),
            [{"name": "flag", "dtype": "bool", "shape": [None, 1]}],
            None,
            r"column 'a' row 2: 2 is not 0 or 1",
        ),
        (
            pd.DataFrame({f"p{i}": [0.0] for i in range(5)}),
            [{"name": "image", "dtype": "float32", "shape": [None, 2, 3]}],
            None,
            r"input 'image' expects float32\[N, 2, 3\], 6 columns per row "
            r"\(reshaped in row-major order\), but gets 5",
        ),
        (
            pd.DataFrame({f"p{i}": [0.0] for i in range(6)}),
            [{"name": "seq", "dtype": "float32", "shape": [None, None, 3]}],
            None,
            r"input 'seq' expects float32\[N, N, 3\]: a table row cannot fill a "
            r"dimension of unknown size; give the reference inputs as an \.npz",
        ),
    ],
)
def test_bad_data_is_refused_naming_column_row_and_expected_shape(
    frame: pd.DataFrame,
    inputs: list[dict[str, Any]],
    mapping: dict[str, list[str]] | None,
    message: str,
) -> None:
    with pytest.raises(AirlockError, match=message) as error:
        _convert(frame, inputs, mapping)

    assert error.value.exit_code == EXIT_FAILED
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            None,
            r"the model has 2 inputs \(features float32\[N, 3\], ids int32\[N, 2\]\); "
            r"say which columns feed each with --columns 'features=\.\.\.;ids=\.\.\.'",
        ),
        (
            {"features": ["a"], "idz": ["b"]},
            r"--columns maps 'idz', which is not an input of the model",
        ),
        ({"features": ["a"]}, "--columns maps no column to input 'ids'"),
    ],
)
def test_a_mapping_that_does_not_fit_the_model_is_a_usage_error(
    mapping: dict[str, list[str]] | None, message: str
) -> None:
    frame = pd.DataFrame({"a": [1.0], "b": [2]})

    with pytest.raises(UsageError, match=message) as error:
        _convert(frame, [FEATURES, IDS], mapping)

    assert error.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize(
    ("found", "asked", "message"),
    [
        (0, None, r"data\.csv: has no data rows; at least 1 is needed"),
        (
            40,
            100,
            r"data\.csv: has 40 data rows, --rows asks for 100; give a smaller "
            r"--rows or a longer file",
        ),
    ],
)
def test_too_few_rows_are_refused(found: int, asked: int | None, message: str) -> None:
    with pytest.raises(AirlockError, match=message):
        check_rows(TABLE, [FEATURES], found, asked)
