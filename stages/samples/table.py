"""Read the first rows of a CSV or Parquet file with pandas.

Only the columns that are used and only the rows that are used are read: the first
``rows`` of the file, so the same file and options always give the same samples.
A CSV file needs a header row with the column names.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from stages.console import AirlockError, UsageError
from stages.tables import TABLE_SUFFIXES

__all__ = ["column_names", "read_rows", "table_format"]


def table_format(path: Path) -> str:
    """``csv`` or ``parquet``, from the file's suffix."""
    if path.suffix not in TABLE_SUFFIXES:
        raise UsageError(
            f"{path}: expected a .csv or .parquet file, not '{path.suffix}'"
        )
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    return TABLE_SUFFIXES[path.suffix]


def column_names(path: Path) -> list[str]:
    """The table's column names, in file order."""
    try:
        if table_format(path) == "csv":
            return [str(name) for name in pd.read_csv(path, nrows=0).columns]
        import pyarrow.parquet as pq

        return [str(name) for name in pq.ParquetFile(path).schema_arrow.names]
    except AirlockError:
        raise
    except Exception as error:  # pandas and pyarrow raise many types for bad files
        raise AirlockError(_unreadable(path, error)) from None


def read_rows(path: Path, columns: Sequence[str], rows: int) -> pd.DataFrame:
    """The first ``rows`` rows (or all, if fewer) of ``columns``, in that order."""
    try:
        if table_format(path) == "csv":
            frame = pd.read_csv(path, usecols=list(columns), nrows=rows)
        else:
            frame = _parquet_rows(path, columns, rows)
    except AirlockError:
        raise
    except Exception as error:  # pandas and pyarrow raise many types for bad files
        raise AirlockError(_unreadable(path, error)) from None
    return frame[list(columns)]


def _parquet_rows(path: Path, columns: Sequence[str], rows: int) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    batches = []
    count = 0
    for batch in pq.ParquetFile(path).iter_batches(
        batch_size=rows, columns=list(columns)
    ):
        batches.append(batch.slice(0, rows - count))
        count += batches[-1].num_rows
        if count >= rows:
            break
    if not batches:
        return pq.read_schema(path).empty_table().select(list(columns)).to_pandas()
    return pa.Table.from_batches(batches).to_pandas()


def _unreadable(path: Path, error: Exception) -> str:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
    kind = table_format(path).upper() if path.suffix in TABLE_SUFFIXES else "a table"
    return f"{path}: cannot be read as {kind} ({type(error).__name__}: {reason})"
