"""Discretization and CategoryEncoding against numpy versions of what Keras
computes, at the lowest, default and highest opsets."""

from __future__ import annotations

import numpy as np
import pytest
from layouts import convert

from stages.console import AirlockError

OPSETS = (13, 17, 28)
BOUNDARIES = [-1.0, 0.0, 2.5]


def _one_hot(ids: np.ndarray, depth: int) -> np.ndarray:
    """Keras's one-hot rows: a token outside ``[0, depth)`` sets no position."""
    return (ids[..., None] == np.arange(depth)).astype(np.int64)


@pytest.mark.parametrize("opset", OPSETS)
def test_discretization_counts_the_boundaries_below_as_digitize(opset: int) -> None:
    x = np.array([[-2.0, -1.0, -0.5, 0.0], [1.0, 2.5, 3.0, np.nan]], dtype=np.float32)
    config = {"bin_boundaries": BOUNDARIES, "output_mode": "int"}

    result = convert("Discretization", config, [x], x.shape, opset)

    # TensorFlow puts NaN in the last bin, as a count of "not below" does.
    expected = np.digitize(np.nan_to_num(x, nan=np.inf), BOUNDARIES)
    np.testing.assert_array_equal(result.value, expected)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_category_encoding_matches_keras(mode: str, opset: int) -> None:
    ids = np.array([[0, 3, 3], [5, 9, -1], [2, 2, 2]], dtype=np.int64)
    shape = (3, 3, 6) if mode == "one_hot" else (3, 6)

    result = convert(
        "CategoryEncoding", {"num_tokens": 6, "output_mode": mode}, [ids], shape, opset
    )

    hot = _one_hot(ids, 6)
    expected = {"one_hot": hot, "multi_hot": hot.max(axis=1), "count": hot.sum(axis=1)}
    np.testing.assert_array_equal(result.value, expected[mode])


def test_one_hot_replaces_a_last_axis_of_size_one() -> None:
    ids = np.array([[4], [0], [7]], dtype=np.int32)

    result = convert(
        "CategoryEncoding",
        {"num_tokens": 5, "output_mode": "one_hot"},
        [ids],
        (3, 5),
        17,
    )

    np.testing.assert_array_equal(result.value, _one_hot(ids[:, 0], 5))


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_discretization_encodes_its_bins(mode: str) -> None:
    x = np.array([[-2.0, 0.5, 3.0], [0.1, 0.2, -0.1]], dtype=np.float32)
    config = {"bin_boundaries": BOUNDARIES, "output_mode": mode}
    shape = (2, 3, 4) if mode == "one_hot" else (2, 4)

    result = convert("Discretization", config, [x], shape, 17)

    hot = _one_hot(np.digitize(x, BOUNDARIES), 4)
    expected = {"one_hot": hot, "multi_hot": hot.max(axis=1), "count": hot.sum(axis=1)}
    np.testing.assert_allclose(result.value, expected[mode])


def test_multi_hot_of_a_batch_of_single_ids_is_refused_with_the_layer() -> None:
    ids = np.array([1, 2, 3], dtype=np.int64)

    with pytest.raises(
        AirlockError, match=r"'layer' \(CategoryEncoding\): output_mode='multi_hot'"
    ):
        convert(
            "CategoryEncoding",
            {"num_tokens": 4, "output_mode": "multi_hot"},
            [ids],
            (3, 4),
            17,
        )


def _lookup(
    ids: np.ndarray, vocabulary: list[int], oov: int, mask: int | None
) -> np.ndarray:
    """Keras's IntegerLookup indices, one id at a time."""
    reserved = oov + (0 if mask is None else 1)

    def index(token: int) -> int:
        if mask is not None and token == mask:
            return 0
        if token in vocabulary:
            return vocabulary.index(token) + reserved
        return token % oov + (0 if mask is None else 1)

    return np.vectorize(index)(ids)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(("oov", "mask"), [(1, None), (2, 0), (3, None)])
def test_integer_lookup_indexes_vocabulary_mask_and_hashed_unknowns(
    oov: int, mask: int | None, opset: int
) -> None:
    vocabulary = [40, 7, 12]
    ids = np.array([[7, 0, 40, 5], [12, -3, 99, 7]], dtype=np.int32)
    config = {"num_oov_indices": oov, "mask_token": mask, "output_mode": "int"}

    result = convert(
        "IntegerLookup",
        config,
        [ids],
        ids.shape,
        opset,
        weights={"vocabulary": np.array(vocabulary, dtype=np.int64)},
    )

    np.testing.assert_array_equal(result.value, _lookup(ids, vocabulary, oov, mask))


def test_integer_lookup_encodes_its_indices() -> None:
    vocabulary = [3, 1]
    ids = np.array([[3, 3, 8], [1, 9, 1]], dtype=np.int64)
    config = {"num_oov_indices": 1, "mask_token": None, "output_mode": "count"}

    result = convert(
        "IntegerLookup",
        config,
        [ids],
        (2, 3),
        17,
        weights={"vocabulary": np.array(vocabulary, dtype=np.int64)},
    )

    expected = _one_hot(_lookup(ids, vocabulary, 1, None), 3).sum(axis=1)
    np.testing.assert_array_equal(result.value, expected)
