"""Turn table columns into one array per model input.

Which columns feed which input: by default the model's only input takes every
column in file order; ``--columns`` selects and orders them per input (see
:func:`stages.tables.parse_columns`). Each row of the table becomes one sample:

- an input of shape ``[N]`` takes one column;
- an input of shape ``[N, d]`` takes ``d`` columns (any number if ``d`` is unknown);
- an input of higher rank, ``[N, d1, d2, ...]`` with every size known, takes
  ``d1 * d2 * ...`` columns, reshaped in row-major order (the last axis varies
  fastest, as ``numpy.reshape`` and Keras lay out the values). One with a size
  left unknown is refused: a row does not say how to fold its values.

Values keep the input's dtype: floats are cast to a float input's type, integer
inputs (embedding ids) need whole numbers within the range of their type, boolean
inputs need 0 or 1. An empty cell, NaN, infinity or text that is not a number is
refused with the column and the row (counted from 1 after the header).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stages.console import AirlockError, UsageError
from stages.samples.inputs import shape_text

__all__ = ["check_rows", "columns_for_inputs", "to_samples"]

_LISTED = 12


def columns_for_inputs(
    inputs: Sequence[dict[str, Any]],
    mapping: Mapping[str, list[str]] | None,
    available: Sequence[str],
    table: Path,
) -> dict[str, list[str]]:
    """The columns of each input, checked against the file's ``available`` ones."""
    expected = _inputs_text(inputs)
    names = [spec["name"] for spec in inputs]
    if mapping is None:
        if len(inputs) != 1:
            raise UsageError(
                f"the model has {len(inputs)} inputs ({expected}); say which columns "
                f"feed each with --columns '{'=...;'.join(names)}=...'"
            )
        mapping = {names[0]: list(available)}
    unknown = [name for name in mapping if name not in names]
    if unknown:
        raise UsageError(
            f"--columns maps {unknown[0]!r}, which is not an input of the model "
            f"({expected})"
        )
    missing = [name for name in names if name not in mapping]
    if missing:
        raise UsageError(
            f"--columns maps no column to input {missing[0]!r} (model inputs: "
            f"{expected})"
        )

    present = set(available)
    for name, columns in mapping.items():
        for column in columns:
            if column not in present:
                raise AirlockError(
                    f"{table}: no column {column!r} (for input {name!r}); the file "
                    f"has {_listed(available)}"
                )
    return {name: list(mapping[name]) for name in names}


def check_rows(
    table: Path, inputs: Sequence[dict[str, Any]], found: int, asked: int | None
) -> None:
    """Refuse a table with fewer rows than asked for, or than a fixed batch needs."""
    if found == 0:
        raise AirlockError(f"{table}: has no data rows; at least 1 is needed")
    for spec in inputs:
        batch = spec["shape"][0] if spec["shape"] else None
        if batch is not None and found != batch:
            raise AirlockError(
                f"{table}: input {spec['name']!r} expects {shape_text(spec)}, a fixed "
                f"batch of {batch} rows; {found} rows are used (choose them with "
                f"--rows {batch})"
            )
    if asked is not None and found < asked:
        raise AirlockError(
            f"{table}: has {found} data rows, --rows asks for {asked}; give a "
            f"smaller --rows or a longer file"
        )


def to_samples(
    frame: pd.DataFrame,
    inputs: Sequence[dict[str, Any]],
    columns: Mapping[str, list[str]],
    table: Path,
) -> dict[str, np.ndarray]:
    """One array per input from the rows of ``frame``."""
    samples = {}
    for spec in inputs:
        names = columns[spec["name"]]
        shape = _row_shape(spec, len(names), table)
        want = np.dtype(spec["dtype"])
        values = [_column(frame[name], name, spec, want, table) for name in names]
        matrix = np.stack(values, axis=1)
        samples[spec["name"]] = np.ascontiguousarray(
            matrix.astype(want).reshape((len(frame), *shape))
        )
    return samples


def _row_shape(spec: dict[str, Any], count: int, table: Path) -> tuple[int, ...]:
    """The shape one table row fills, after the batch axis."""
    dims = spec["shape"][1:]
    where = f"{table}: input {spec['name']!r} expects {shape_text(spec)}"
    if count == 0:
        raise AirlockError(f"{where}, but gets no columns")
    if not dims:
        if count != 1:
            raise AirlockError(f"{where}, one value per row, but gets {count} columns")
        return ()
    if len(dims) == 1:
        if dims[0] is not None and dims[0] != count:
            raise AirlockError(f"{where}, {dims[0]} columns, but gets {count}")
        return (count,)
    if any(dim is None for dim in dims):
        raise AirlockError(
            f"{where}: a table row cannot fill a dimension of unknown size; give "
            "the reference inputs as an .npz"
        )
    size = math.prod(dims)
    if size != count:
        raise AirlockError(
            f"{where}, {size} columns per row (reshaped in row-major order), but "
            f"gets {count}"
        )
    return tuple(dims)


def _column(
    series: pd.Series, name: str, spec: dict[str, Any], want: np.dtype, table: Path
) -> np.ndarray:
    """One column as float64 or int64 values that fit the input's dtype."""
    where = f"{table}: column {name!r}"
    expects = f"(input {spec['name']!r} expects {shape_text(spec)})"

    values = _numbers(series, where, expects)
    integers = values.dtype.kind == "i"

    if want.kind == "f":
        with np.errstate(over="ignore"):  # too large for the type: refused below
            cast = values.astype(want)
        bad = np.flatnonzero(~np.isfinite(cast))
        if bad.size:
            raise AirlockError(
                f"{where} row {bad[0] + 1}: {_number(values[bad[0]])} is not a finite "
                f"{want} number {expects}"
            )
        return values
    if not integers:
        bad = np.flatnonzero(values != np.round(values))
        if bad.size:
            raise AirlockError(
                f"{where} row {bad[0] + 1}: {_number(values[bad[0]])} is not a whole "
                f"number {expects}"
            )
    low, high = (0, 1) if want.kind == "b" else (np.iinfo(want).min, np.iinfo(want).max)
    bad = np.flatnonzero((values < low) | (values > high))
    if bad.size:
        allowed = "0 or 1" if want.kind == "b" else f"within the range of {want}"
        value = _number(values[bad[0]])
        raise AirlockError(
            f"{where} row {bad[0] + 1}: {value} is not {allowed} {expects}"
        )
    return values if integers else values.astype(np.int64)


def _numbers(series: pd.Series, where: str, expects: str) -> np.ndarray:
    """The column as int64 (integer or boolean columns) or float64 values; an
    empty cell, NaN or text that is not a number is refused with its row."""
    missing = np.flatnonzero(series.isna().to_numpy())
    if missing.size:
        raise AirlockError(f"{where} row {missing[0] + 1} is empty or NaN {expects}")
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype("int64")
    if not (
        pd.api.types.is_integer_dtype(series.dtype)
        or pd.api.types.is_float_dtype(series.dtype)
    ):
        numbers = pd.to_numeric(series, errors="coerce")
        bad = np.flatnonzero(numbers.isna().to_numpy())
        if bad.size:
            text = series.iloc[bad[0]]
            raise AirlockError(
                f"{where} row {bad[0] + 1}: {text!r} is not a number {expects}"
            )
        series = numbers
    integers = pd.api.types.is_integer_dtype(series.dtype)
    values: np.ndarray = series.to_numpy(dtype=np.int64 if integers else np.float64)
    return values


def _number(value: np.generic) -> str:
    return str(value.item())


def _inputs_text(inputs: Sequence[dict[str, Any]]) -> str:
    return ", ".join(f"{spec['name']} {shape_text(spec)}" for spec in inputs)


def _listed(columns: Sequence[str]) -> str:
    shown = ", ".join(repr(column) for column in columns[:_LISTED])
    more = len(columns) - _LISTED
    if not columns:
        return "no columns"
    return f"columns {shown}" + (f" and {more} more" if more > 0 else "")
