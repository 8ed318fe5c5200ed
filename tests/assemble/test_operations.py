"""Element-wise Keras operations on one tensor against numpy, in Keras order and
channels-first."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from layouts import CHANNELS_FIRST, convert

from stages.console import AirlockError
from stages.operations import UNARY_OPERATIONS

# float32 evaluation against float64 formulas: a few units in the last place.
RTOL = 1e-5
ATOL = 1e-6
OPSETS = (13, 17, 28)
SHAPE = (2, 3, 4, 5)

#: What each operation computes, with numpy.
NUMPY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "Absolute": np.abs,
    "Exp": np.exp,
    "Log": np.log,
    "Negative": np.negative,
    "Sign": np.sign,
    "Sqrt": np.sqrt,
    "Square": np.square,
}


def test_every_operation_has_a_numpy_reference() -> None:
    assert set(NUMPY) == set(UNARY_OPERATIONS)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("perm", [None, CHANNELS_FIRST[4]])
@pytest.mark.parametrize("kind", sorted(UNARY_OPERATIONS))
def test_operation_matches_numpy_in_its_layout(
    kind: str, perm: tuple[int, ...] | None, opset: int
) -> None:
    x = np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)
    if kind in ("Log", "Sqrt"):
        x = np.abs(x) + 0.1

    result = convert(kind, {}, [x], SHAPE, opset, [perm])

    assert result.perm == perm
    assert result.count("Transpose") == (0 if perm is None else 1)
    expected = NUMPY[kind](x.astype(np.float64))
    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("kind", ["Absolute", "Negative", "Sign", "Square"])
def test_integer_operations_stay_integers(kind: str) -> None:
    ids = np.array([[-3, 0, 2, 7], [5, -1, 4, -6]], dtype=np.int32)

    result = convert(kind, {}, [ids], ids.shape, 17)

    assert result.value.dtype == np.int32
    np.testing.assert_array_equal(result.value, NUMPY[kind](ids))


#: What each reduction computes, with numpy.
REDUCERS = {"Max": np.max, "Mean": np.mean, "Min": np.min, "Sum": np.sum}


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(
    ("axis", "keepdims"), [([1], False), ([-1], True), ([1, 3], False), ([2, 1], True)]
)
@pytest.mark.parametrize("kind", sorted(REDUCERS))
def test_reduction_matches_numpy(
    kind: str, axis: list[int], keepdims: bool, opset: int
) -> None:
    x = np.random.default_rng(1).standard_normal(SHAPE).astype(np.float32)
    expected = REDUCERS[kind](x.astype(np.float64), axis=tuple(axis), keepdims=keepdims)
    config = {"axis": axis, "keepdims": keepdims}

    result = convert(kind, config, [x], (2, *expected.shape[1:]), opset)

    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


def test_reduction_over_an_axis_out_of_range_names_it() -> None:
    x = np.zeros(SHAPE, dtype=np.float32)

    with pytest.raises(AirlockError, match=r"\(Mean\): axis=\[4\] is out of range"):
        convert("Mean", {"axis": [4], "keepdims": False}, [x], (2, 3, 4, 5), 17)
