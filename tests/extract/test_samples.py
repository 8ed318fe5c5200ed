"""Reference inputs: random ones, and the user's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stages.console import AirlockError
from stages.extract.samples import BATCH, DYNAMIC_SIZE, load_samples, random_samples

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
