"""Embedding against numpy's indexing, which is Keras's ``take`` on valid ids."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import one_layer, run

from stages import compat
from stages.assemble.model import assemble
from stages.interchange import Interchange

OPSETS = (compat.MIN_OPSET, compat.MAX_OPSET)
TABLE = np.random.default_rng(0).standard_normal((11, 4)).astype(np.float32)


def _embedding(shape: list[int | None], dtype: str) -> Interchange:
    return one_layer(
        "Embedding",
        {"input_dim": 11, "output_dim": 4, "mask_zero": False},
        shape,
        [*shape, 4],
        {"embeddings": TABLE},
        input_dtype=dtype,
    )


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(
    "dtype", ["int8", "uint8", "int16", "uint16", "int32", "int64", "float32"]
)
def test_ids_of_every_dtype_read_their_rows(dtype: str, opset: int) -> None:
    ids = np.random.default_rng(1).integers(0, 11, size=(3, 7)).astype(dtype)

    y = run(_embedding([None, 7], dtype), opset, ids)

    np.testing.assert_array_equal(y, TABLE[ids.astype(np.int64)])


@pytest.mark.parametrize(
    "shape", [[None], [None, 5], [None, 2, 3], [None, 2, 2, 2]], ids=str
)
def test_ids_of_any_rank(shape: list[int | None]) -> None:
    size = [4, *shape[1:]]
    ids = np.random.default_rng(2).integers(0, 11, size=size).astype(np.int32)

    y = run(_embedding(shape, "int32"), compat.DEFAULT_OPSET, ids)

    assert y.shape == (*size, 4)
    np.testing.assert_array_equal(y, TABLE[ids])


def test_negative_ids_count_from_the_end_as_in_keras() -> None:
    ids = np.array([[-1, -11, 0, 10]], dtype=np.int64)

    y = run(_embedding([None, 4], "int64"), compat.DEFAULT_OPSET, ids)

    np.testing.assert_array_equal(y, TABLE[[10, 0, 0, 10]][np.newaxis])


@pytest.mark.parametrize(("dtype", "casts"), [("int32", 0), ("int64", 0), ("uint8", 1)])
def test_only_ids_that_gather_cannot_take_are_cast(dtype: str, casts: int) -> None:
    model = assemble(_embedding([None, 3], dtype), compat.DEFAULT_OPSET, {})

    ops = [node.op_type for node in model.graph.node]
    assert ops.count("Cast") == casts
    assert ops.count("Gather") == 1
