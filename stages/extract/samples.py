"""Reference inputs: seeded random data, or the user's own from an ``.npz`` file.

An ``.npz`` written by the samples stage from a CSV or Parquet file also holds the
member :data:`stages.tables.ORIGIN_MEMBER`, which says where its rows came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from stages.console import AirlockError, UsageError
from stages.interchange import (
    InterchangeError,
    MemberHeader,
    load_members,
    scan_npz,
)
from stages.tables import ORIGIN_MEMBER, decode_origin

__all__ = [
    "BATCH",
    "DYNAMIC_SIZE",
    "ID_LIMIT",
    "MAX_SAMPLE_BYTES",
    "check_samples_file",
    "id_limits",
    "load_samples",
    "random_samples",
    "samples_origin",
]

#: Most bytes of array data a samples file may declare (compressed members are
#: allowed, so their declared sizes are bounded instead of trusted).
MAX_SAMPLE_BYTES = 1 << 30
#: Rows of random reference data.
BATCH = 8
#: The size given to a dynamic dimension other than the batch.
DYNAMIC_SIZE = 5
#: Integer inputs get values in ``[0, ID_LIMIT)`` unless an Embedding reads them.
ID_LIMIT = 10


def id_limits(layers: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The number of valid ids of each tensor that an ``Embedding`` layer reads.

    ``layers`` are the layer records of the description; a tensor read by several
    embeddings gets the smallest ``input_dim``, so every id is valid for all of
    them.
    """
    limits: dict[str, int] = {}
    for layer in layers:
        if layer["kind"] != "Embedding":
            continue
        size = int(layer["config"]["input_dim"])
        for tensor in layer["inputs"]:
            limits[tensor] = min(size, limits.get(tensor, size))
    return limits


def random_samples(
    inputs: Sequence[dict[str, Any]],
    seed: int,
    limits: Mapping[str, int] | None = None,
) -> dict[str, np.ndarray]:
    """Seeded random data that fits each input's dtype and shape.

    Integer inputs get values in ``[0, ID_LIMIT)``; an input named in ``limits`` (the
    ids an embedding reads, see :func:`id_limits`) gets values in ``[0, limit)``,
    also when its dtype is a float, so that every id the embedding knows can occur
    and none is out of its range.
    """
    limits = limits or {}
    rng = np.random.default_rng(seed)
    samples = {}
    for spec in inputs:
        shape = [
            (BATCH if axis == 0 else DYNAMIC_SIZE) if dim is None else dim
            for axis, dim in enumerate(spec["shape"])
        ]
        dtype = np.dtype(spec["dtype"])
        limit = limits.get(spec["name"])
        if dtype.kind in "iuf" and limit is not None:
            if dtype.kind in "iu":
                limit = min(limit, int(np.iinfo(dtype).max) + 1)
            array = rng.integers(0, limit, size=shape).astype(dtype)
        elif dtype.kind == "f":
            array = rng.standard_normal(shape).astype(dtype)
        elif dtype.kind in "iu":
            array = rng.integers(0, ID_LIMIT, size=shape).astype(dtype)
        elif dtype.kind == "b":
            array = rng.random(shape) < 0.5
        else:
            raise AirlockError(f"input {spec['name']!r}: no random data for {dtype}")
        samples[spec["name"]] = array
    return samples


def check_samples_file(path: Path) -> dict[str, MemberHeader]:
    """The headers of a samples file, read without reading its arrays: a file
    that is not an ``.npz``, holds pickles or declares more than
    :data:`MAX_SAMPLE_BYTES` is refused (a path that cannot be read is a usage
    error)."""
    try:
        return scan_npz(
            path, f"--samples {path}", compressed=True, max_bytes=MAX_SAMPLE_BYTES
        )
    except InterchangeError as error:
        if not path.is_file():
            raise UsageError(str(error)) from None
        raise


def load_samples(path: Path, inputs: Sequence[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The user's reference inputs, checked against the model's inputs.

    The file holds one array per model input, named after it. Floating-point data
    is cast to the input's float type and integer data to its integer type; other
    mismatches are refused with the expected names, shapes and dtypes.
    """
    expected = ", ".join(
        f"{s['name']} {s['dtype']}{_shape_text(s['shape'])}" for s in inputs
    )
    label = f"--samples {path}"
    headers = check_samples_file(path)
    headers.pop(ORIGIN_MEMBER, None)  # where the samples stage read the rows
    names = sorted(headers)
    wanted = sorted(spec["name"] for spec in inputs)
    if names != wanted:
        raise AirlockError(f"{label}: holds {names}; the model expects {expected}")
    for spec in inputs:
        header = headers[spec["name"]]
        _check_header(header.shape, header.dtype, spec, label, expected)
    arrays = load_members(label, path, headers)

    samples = {}
    for spec in inputs:
        array = _conform(arrays[spec["name"]], spec, path, expected)
        samples[spec["name"]] = array
    batches = {array.shape[0] for array in samples.values()}
    if len(batches) != 1:
        raise AirlockError(
            f"--samples {path}: inputs hold different numbers of rows {sorted(batches)}"
        )
    return samples


def samples_origin(path: Path) -> dict[str, Any] | None:
    """The origin the samples stage recorded in ``path``, or None if it has none."""
    with np.load(path, allow_pickle=False) as archive:
        if ORIGIN_MEMBER not in archive.files:
            return None
        member = archive[ORIGIN_MEMBER]
    if member.dtype != np.uint8 or member.ndim != 1:
        raise AirlockError(
            f"--samples {path}: member {ORIGIN_MEMBER!r} is not UTF-8 bytes"
        )
    return decode_origin(member.tobytes(), f"--samples {path}")


def _check_header(
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
    spec: dict[str, Any],
    label: str,
    expected: str,
) -> None:
    """Refuse a sample whose declared shape or dtype does not fit its input,
    before its data is read."""
    name = spec["name"]
    want = np.dtype(spec["dtype"])
    fits = len(shape) == len(spec["shape"]) and all(
        dim is None or dim == size
        for dim, size in zip(spec["shape"], shape, strict=True)
    )
    if not fits or shape[0] == 0:
        raise AirlockError(
            f"{label}: {name!r} has shape {list(shape)}, expected "
            f"{_shape_text(spec['shape'])} (model inputs: {expected})"
        )
    same_kind = (dtype.kind == "f" and want.kind == "f") or (
        dtype.kind in "iu" and want.kind in "iu"
    )
    if dtype != want and not same_kind:
        raise AirlockError(
            f"{label}: {name!r} has dtype {dtype}, expected {want} "
            f"(model inputs: {expected})"
        )


def _conform(
    array: np.ndarray, spec: dict[str, Any], path: Path, expected: str
) -> np.ndarray:
    name = spec["name"]
    want = np.dtype(spec["dtype"])
    if want.kind in "iu" and array.dtype != want:
        info = np.iinfo(want)
        if array.size and (array.min() < info.min or array.max() > info.max):
            raise AirlockError(
                f"--samples {path}: {name!r} holds values outside the range of {want}"
            )
    return np.ascontiguousarray(array.astype(want))


def _shape_text(shape: Sequence[Any]) -> str:
    return "[" + ", ".join("N" if d is None else str(d) for d in shape) + "]"
