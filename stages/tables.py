"""Reference samples from a table: what the plan, the samples stage and extract share.

A CSV or Parquet file given to ``--samples`` is turned into the reference-samples
``.npz`` by the samples stage (``stages/samples``). This module holds what more than
one environment needs to agree on, in the standard library only (the plan runs in
nox's own environment, which has no numpy):

- the ``--columns`` syntax that maps the table's columns to the model's inputs;
- the member of the reference-samples ``.npz`` that records where its rows came
  from, which extract carries over into ``model.npz`` and so into the report.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stages.console import AirlockError, UsageError

__all__ = [
    "DEFAULT_ROWS",
    "ORIGIN_MEMBER",
    "TABLE_SUFFIXES",
    "decode_origin",
    "encode_origin",
    "is_mapping_file",
    "parse_columns",
]

#: File suffixes read as tables, by format name.
TABLE_SUFFIXES = {".csv": "csv", ".parquet": "parquet"}
#: Rows used when ``--rows`` is not given: the first ones, or all if fewer.
DEFAULT_ROWS = 256
#: The ``.npz`` member (a ``uint8`` array of UTF-8 JSON) that records the origin
#: of the rows. Keras refuses ``/`` in layer names, so no model input has it.
ORIGIN_MEMBER = "airlock/origin"


def is_mapping_file(spec: str) -> bool:
    """Whether ``--columns spec`` names a file rather than an inline mapping."""
    return spec.endswith((".json", ".toml")) and "=" not in spec


def parse_columns(spec: str, cwd: Path | None = None) -> dict[str, list[str]]:
    """The column mapping of ``--columns``: model input name -> column names.

    ``spec`` is either inline, ``input=colA,colB;other=colC`` (names stripped of
    surrounding spaces), or the path of a ``.json`` or ``.toml`` file mapping each
    input to a list of column names (``{"input": ["colA", "colB"]}``); a relative
    path is taken from ``cwd``. The order of the columns is the order of the values
    in the input's last axis.
    """
    if is_mapping_file(spec):
        return _mapping_file(spec, (cwd or Path.cwd()) / spec)

    mapping: dict[str, list[str]] = {}
    for part in spec.split(";"):
        if not part.strip():
            continue
        name, equals, columns = part.partition("=")
        name = name.strip()
        if not equals or not name:
            raise UsageError(
                f"--columns {spec!r}: {part.strip()!r} is not INPUT=COLUMN,...; "
                "write input=colA,colB;other=colC or give a .json or .toml file"
            )
        if name in mapping:
            raise UsageError(f"--columns {spec!r}: input {name!r} is mapped twice")
        mapping[name] = [column.strip() for column in columns.split(",")]
    return _checked(spec, mapping)


def _mapping_file(spec: str, path: Path) -> dict[str, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(
            f"--columns {spec}: cannot be read ({error.strerror})"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"--columns {spec}: is not UTF-8 text") from None
    try:
        loaded: Any = (
            json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        )
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"--columns {spec}: cannot be parsed ({error})") from None
    if not isinstance(loaded, dict) or not all(
        isinstance(columns, list) and all(isinstance(c, str) for c in columns)
        for columns in loaded.values()
    ):
        raise UsageError(
            f"--columns {spec}: must map each input name to a list of column names, "
            'e.g. {"input": ["colA", "colB"]}'
        )
    return _checked(
        spec, {str(name): list(columns) for name, columns in loaded.items()}
    )


def _checked(spec: str, mapping: dict[str, list[str]]) -> dict[str, list[str]]:
    if not mapping:
        raise UsageError(f"--columns {spec!r}: maps no input")
    for name, columns in mapping.items():
        if not columns or any(not column for column in columns):
            raise UsageError(
                f"--columns {spec!r}: input {name!r} needs a comma-separated list of "
                "column names without empty entries"
            )
        twice = sorted({column for column in columns if columns.count(column) > 1})
        if twice:
            raise UsageError(
                f"--columns {spec!r}: input {name!r} lists column {twice[0]!r} twice"
            )
    return mapping


def encode_origin(origin: Mapping[str, Any]) -> bytes:
    """The bytes of the :data:`ORIGIN_MEMBER` for ``origin``."""
    return json.dumps(dict(origin), sort_keys=True, separators=(",", ":")).encode()


def decode_origin(data: bytes, where: str) -> dict[str, Any]:
    """The origin recorded by :func:`encode_origin`; ``where`` names the file."""
    try:
        origin = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AirlockError(
            f"{where}: member {ORIGIN_MEMBER!r} is not JSON ({error})"
        ) from None
    if not isinstance(origin, dict):
        raise AirlockError(f"{where}: member {ORIGIN_MEMBER!r} is not a JSON object")
    return origin
