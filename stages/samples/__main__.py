"""Command line of the samples stage.

``python -m stages.samples --table FILE --job MODEL NPZ [--job ...] [--columns SPEC]
[--rows N]`` reads the first rows of a CSV or Parquet file and writes, for each model,
the reference-samples ``.npz`` that extract takes with ``--samples``: one array per
model input, named after it, and the member :data:`stages.tables.ORIGIN_MEMBER`
recording the file, its sha256, the rows and columns used and this environment's
versions, which extract carries into ``model.npz`` and verify into the report.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from stages import tables
from stages.console import (
    UsageError,
    info,
    info_environment,
    parse_arguments,
    run_main,
)
from stages.environment import check_environment, versions
from stages.files import write_atomically

STAGE = "samples"

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def main(argv: Sequence[str]) -> int:
    args = _parse(argv)
    check_environment("samples", "samples")
    environment = versions("pandas", "numpy", "pyarrow")
    info_environment(STAGE, environment)
    if args.rows is not None and args.rows < 1:
        raise UsageError(f"--rows {args.rows}: must be at least 1")
    mapping = tables.parse_columns(args.columns) if args.columns else None

    from stages.samples.table import table_format

    table = Path(args.table)
    origin = {
        "kind": "table",
        "format": table_format(table),
        "file": table.name,
        "sha256": _sha256(table),
        "environment": environment,
    }
    # Every model's samples are made before any is written: a bad row fails the
    # whole run and leaves every earlier file in place.
    made = [
        (Path(target), *samples_for(Path(model), table, mapping, args.rows))
        for model, target in args.job
    ]
    for target, samples, columns in made:
        rows = len(next(iter(samples.values())))
        write_samples(target, samples, {**origin, "rows": rows, "columns": columns})
        info(
            STAGE,
            f"{table}: {rows} rows, columns {_columns_text(columns)} -> {target}",
        )
    return 0


def samples_for(
    model: Path,
    table: Path,
    mapping: Mapping[str, list[str]] | None,
    rows: int | None,
) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """One array per input of ``model`` from ``table``, and the columns each took."""
    from stages.samples.convert import check_rows, columns_for_inputs, to_samples
    from stages.samples.inputs import model_inputs
    from stages.samples.table import column_names, read_rows

    inputs = model_inputs(model)
    columns = columns_for_inputs(inputs, mapping, column_names(table), table)
    used = list(dict.fromkeys(c for names in columns.values() for c in names))
    frame = read_rows(table, used, rows if rows is not None else tables.DEFAULT_ROWS)
    check_rows(table, inputs, len(frame), rows)
    return to_samples(frame, inputs, columns, table), columns


def write_samples(
    path: Path, samples: Mapping[str, np.ndarray], origin: Mapping[str, Any]
) -> None:
    """Write the ``.npz`` atomically, with sorted members and fixed timestamps: the
    same rows always give the same bytes."""
    members = dict(samples)
    members[tables.ORIGIN_MEMBER] = np.frombuffer(
        tables.encode_origin(origin), dtype=np.uint8
    )
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(members):
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH)
            entry.external_attr = 0o644 << 16
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, members[name], allow_pickle=False)
            archive.writestr(entry, buffer.getvalue())
    write_atomically(path, stream.getvalue())


def _columns_text(columns: Mapping[str, list[str]]) -> str:
    return "; ".join(
        f"{name}={names[0]}"
        + (f"..{names[-1]} ({len(names)})" if len(names) > 1 else "")
        for name, names in columns.items()
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror})") from None
    return digest.hexdigest()


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m stages.samples",
        description="Read a CSV or Parquet file into reference-samples .npz files.",
    )
    parser.add_argument(
        "--table", required=True, help="the .csv or .parquet file to read"
    )
    parser.add_argument(
        "--job",
        nargs=2,
        action="append",
        required=True,
        metavar=("MODEL", "NPZ"),
        help="a .keras or model.npz file and the samples .npz to write (repeatable)",
    )
    parser.add_argument(
        "--columns",
        metavar="MAPPING",
        help="'input=colA,colB;other=colC', or a .json or .toml file mapping each "
        "input to a list of columns (default: one input takes every column)",
    )
    parser.add_argument(
        "--rows",
        type=int,
        metavar="N",
        help=f"use the first N rows (default: the first {tables.DEFAULT_ROWS}, "
        "or all if fewer)",
    )
    return parse_arguments(parser, argv)


if __name__ == "__main__":
    run_main(STAGE, main)
