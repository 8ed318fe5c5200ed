"""Merge layers against numpy versions of Keras's formulas, in every layout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import reduce

import numpy as np
import pytest
from layouts import CHANNELS_FIRST, convert

from stages.console import AirlockError

# float32 evaluation against float64 formulas: a few units in the last place.
RTOL = 1e-5
ATOL = 1e-6
OPSETS = (13, 17, 28)

#: Keras's element-wise merges, written out with numpy on inputs of equal rank.
ELEMENTWISE: dict[str, Callable[[list[np.ndarray]], np.ndarray]] = {
    "Add": lambda xs: reduce(np.add, xs),
    "Subtract": lambda xs: xs[0] - xs[1],
    "Multiply": lambda xs: reduce(np.multiply, xs),
    "Average": lambda xs: reduce(np.add, xs) / len(xs),
    "Maximum": lambda xs: reduce(np.maximum, xs),
    "Minimum": lambda xs: reduce(np.minimum, xs),
}


def _random(*shapes: Sequence[int], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for shape in shapes]


def _keras_broadcast(xs: list[np.ndarray]) -> list[np.ndarray]:
    """Keras's rule: axes of size 1 after the batch axis until the ranks agree."""
    rank = max(x.ndim for x in xs)
    return [x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:]) for x in xs]


def _count(kind: str) -> int:
    return 2 if kind == "Subtract" else 3


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("kind", sorted(ELEMENTWISE))
def test_elementwise_merge_matches_keras(kind: str, opset: int) -> None:
    xs = _random(*[(4, 3, 5)] * _count(kind))

    result = convert(kind, {}, xs, (4, 3, 5), opset)

    expected = ELEMENTWISE[kind]([x.astype(np.float64) for x in xs])
    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("kind", sorted(ELEMENTWISE))
def test_elementwise_merge_broadcasts_lower_ranks_after_the_batch_axis(
    kind: str,
) -> None:
    shapes = [(4, 5), (4, 3, 5), (4, 1, 5)][: _count(kind)]
    xs = _random(*shapes)

    result = convert(kind, {}, xs, (4, 3, 5), 17)

    expected = ELEMENTWISE[kind](_keras_broadcast([x.astype(np.float64) for x in xs]))
    assert result.value.shape == (4, 3, 5)
    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("kind", sorted(ELEMENTWISE))
def test_inputs_in_one_layout_are_merged_without_transposing(kind: str) -> None:
    xs = _random(*[(2, 3, 4, 5)] * _count(kind))
    perm = CHANNELS_FIRST[4]

    result = convert(kind, {}, xs, (2, 3, 4, 5), 17, [perm] * len(xs))

    assert result.perm == perm
    assert result.count("Transpose") == 1  # to Keras order, for the graph output
    expected = ELEMENTWISE[kind]([x.astype(np.float64) for x in xs])
    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


def test_inputs_in_different_layouts_are_merged_in_keras_order() -> None:
    xs = _random((2, 3, 4, 5), (2, 3, 4, 5), (2, 1, 4, 5))

    result = convert("Add", {}, xs, (2, 3, 4, 5), 17, [CHANNELS_FIRST[4], None, None])

    assert result.perm is None
    np.testing.assert_allclose(result.value, sum(xs), rtol=RTOL, atol=ATOL)


def test_lower_rank_inputs_in_another_layout_are_broadcast_in_keras_order() -> None:
    xs = _random((2, 3, 4, 5), (2, 5))

    result = convert("Multiply", {}, xs, (2, 3, 4, 5), 17, [CHANNELS_FIRST[4], None])

    expected = xs[0] * xs[1][:, None, None, :]
    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


def test_a_merge_of_one_input_passes_it_through() -> None:
    (x,) = _random((3, 4))

    result = convert("Average", {}, [x], (3, 4), 17)

    np.testing.assert_array_equal(result.value, x)


def test_inputs_of_another_dtype_are_refused_naming_the_layer() -> None:
    x = np.ones((2, 3), np.float32)
    y = np.ones((2, 3), np.int32)

    with pytest.raises(
        AirlockError, match=r"'layer' \(Add\): inputs of dtypes float32, int32"
    ):
        convert("Add", {}, [x, y], (2, 3), 17)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("axis", [1, 2, 3, -1, -2, -3, 0])
@pytest.mark.parametrize("perm", [None, CHANNELS_FIRST[4]])
def test_concatenate_joins_along_the_keras_axis(
    axis: int, perm: tuple[int, ...] | None, opset: int
) -> None:
    shape = [2, 3, 4, 5]
    shapes = []
    for size in (1, 2, 3):
        shapes.append(list(shape))
        shapes[-1][axis] = size
    xs = _random(*shapes)
    expected = np.concatenate(xs, axis=axis)

    result = convert(
        "Concatenate", {"axis": axis}, xs, expected.shape, opset, [perm] * 3
    )

    assert result.perm == perm
    np.testing.assert_array_equal(result.value, expected)


def test_concatenate_brings_mixed_layouts_to_keras_order() -> None:
    xs = _random((2, 3, 4, 5), (2, 3, 4, 2))

    result = convert(
        "Concatenate", {"axis": -1}, xs, (2, 3, 4, 7), 17, [CHANNELS_FIRST[4], None]
    )

    assert result.perm is None
    np.testing.assert_array_equal(result.value, np.concatenate(xs, axis=-1))


def test_concatenate_refuses_an_axis_out_of_range() -> None:
    xs = _random((2, 3), (2, 3))

    with pytest.raises(AirlockError, match=r"axis=2 is out of range .* rank 2"):
        convert("Concatenate", {"axis": 2}, xs, (2, 6), 17)


def _batch_dot(
    x: np.ndarray, y: np.ndarray, axes: Sequence[int], normalize: bool
) -> np.ndarray:
    """Keras's ``Dot``: per sample, a tensordot over the two axes."""
    a, b = (axis % array.ndim for axis, array in zip(axes, (x, y), strict=True))
    x, y = x.astype(np.float64), y.astype(np.float64)
    if normalize:
        x = x / np.maximum(np.sqrt((x**2).sum(axis=a, keepdims=True)), 1e-7)
        y = y / np.maximum(np.sqrt((y**2).sum(axis=b, keepdims=True)), 1e-7)
    rows = [np.tensordot(x[i], y[i], axes=(a - 1, b - 1)) for i in range(len(x))]
    result = np.stack(rows)
    return result.reshape(len(x), 1) if result.ndim == 1 else result


DOT_CASES = [
    ((4, 5), (4, 5), [1, 1]),
    ((4, 5), (4, 5), [-1, -1]),
    ((4, 5), (4, 3, 5), [1, 2]),
    ((4, 3, 5), (4, 5), [-1, 1]),
    ((4, 3, 5), (4, 5, 2), [2, 1]),
    ((4, 3, 5), (4, 3, 2), [1, 1]),
    ((4, 2, 3, 5), (4, 3, 5), [-1, -1]),
    ((4, 2, 3, 5), (4, 5, 2, 3), [3, 1]),
]


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize(("x_shape", "y_shape", "axes"), DOT_CASES)
def test_dot_matches_keras_batch_dot(
    x_shape: tuple[int, ...],
    y_shape: tuple[int, ...],
    axes: list[int],
    normalize: bool,
    opset: int,
) -> None:
    x, y = _random(x_shape, y_shape)
    expected = _batch_dot(x, y, axes, normalize)
    config = {"axes": axes, "normalize": normalize}

    result = convert("Dot", config, [x, y], expected.shape, opset)

    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("normalize", [False, True])
def test_dot_reads_inputs_in_any_layout(normalize: bool) -> None:
    x, y = _random((2, 3, 4, 5), (2, 4, 6))
    expected = _batch_dot(x, y, [2, 1], normalize)
    config = {"axes": [2, 1], "normalize": normalize}

    result = convert(
        "Dot", config, [x, y], expected.shape, 17, [CHANNELS_FIRST[4], (0, 2, 1)]
    )

    assert result.count("Transpose") == 0
    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


def test_normalized_dot_of_a_zero_vector_is_zero() -> None:
    x = np.zeros((2, 4), np.float32)
    (y,) = _random((2, 4))

    result = convert("Dot", {"axes": [1, 1], "normalize": True}, [x, y], (2, 1), 17)

    np.testing.assert_array_equal(result.value, np.zeros((2, 1), np.float32))


def test_dot_over_the_batch_axis_is_refused() -> None:
    x, y = _random((2, 4), (2, 4))

    with pytest.raises(AirlockError, match=r"\(Dot\): axes=\[0, 0\] names the batch"):
        convert("Dot", {"axes": [0, 0], "normalize": False}, [x, y], (2, 1), 17)


#: ``x op number`` and ``number op x``, as Keras computes them in a functional model.
SCALAR_OPERATIONS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "Add": np.add,
    "Subtract": np.subtract,
    "Multiply": np.multiply,
    "TrueDivide": np.divide,
    "Divide": np.divide,
    "Power": np.power,
}
#: The operations on two operands that only exist outside layers (``x / y``).
BINARY_OPERATIONS = {"TrueDivide": np.divide, "Divide": np.divide, "Power": np.power}


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("index", [0, 1])
@pytest.mark.parametrize("kind", sorted(SCALAR_OPERATIONS))
def test_an_operation_with_a_number_applies_it_in_its_position(
    kind: str, index: int, opset: int
) -> None:
    (x,) = _random((2, 3, 4, 5))
    config = {"scalar_operand": {"index": index, "value": 3.0}}

    result = convert(kind, config, [x], (2, 3, 4, 5), opset, [CHANNELS_FIRST[4]])

    operands = [x.astype(np.float64)]
    operands.insert(index, np.float64(3.0))
    expected = SCALAR_OPERATIONS[kind](*operands)
    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("kind", sorted(BINARY_OPERATIONS))
def test_an_operation_between_two_tensors_keeps_their_layout(
    kind: str, opset: int
) -> None:
    base, exponent = _random((2, 3, 4, 5), (2, 3, 4, 5))
    # A positive base: a negative one to a fractional power is NaN in both.
    operands = [np.abs(base) + 0.5, exponent]
    perms = [CHANNELS_FIRST[4]] * 2

    result = convert(kind, {}, operands, (2, 3, 4, 5), opset, perms)

    assert result.perm == CHANNELS_FIRST[4]
    assert result.count("Transpose") == 1
    expected = BINARY_OPERATIONS[kind](*(x.astype(np.float64) for x in operands))
    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)


def test_an_operation_on_three_operands_names_itself() -> None:
    operands = _random((2, 4), (2, 4), (2, 4))

    with pytest.raises(AirlockError, match=r"'layer' \(Power\): needs exactly 2"):
        convert("Power", {}, operands, (2, 4), 17)
