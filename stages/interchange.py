"""The ``model.npz`` contract between the stages: written and read only here.

The file is a zip archive of ``.npy`` members that ``numpy.load`` reads with
``allow_pickle=False`` under numpy 1.26 and 2.x alike. One member holds the graph
description as UTF-8 JSON in a ``uint8`` array; the others are weights and reference
samples, named by the description:

``description``
    ``{"format": "airlock.interchange", "format_version": 1, "inputs": [...],
    "layers": [...], "outputs": [...], "samples": {...}, "provenance": {...}}``
``weights/<layer>/<role>``
    one array per layer weight (``kernel``, ``bias``, ``gamma``, ...; the role of a
    weight that belongs to a sub-layer is its path, ``forward_lstm/lstm_cell/kernel``)
``samples/inputs/<input>`` and ``samples/outputs/<output>``
    reference inputs and the outputs TensorFlow computed for them

Inputs and outputs are ``{"name", "dtype", "shape"}`` with ``null`` for a dynamic
dimension. A layer is ``{"name", "kind", "config", "inputs", "outputs", "output_shapes",
"output_dtypes", "weights"}``: ``inputs``/``outputs`` list tensor names, the shapes
and dtypes are those Keras computed for the outputs, ``weights`` maps a role to a
member name.
Layers are in topological order: a layer reads only graph inputs and tensors that an
earlier layer wrote. Outputs name the tensor they expose in ``"tensor"``.

Members are written in sorted order with fixed timestamps, so the same content always
gives the same bytes, and stored without compression.

A reader trusts nothing in the file before it has checked it: :func:`scan_npz` reads
the zip directory and each member's ``.npy`` header without reading array data or
unpickling anything, and refuses compressed members, declared sizes beyond the
file, object arrays and dtypes outside :data:`DTYPES`; :func:`read` then checks the
member names against the description and the reference inputs' shapes and dtypes
against the model's inputs before it loads a single array.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stages.console import AirlockError
from stages.files import write_atomically

__all__ = [
    "DTYPES",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Interchange",
    "InterchangeError",
    "MemberHeader",
    "check",
    "check_all",
    "load_members",
    "make_description",
    "read",
    "sample_member",
    "scan_npz",
    "validate_description",
    "weight_member",
    "write",
]

FORMAT_NAME = "airlock.interchange"
FORMAT_VERSION = 1

DESCRIPTION_MEMBER = "description"
DTYPES = frozenset(
    {
        "bool",
        "float16",
        "float32",
        "float64",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
    }
)

#: Largest ``.npy`` header read; numpy's own limit for untrusted files.
_MAX_HEADER_BYTES = 10_000
_MEMBER_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,200}$")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class InterchangeError(AirlockError, ValueError):
    """A ``model.npz`` that is not a valid interchange file."""


@dataclass(frozen=True)
class Interchange:
    """The content of one ``model.npz``."""

    description: dict[str, Any]
    weights: dict[str, np.ndarray]
    sample_inputs: dict[str, np.ndarray]
    sample_outputs: dict[str, np.ndarray]

    def layer_weights(self, layer: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The arrays of one layer record, keyed by role."""
        return {role: self.weights[m] for role, m in sorted(layer["weights"].items())}


def make_description(
    *,
    inputs: list[dict[str, Any]],
    layers: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    samples: dict[str, Any],
    provenance: dict[str, Any],
) -> dict[str, Any]:
    """A description of the current format version from its parts."""
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "inputs": inputs,
        "layers": layers,
        "outputs": outputs,
        "samples": samples,
        "provenance": provenance,
    }


def weight_member(layer: str, role: str) -> str:
    """The member name of a layer's weight, for layer names that are safe in a path.

    A role may be a path (``forward_lstm/lstm_cell/kernel`` for a weight of a
    sub-layer); its parts stay separate members of the name.
    """
    parts = "/".join(_safe(part) for part in role.split("/"))
    return f"weights/{_safe(layer)}/{parts}"


def sample_member(kind: str, name: str) -> str:
    """The member name of a reference input (``kind='inputs'``) or output."""
    return f"samples/{kind}/{_safe(name)}"


def _safe(name: str) -> str:
    # "/" separates the layers of nested models; Keras refuses it in layer names.
    return re.sub(r"[^A-Za-z0-9_./-]", "_", name)


def write(
    path: Path,
    description: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray],
) -> None:
    """Validate and write an interchange file atomically.

    ``arrays`` maps member names (as the description names them) to arrays. The file
    appears at ``path`` only once it is complete; a failure leaves any earlier file.
    """
    description = dict(description)
    validate_description(description)
    _check_members(description, set(arrays))

    members = {name: np.asarray(array) for name, array in arrays.items()}
    for name, array in members.items():
        _check_array(path, name, array)
    text = json.dumps(description, sort_keys=True, separators=(",", ":"))
    members[DESCRIPTION_MEMBER] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)

    write_atomically(path, _zip(members))


def _zip(members: Mapping[str, np.ndarray]) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            buffer = io.BytesIO()
            np.lib.format.write_array(
                buffer, np.ascontiguousarray(members[name]), allow_pickle=False
            )
            archive.writestr(info, buffer.getvalue())
    return stream.getvalue()


@dataclass(frozen=True)
class MemberHeader:
    """What a member of an ``.npz`` declares, read without reading its data."""

    name: str
    dtype: np.dtype[Any]
    shape: tuple[int, ...]
    info: zipfile.ZipInfo


def scan_npz(
    path: Path, label: str, *, compressed: bool, max_bytes: int | None = None
) -> dict[str, MemberHeader]:
    """The header of every array in the ``.npz`` at ``path``, checked before use.

    Refused, with ``label`` (the file as the user named it) in the message: a file
    that is not a zip archive, a member that is not an ``.npy`` array or appears
    twice, a compressed member unless ``compressed``, declared sizes beyond the
    file (or beyond ``max_bytes`` of array data), an object array (a pickle) or a
    dtype outside :data:`DTYPES`, and a header whose shape does not fit the
    member's size. Nothing is unpickled and no array data is read.
    """
    try:
        size = path.stat().st_size
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_directory(label, infos, size, compressed, max_bytes)
            return {
                info.filename[: -len(".npy")]: _read_header(label, archive, info)
                for info in infos
            }
    except FileNotFoundError:
        raise InterchangeError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise InterchangeError(f"{label}: is a directory, not an .npz file") from None
    except PermissionError as error:
        raise InterchangeError(f"{label}: cannot be read ({error.strerror})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        raise InterchangeError(
            f"{label}: not a readable .npz archive ({error})"
        ) from None


def _check_directory(
    label: str,
    infos: list[zipfile.ZipInfo],
    size: int,
    compressed: bool,
    max_bytes: int | None,
) -> None:
    names = [info.filename for info in infos]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InterchangeError(f"{label}: members appear twice: {', '.join(twice)}")
    for info in infos:
        if not info.filename.endswith(".npy"):
            raise InterchangeError(
                f"{label}: member '{info.filename}' is not an .npy array"
            )
        if info.compress_type != zipfile.ZIP_STORED and not compressed:
            raise InterchangeError(
                f"{label}: member '{info.filename}' is compressed; airlock writes "
                "stored members only, so this file was not written by it"
            )
        if info.header_offset + info.compress_size > size:
            raise InterchangeError(
                f"{label}: member '{info.filename}' declares "
                f"{info.compress_size} bytes beyond the file's {size}"
            )
    declared = sum(info.file_size for info in infos)
    limit = max_bytes if compressed else size
    if limit is not None and declared > limit:
        raise InterchangeError(
            f"{label}: members declare {declared} bytes, more than "
            + (f"the {limit} allowed" if compressed else f"the file's {size} bytes")
        )


def _read_header(
    label: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo
) -> MemberHeader:
    name = info.filename[: -len(".npy")]
    with archive.open(info) as stream:
        try:
            version = np.lib.format.read_magic(stream)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read(stream, max_header_size=_MAX_HEADER_BYTES)
        except (ValueError, SyntaxError, EOFError) as error:
            raise InterchangeError(
                f"{label}: member '{name}' is not a valid .npy array ({error})"
            ) from None
        offset = stream.tell()
    if dtype.hasobject:
        raise InterchangeError(
            f"{label}: member '{name}' is an object array (a pickle), refused unread"
        )
    if dtype.name not in DTYPES:
        raise InterchangeError(
            f"{label}: member '{name}' has dtype {dtype}; "
            f"allowed: {', '.join(sorted(DTYPES))}"
        )
    expected = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
    if expected != info.file_size - offset:
        raise InterchangeError(
            f"{label}: member '{name}' declares shape {list(shape)} ({expected} "
            f"bytes) but holds {info.file_size - offset}"
        )
    return MemberHeader(name, dtype, tuple(shape), info)


def load_members(
    label: str, path: Path, headers: Mapping[str, MemberHeader]
) -> dict[str, np.ndarray]:
    """The arrays of members that :func:`scan_npz` checked, read without pickles."""
    try:
        with zipfile.ZipFile(path) as archive:
            return {
                name: _load_member(label, archive, header)
                for name, header in sorted(headers.items())
            }
    except (zipfile.BadZipFile, OSError) as error:
        raise InterchangeError(f"{label}: cannot be read ({error})") from None


def _load_member(
    label: str, archive: zipfile.ZipFile, header: MemberHeader
) -> np.ndarray:
    try:
        with archive.open(header.info) as stream:
            array = np.lib.format.read_array(
                stream, allow_pickle=False, max_header_size=_MAX_HEADER_BYTES
            )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise InterchangeError(
            f"{label}: member '{header.name}' cannot be read ({error})"
        ) from None
    if array.dtype != header.dtype or array.shape != header.shape:
        raise InterchangeError(f"{label}: member '{header.name}' changed while read")
    return np.asarray(array)


def read(path: Path) -> Interchange:
    """Read and validate an interchange file; never unpickles anything.

    Every member's header is checked (:func:`scan_npz`), then the description,
    then the member names and the reference inputs against the description,
    before any weight or sample is loaded.
    """
    label = str(path)
    description, headers = _checked(path)
    arrays = load_members(label, path, headers)

    samples = description["samples"]
    return Interchange(
        description=description,
        weights={
            member: arrays[member]
            for layer in description["layers"]
            for member in layer["weights"].values()
        },
        sample_inputs={k: arrays[m] for k, m in samples["inputs"].items()},
        sample_outputs={k: arrays[m] for k, m in samples["outputs"].items()},
    )


def check(path: Path) -> None:
    """Check an interchange file as :func:`read` does, loading only its description;
    a stage checks every file it was given before it works on the first."""
    _checked(path)


def check_all(paths: list[Path]) -> None:
    """:func:`check` every file; raise one error that lists every broken file."""
    errors = []
    for path in paths:
        try:
            check(path)
        except InterchangeError as error:
            errors.append(str(error))
    if errors:
        raise InterchangeError("\n".join(errors))


def _checked(path: Path) -> tuple[dict[str, Any], dict[str, MemberHeader]]:
    """The validated description and the headers of the other members."""
    label = str(path)
    headers = scan_npz(path, label, compressed=False)
    if DESCRIPTION_MEMBER not in headers:
        raise InterchangeError(
            f"{path}: no '{DESCRIPTION_MEMBER}' member; this .npz was not "
            "written by airlock's extract stage"
        )
    member = load_members(label, path, {"": headers.pop(DESCRIPTION_MEMBER)})[""]
    description = _load_description(path, member)
    _check_members(description, set(headers), path)
    _check_sample_headers(path, description, headers)
    return description, headers


def _check_sample_headers(
    path: Path, description: Mapping[str, Any], headers: Mapping[str, MemberHeader]
) -> None:
    """The reference inputs must have their input's dtype, fit its shape and have
    the same number of rows. (Outputs are compared by verification, which reports
    a shape or dtype that differs from the model's.)"""
    rows = set()
    for spec in description["inputs"]:
        header = headers[description["samples"]["inputs"][spec["name"]]]
        fits = len(header.shape) == len(spec["shape"]) and all(
            dim is None or dim == size
            for dim, size in zip(spec["shape"], header.shape, strict=True)
        )
        if header.dtype.name != spec["dtype"] or not fits:
            raise InterchangeError(
                f"{path}: reference input {spec['name']!r} is "
                f"{header.dtype}{list(header.shape)}, but the model's input is "
                f"{spec['dtype']}{spec['shape']}"
            )
        rows.add(header.shape[0] if header.shape else None)
    if len(rows) > 1:
        raise InterchangeError(
            f"{path}: the reference inputs have different numbers of rows"
        )


def _load_description(path: Path, member: np.ndarray) -> dict[str, Any]:
    if member.dtype != np.uint8 or member.ndim != 1:
        raise InterchangeError(f"{path}: the description member is not UTF-8 bytes")
    try:
        description: dict[str, Any] = json.loads(member.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InterchangeError(
            f"{path}: the description is not JSON ({error})"
        ) from None
    try:
        validate_description(description)
    except InterchangeError as error:
        raise InterchangeError(f"{path}: {error}") from None
    return description


def _check_array(path: Path, name: str, array: np.ndarray) -> None:
    if array.dtype.name not in DTYPES:
        raise InterchangeError(
            f"{path}: member '{name}' has dtype {array.dtype}; "
            f"allowed: {', '.join(sorted(DTYPES))}"
        )


def _check_members(
    description: Mapping[str, Any], present: set[str], path: Path | None = None
) -> None:
    where = f"{path}: " if path else ""
    named = {m for layer in description["layers"] for m in layer["weights"].values()}
    for kind in ("inputs", "outputs"):
        named.update(description["samples"][kind].values())
    missing = sorted(named - present)
    extra = sorted(present - named)
    if missing:
        raise InterchangeError(f"{where}members named but absent: {', '.join(missing)}")
    if extra:
        raise InterchangeError(
            f"{where}members the description does not name: {', '.join(extra)}"
        )


def validate_description(description: Any) -> None:
    """Check a description's structure; raise :class:`InterchangeError` if invalid."""
    if not isinstance(description, dict):
        raise InterchangeError("the description is not a JSON object")
    if description.get("format") != FORMAT_NAME:
        raise InterchangeError(
            f"format is {description.get('format')!r}, expected {FORMAT_NAME!r}"
        )
    version = description.get("format_version")
    if version != FORMAT_VERSION:
        raise InterchangeError(
            f"format version {version!r} is not supported (this airlock reads "
            f"version {FORMAT_VERSION}); re-extract the model with this airlock"
        )
    for key, kind in (
        ("inputs", list),
        ("layers", list),
        ("outputs", list),
        ("samples", dict),
        ("provenance", dict),
    ):
        if not isinstance(description.get(key), kind):
            raise InterchangeError(f"'{key}' is missing or not a {kind.__name__}")

    known: set[str] = set()
    for spec in description["inputs"]:
        _check_tensor_spec(spec, "input")
        _claim(known, spec["name"], "input")
    layer_names: set[str] = set()
    for layer in description["layers"]:
        _check_layer(layer, known)
        _claim(layer_names, layer["name"], "layer")
    for spec in description["outputs"]:
        _check_tensor_spec(spec, "output")
        if spec.get("tensor") not in known:
            raise InterchangeError(
                f"output {spec['name']!r} exposes unknown tensor {spec.get('tensor')!r}"
            )
    _check_samples(description)


def _claim(names: set[str], name: str, what: str) -> None:
    if name in names:
        raise InterchangeError(f"{what} name {name!r} is used twice")
    names.add(name)


def _check_tensor_spec(spec: Any, what: str) -> None:
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise InterchangeError(f"an {what} has no name")
    if spec.get("dtype") not in DTYPES:
        raise InterchangeError(
            f"{what} {spec['name']!r} has unsupported dtype {spec.get('dtype')!r}"
        )
    shape = spec.get("shape")
    if not isinstance(shape, list) or not all(
        dim is None or (isinstance(dim, int) and dim >= 0) for dim in shape
    ):
        raise InterchangeError(
            f"{what} {spec['name']!r} has an invalid shape {shape!r}"
        )


def _check_layer(layer: Any, known: set[str]) -> None:
    if not isinstance(layer, dict) or not isinstance(layer.get("name"), str):
        raise InterchangeError("a layer record has no name")
    name = layer["name"]
    if not isinstance(layer.get("kind"), str) or not isinstance(
        layer.get("config"), dict
    ):
        raise InterchangeError(f"layer {name!r} has no kind or no config")
    for key in ("inputs", "outputs"):
        tensors = layer.get(key)
        if not isinstance(tensors, list) or not all(
            isinstance(t, str) for t in tensors
        ):
            raise InterchangeError(f"layer {name!r}: '{key}' is not a list of names")
    for tensor in layer["inputs"]:
        if tensor not in known:
            raise InterchangeError(
                f"layer {name!r} reads {tensor!r} before any layer writes it"
            )
    for tensor in layer["outputs"]:
        _claim(known, tensor, "tensor")
    shapes, dtypes = layer.get("output_shapes"), layer.get("output_dtypes")
    if not isinstance(shapes, list) or not isinstance(dtypes, list):
        raise InterchangeError(f"layer {name!r} has no output shapes or dtypes")
    if not len(shapes) == len(dtypes) == len(layer["outputs"]):
        raise InterchangeError(f"layer {name!r}: output shapes and dtypes do not match")
    for shape, dtype in zip(shapes, dtypes, strict=True):
        _check_tensor_spec({"name": name, "shape": shape, "dtype": dtype}, "layer")
    weights = layer.get("weights")
    if not isinstance(weights, dict) or not all(
        isinstance(m, str) and _MEMBER_NAME.match(m) for m in weights.values()
    ):
        raise InterchangeError(f"layer {name!r}: 'weights' is not a map of members")


def _check_samples(description: Mapping[str, Any]) -> None:
    samples = description["samples"]
    for kind, specs in (
        ("inputs", description["inputs"]),
        ("outputs", description["outputs"]),
    ):
        members = samples.get(kind)
        if not isinstance(members, dict):
            raise InterchangeError(f"samples: '{kind}' is missing")
        expected = sorted(spec["name"] for spec in specs)
        if sorted(members) != expected:
            raise InterchangeError(
                f"samples: {kind} {sorted(members)} do not match the model's {expected}"
            )
        for member in members.values():
            if not isinstance(member, str) or not _MEMBER_NAME.match(member):
                raise InterchangeError(f"samples: invalid member name {member!r}")
