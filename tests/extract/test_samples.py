"""Reference inputs: random ones, and the user's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stages.console import AirlockError
from stages.extract.samples import (
    BATCH,
    DYNAMIC_SIZE,
    ID_LIMIT,
    id_limits,
    load_samples,
    random_samples,
    samples_origin,
)
from stages.tables import ORIGIN_MEMBER, encode_origin

INPUTS = [
    {"name": "features", "dtype": "float32", "shape": [None, 3]},
    {"name": "ids", "dtype": "int32", "shape": [None, None]},
]


def test_random_samples_fit_each_input_and_repeat_with_the_seed() -> None:
    first = random_samples(INPUTS, seed=0)
    second = random_samples(INPUTS, seed=0)

    assert first["features"].shape == (BATCH, 3)
    assert first["features"].dtype == np.float32
    assert first["ids"].shape == (BATCH, DYNAMIC_SIZE)
    assert first["ids"].dtype == np.int32
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


def test_user_samples_are_cast_within_their_kind(tmp_path: Path) -> None:
    path = tmp_path / "rows.npz"
    np.savez(path, features=np.ones((2, 3)), ids=np.arange(8).reshape(2, 4))

    samples = load_samples(path, INPUTS)

    assert samples["features"].dtype == np.float32
    assert samples["ids"].dtype == np.int32
    assert samples["ids"].shape == (2, 4)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"features": np.ones((2, 3))}, r"holds \['features'\]; the model expects"),
        (
            {"features": np.ones((2, 4)), "ids": np.ones((2, 4), np.int64)},
            r"'features' has shape \[2, 4\], expected \[N, 3\]",
        ),
        (
            {"features": np.ones((2, 3)), "ids": np.ones((2, 4), np.float32)},
            "'ids' has dtype float32, expected int32",
        ),
        (
            {"features": np.ones((2, 3)), "ids": np.ones((3, 4), np.int64)},
            "different numbers of rows",
        ),
    ],
)
def test_bad_user_samples_are_refused_with_what_was_expected(
    tmp_path: Path, arrays: dict[str, np.ndarray], message: str
) -> None:
    path = tmp_path / "rows.npz"
    np.savez(path, **arrays)

    with pytest.raises(AirlockError, match=message):
        load_samples(path, INPUTS)


EMBEDDED = [
    {"name": "ids", "dtype": "int32", "shape": [None, 64]},
    {"name": "small", "dtype": "uint8", "shape": [None, 64]},
    {"name": "float_ids", "dtype": "float32", "shape": [None, 64]},
    {"name": "other", "dtype": "int64", "shape": [None, 64]},
]
EMBEDDINGS = [
    {"kind": "Embedding", "config": {"input_dim": 1000}, "inputs": ["ids"]},
    {"kind": "Embedding", "config": {"input_dim": 3}, "inputs": ["small"]},
    {"kind": "Embedding", "config": {"input_dim": 1000}, "inputs": ["float_ids"]},
    {"kind": "Embedding", "config": {"input_dim": 4}, "inputs": ["float_ids"]},
    {"kind": "Dense", "config": {"units": 2}, "inputs": ["other"]},
]


def test_ids_read_by_an_embedding_cover_its_whole_vocabulary() -> None:
    limits = id_limits(EMBEDDINGS)
    first = random_samples(EMBEDDED, seed=1, limits=limits)
    second = random_samples(EMBEDDED, seed=1, limits=limits)

    assert limits == {"ids": 1000, "small": 3, "float_ids": 4}
    assert first["ids"].min() >= 0
    assert first["ids"].max() < 1000
    assert first["ids"].max() >= ID_LIMIT
    assert set(np.unique(first["small"])) == {0, 1, 2}
    assert first["float_ids"].dtype == np.float32
    assert set(np.unique(first["float_ids"])) == {0.0, 1.0, 2.0, 3.0}
    assert first["other"].max() < ID_LIMIT
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


def test_ids_stay_within_a_narrow_integer_dtype() -> None:
    spec = [{"name": "ids", "dtype": "uint8", "shape": [None, 400]}]

    samples = random_samples(spec, seed=0, limits={"ids": 100_000})

    assert samples["ids"].dtype == np.uint8
    assert samples["ids"].max() > 200


def test_samples_written_from_a_table_say_where_they_came_from(
    tmp_path: Path,
) -> None:
    origin = {"kind": "table", "file": "rows.csv", "sha256": "ab", "rows": 2}
    member = np.frombuffer(encode_origin(origin), dtype=np.uint8)
    path = tmp_path / "samples.npz"
    np.savez(
        path,
        features=np.ones((2, 3)),
        ids=np.ones((2, 4), np.int64),
        **{ORIGIN_MEMBER: member},
    )

    assert sorted(load_samples(path, INPUTS)) == ["features", "ids"]
    assert samples_origin(path) == origin


def test_samples_of_the_users_own_have_no_recorded_origin(tmp_path: Path) -> None:
    path = tmp_path / "rows.npz"
    np.savez(path, features=np.ones((2, 3)), ids=np.ones((2, 4), np.int64))

    assert samples_origin(path) is None
