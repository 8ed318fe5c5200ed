"""The .npz contract: round trip, determinism, and what a reader refuses."""

from __future__ import annotations

import copy
import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stages import interchange
from stages.interchange import InterchangeError


def _description() -> dict[str, Any]:
    return {
        "format": interchange.FORMAT_NAME,
        "format_version": interchange.FORMAT_VERSION,
        "inputs": [{"name": "x", "dtype": "float32", "shape": [None, 3]}],
        "layers": [
            {
                "name": "dense",
                "kind": "Dense",
                "config": {"units": 2, "activation": "linear", "use_bias": True},
                "inputs": ["x"],
                "outputs": ["dense"],
                "output_shapes": [[None, 2]],
                "output_dtypes": ["float32"],
                "weights": {
                    "kernel": interchange.weight_member("dense", "kernel"),
                    "bias": interchange.weight_member("dense", "bias"),
                },
            }
        ],
        "outputs": [
            {"name": "dense", "tensor": "dense", "dtype": "float32", "shape": [None, 2]}
        ],
        "samples": {
            "inputs": {"x": interchange.sample_member("inputs", "x")},
            "outputs": {"dense": interchange.sample_member("outputs", "dense")},
            "origin": {"kind": "random", "seed": 0, "rows": 4},
        },
        "provenance": {"source": "tiny.keras"},
    }


def _arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "weights/dense/kernel": rng.standard_normal((3, 2)).astype(np.float32),
        "weights/dense/bias": rng.standard_normal(2).astype(np.float32),
        "samples/inputs/x": rng.standard_normal((4, 3)).astype(np.float32),
        "samples/outputs/dense": rng.standard_normal((4, 2)).astype(np.float32),
    }


def _raw_npz(path: Path, members: dict[str, Any], allow_pickle: bool = False) -> Path:
    """An .npz written without the contract's checks, for hostile inputs."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in members.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
            archive.writestr(f"{name}.npy", buffer.getvalue())
    return path


def _description_member(description: dict[str, Any]) -> np.ndarray:
    return np.frombuffer(json.dumps(description).encode(), dtype=np.uint8)


def test_round_trip_keeps_description_and_arrays(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    interchange.write(path, _description(), _arrays())

    data = interchange.read(path)

    assert data.description == _description()
    assert sorted(data.weights) == ["weights/dense/bias", "weights/dense/kernel"]
    layer_weights = data.layer_weights(data.description["layers"][0])
    np.testing.assert_array_equal(
        layer_weights["kernel"], _arrays()["weights/dense/kernel"]
    )
    np.testing.assert_array_equal(
        data.sample_inputs["x"], _arrays()["samples/inputs/x"]
    )
    np.testing.assert_array_equal(
        data.sample_outputs["dense"], _arrays()["samples/outputs/dense"]
    )


def test_same_content_gives_same_bytes_in_any_directory(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "model.npz", tmp_path / "b" / "model.npz"
    interchange.write(first, _description(), _arrays())
    interchange.write(second, _description(), dict(reversed(_arrays().items())))

    assert first.read_bytes() == second.read_bytes()


def test_plain_numpy_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    interchange.write(path, _description(), _arrays())

    with np.load(path, allow_pickle=False) as archive:
        text = archive["description"].tobytes().decode("utf-8")
        assert json.loads(text)["format"] == interchange.FORMAT_NAME
        assert archive["weights/dense/kernel"].shape == (3, 2)


def test_unknown_format_version_is_refused(tmp_path: Path) -> None:
    description = _description()
    description["format_version"] = 99
    members = {"description": _description_member(description), **_arrays()}
    path = _raw_npz(tmp_path / "future.npz", members)

    with pytest.raises(InterchangeError, match="format version 99 is not supported"):
        interchange.read(path)


def test_pickled_member_is_refused_without_unpickling(tmp_path: Path) -> None:
    members: dict[str, Any] = {"description": _description_member(_description())}
    members.update(_arrays())
    members["samples/inputs/x"] = np.array([{"payload": 1}], dtype=object)
    path = _raw_npz(tmp_path / "pickled.npz", members, allow_pickle=True)

    with pytest.raises(InterchangeError, match="samples/inputs/x"):
        interchange.read(path)


def test_member_the_description_does_not_name_is_refused(tmp_path: Path) -> None:
    members = {"description": _description_member(_description()), **_arrays()}
    members["smuggled"] = np.zeros(3)
    path = _raw_npz(tmp_path / "extra.npz", members)

    with pytest.raises(InterchangeError, match="does not name: smuggled"):
        interchange.read(path)


def test_missing_description_is_refused(tmp_path: Path) -> None:
    path = _raw_npz(tmp_path / "plain.npz", _arrays())

    with pytest.raises(InterchangeError, match="no 'description' member"):
        interchange.read(path)


def test_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.npz"
    path.write_bytes(b"not a zip archive at all")

    with pytest.raises(InterchangeError, match=r"garbage\.npz"):
        interchange.read(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["layers"][0].update(inputs=["nowhere"]), "reads 'nowhere'"),
        (lambda d: d["outputs"][0].update(tensor="ghost"), "unknown tensor 'ghost'"),
        (lambda d: d["inputs"][0].update(dtype="object"), "unsupported dtype"),
        (lambda d: d["inputs"][0].update(shape=[-1, 3]), "invalid shape"),
        (lambda d: d.update(format="other"), "expected 'airlock.interchange'"),
        (lambda d: d["layers"][0].pop("output_shapes"), "no output shapes"),
        (lambda d: d["layers"].append(copy.deepcopy(d["layers"][0])), "used twice"),
    ],
)
def test_invalid_description_is_refused(change: Any, message: str) -> None:
    description = _description()
    change(description)

    with pytest.raises(InterchangeError, match=message):
        interchange.validate_description(description)


def test_failed_write_keeps_the_earlier_file(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    interchange.write(path, _description(), _arrays())
    before = path.read_bytes()
    arrays = _arrays()
    del arrays["weights/dense/bias"]

    with pytest.raises(InterchangeError, match="absent: weights/dense/bias"):
        interchange.write(path, _description(), arrays)

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def _stored(path: Path, members: dict[str, bytes], method: int = 0) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _valid_members() -> dict[str, bytes]:
    members = {"description.npy": _npy(_description_member(_description()))}
    members.update({f"{name}.npy": _npy(array) for name, array in _arrays().items()})
    return members


def _huge_shape(members: dict[str, bytes]) -> dict[str, bytes]:
    real = members["weights/dense/bias.npy"]
    huge = real.replace(b"(2,), }" + b" " * 10, b"(20000000000,), }")
    assert len(huge) == len(real)
    return {**members, "weights/dense/bias.npy": huge}


def _claims_two_gigabytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # central directory entry of the first member
    struct.pack_into("<II", data, entry + 20, 2**31, 2**31)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda p: _stored(p, _valid_members(), zipfile.ZIP_DEFLATED),
            "member 'description.npy' is compressed",
        ),
        (
            lambda p: _claims_two_gigabytes(_stored(p, _valid_members())),
            "declares 2147483648 bytes beyond the file's",
        ),
        (
            lambda p: _stored(p, _huge_shape(_valid_members())),
            r"'weights/dense/bias' declares shape \[20000000000\] \(80000000000 bytes\)"
            " but holds 8",
        ),
        (
            lambda p: _stored(p, {**_valid_members(), "notes.txt": b"hello"}),
            "member 'notes.txt' is not an .npy array",
        ),
        (
            lambda p: _stored(
                p,
                {
                    **_valid_members(),
                    "samples/inputs/x.npy": _npy(np.zeros((4, 3), np.float64)),
                },
            ),
            r"reference input 'x' is float64\[4, 3\], but the model's input is "
            r"float32\[None, 3\]",
        ),
        (
            lambda p: _stored(
                p,
                {
                    **_valid_members(),
                    "samples/inputs/x.npy": _npy(np.zeros(3, np.float32)),
                },
            ),
            r"reference input 'x' is float32\[3\]",
        ),
        (lambda p: p.write_bytes(b""), "not a readable .npz archive"),
    ],
)
def test_archive_is_checked_before_any_array_is_read(
    tmp_path: Path, build: Any, message: str
) -> None:
    path = tmp_path / "hostile.npz"
    build(path)

    with pytest.raises(InterchangeError, match=message):
        interchange.read(path)
    with pytest.raises(InterchangeError, match=message):
        interchange.check(path)


def test_every_broken_file_is_listed_at_once(tmp_path: Path) -> None:
    good = tmp_path / "good.npz"
    interchange.write(good, _description(), _arrays())
    empty, missing = tmp_path / "empty.npz", tmp_path / "missing.npz"
    empty.write_bytes(b"")

    with pytest.raises(InterchangeError) as caught:
        interchange.check_all([good, empty, missing])

    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{empty}: not a readable .npz archive")
    assert lines[1] == f"{missing}: no such file"
