"""Hostile and broken ``.npz`` files: an export that starts from them, and the
``--samples`` of an extraction.

All the interchange files go through one ``nox -s export`` run: assembly checks
every file before it converts the first, so each case finds its own line.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hostile_files import (
    assert_refused,
    error_line,
    npy_bytes,
    zip_members,
)
from noxrun import Run, export

from stages import interchange


class Payload:
    """Unpickling this opens ``path`` for writing: a canary for pickled payloads."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (self.path, "w"))


def _description() -> dict[str, Any]:
    return interchange.make_description(
        inputs=[{"name": "x", "dtype": "float32", "shape": [None, 3]}],
        layers=[
            {
                "name": "dense",
                "kind": "Dense",
                "config": {"units": 2, "activation": "linear", "use_bias": True},
                "inputs": ["x"],
                "outputs": ["dense"],
                "output_shapes": [[None, 2]],
                "output_dtypes": ["float32"],
                "weights": {
                    "kernel": "weights/dense/kernel",
                    "bias": "weights/dense/bias",
                },
            }
        ],
        outputs=[
            {"name": "dense", "tensor": "dense", "dtype": "float32", "shape": [None, 2]}
        ],
        samples={
            "inputs": {"x": "samples/inputs/x"},
            "outputs": {"dense": "samples/outputs/dense"},
            "origin": {"kind": "random", "seed": 0, "rows": 4},
        },
        provenance={"source": "hostile.keras"},
    )


def _arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "weights/dense/kernel": rng.standard_normal((3, 2)).astype(np.float32),
        "weights/dense/bias": rng.standard_normal(2).astype(np.float32),
        "samples/inputs/x": rng.standard_normal((4, 3)).astype(np.float32),
        "samples/outputs/dense": rng.standard_normal((4, 2)).astype(np.float32),
    }


def _members(
    description: dict[str, Any] | None = None, **changed: bytes
) -> dict[str, bytes]:
    """The ``.npy`` members of a valid interchange file, with some replaced."""
    text = json.dumps(description or _description()).encode()
    members = {"description.npy": npy_bytes(np.frombuffer(text, dtype=np.uint8))}
    members.update({f"{k}.npy": npy_bytes(v) for k, v in _arrays().items()})
    members.update({f"{k.replace('__', '/')}.npy": v for k, v in changed.items()})
    return members


def _declared_beyond_the_file(path: Path) -> Path:
    """A stored archive whose central directory claims 2 GiB for one member."""
    zip_members(path, _members())
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first member's central directory entry
    # Compressed and uncompressed sizes, at offset 20 of the entry.
    struct.pack_into("<II", data, entry + 20, 2**31, 2**31)
    path.write_bytes(bytes(data))
    return path


def _huge_shape_header() -> bytes:
    """An .npy member whose header declares 10**10 floats over 12 bytes of data."""
    real = npy_bytes(np.zeros(3, np.float32))
    # The header keeps its length: the longer shape takes ten bytes of padding.
    huge = real.replace(b"(3,), }" + b" " * 10, b"(10000000000,), }")
    assert huge != real
    assert len(huge) == len(real)
    return huge


def _cases(canary: Path) -> dict[str, tuple[Callable[[Path], Any], tuple[str, ...]]]:
    def version(path: Path) -> None:
        description = _description()
        description["format_version"] = 99
        zip_members(path, _members(description))

    def wrong_sample(path: Path) -> None:
        zip_members(
            path, _members(samples__inputs__x=npy_bytes(np.zeros((4, 5), np.float32)))
        )

    pickled = np.array([Payload(canary)], dtype=object)
    return {
        "pickled": (
            lambda p: zip_members(
                p, _members(samples__inputs__x=npy_bytes(pickled, allow_pickle=True))
            ),
            ("member 'samples/inputs/x' is an object array (a pickle), refused",),
        ),
        "smuggled": (
            lambda p: zip_members(
                p, {**_members(), "extra.npy": npy_bytes(np.ones(2))}
            ),
            ("members the description does not name: extra",),
        ),
        "compressed": (
            lambda p: zip_members(p, _members(), compress=True),
            ("is compressed; airlock writes stored members only",),
        ),
        "zip_bomb": (
            lambda p: zip_members(
                p,
                {**_members(), "bomb.npy": b"\0" * (64 << 20)},
                compress=True,
            ),
            ("is compressed",),
        ),
        "declared_beyond": (
            _declared_beyond_the_file,
            ("declares 2147483648 bytes beyond the file's",),
        ),
        "huge_shape": (
            lambda p: zip_members(
                p, _members(weights__dense__bias=_huge_shape_header())
            ),
            ("member 'weights/dense/bias' declares shape [10000000000]",),
        ),
        "future_version": (version, ("format version 99 is not supported",)),
        "wrong_sample": (
            wrong_sample,
            ("reference input 'x' is float32[4, 5], but the model's input is",),
        ),
        "no_description": (
            lambda p: zip_members(
                p, {k: v for k, v in _members().items() if k != "description.npy"}
            ),
            ("no 'description' member",),
        ),
        "empty": (lambda p: p.write_bytes(b""), ("not a readable .npz archive",)),
        "not_a_zip": (
            lambda p: p.write_text("weights = 'yes'\n"),
            ("not a readable .npz archive",),
        ),
        "truncated": (
            lambda p: p.write_bytes(zip_members(p, _members()).read_bytes()[:300]),
            ("not a readable .npz archive",),
        ),
    }


@pytest.fixture(scope="module")
def hostile_npz(
    tmp_path_factory: pytest.TempPathFactory, canary: Path
) -> tuple[Path, Run, Path]:
    """Every hostile interchange file, and one export run over all of them."""
    directory = tmp_path_factory.mktemp("hostile_npz")
    for name, (build, _) in _cases(canary).items():
        build(directory / f"{name}.npz")
    out = tmp_path_factory.mktemp("hostile_npz_out")
    run = export(*sorted(directory.iterdir()), "--out", out)
    return directory, run, out


@pytest.mark.parametrize("name", sorted(_cases(Path("unused"))))
def test_hostile_interchange_file_is_refused_before_use(
    hostile_npz: tuple[Path, Run, Path], canary: Path, name: str
) -> None:
    directory, run, out = hostile_npz
    fragments = _cases(canary)[name][1]

    assert_refused(run, *fragments, codes=(1,))
    line = error_line(run, directory / f"{name}.npz")
    for fragment in fragments:
        assert fragment in line
    assert not canary.exists(), "a pickled payload ran"
    assert not any(out.rglob("*"))


def test_the_pickled_payload_is_live_when_pickles_are_allowed(tmp_path: Path) -> None:
    """The control: numpy with pickles allowed runs the payload, so the tests
    above would see a canary if a reader unpickled the member."""
    canary = tmp_path / "control-canary"
    path = zip_members(
        tmp_path / "control.npz",
        {"x.npy": npy_bytes(np.array([Payload(canary)], object), allow_pickle=True)},
    )

    with np.load(path, allow_pickle=True) as archive:
        archive["x"]

    assert canary.exists()


def test_the_base_file_of_the_cases_is_valid(tmp_path: Path) -> None:
    """The cases break one thing each in a file that is otherwise read."""
    path = zip_members(tmp_path / "valid.npz", _members())

    data = interchange.read(path)

    assert sorted(data.weights) == ["weights/dense/bias", "weights/dense/kernel"]


@pytest.fixture(scope="module")
def dense_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import keras

    inputs = keras.Input((3,), name="x")
    model = keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs))
    path = tmp_path_factory.mktemp("samples_model") / "dense.keras"
    model.save(path)
    return path


def test_samples_of_the_wrong_shape_are_refused_end_to_end(
    dense_model: Path, tmp_path: Path
) -> None:
    samples = tmp_path / "rows.npz"
    np.savez(samples, x=np.ones((2, 4), np.float32))

    run = export(dense_model, "--samples", samples, "--out", tmp_path / "out")

    assert_refused(
        run,
        f"--samples {samples}: 'x' has shape [2, 4], expected [N, 3] "
        "(model inputs: x float32[N, 3])",
        codes=(1,),
    )
    assert not any((tmp_path / "out").rglob("model.*"))


def test_pickled_samples_are_refused_end_to_end(
    dense_model: Path, tmp_path: Path, canary: Path
) -> None:
    samples = zip_members(
        tmp_path / "rows.npz",
        {"x.npy": npy_bytes(np.array([Payload(canary)], object), allow_pickle=True)},
    )

    run = export(dense_model, "--samples", samples, "--out", tmp_path / "out")

    assert_refused(
        run, f"--samples {samples}: member 'x' is an object array (a pickle)"
    )
    assert "loading with Keras" not in run.output, "refused before loading"
    assert not canary.exists()
    assert not any((tmp_path / "out").rglob("model.*"))


def test_output_under_a_regular_file_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")

    run = export("--out", blocker / "out")

    assert_refused(
        run,
        f"--out {blocker / 'out'}: is under {blocker}, which exists and is not a "
        "directory",
        codes=(2,),
    )
    assert [p.name for p in tmp_path.iterdir()] == ["a_file"]
