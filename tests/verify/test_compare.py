"""Comparing onnxruntime's outputs with TensorFlow's."""

from __future__ import annotations

import numpy as np
import pytest

from stages.verify.compare import compare_output, names_problem

RTOL, ATOL = 1e-4, 1e-5


def test_values_within_tolerance_pass_with_their_errors() -> None:
    expected = np.array([[1.0, -2.0], [0.0, 1000.0]], dtype=np.float32)
    actual = expected + np.array([[5e-6, 0.0], [9e-6, 0.05]], dtype=np.float32)

    result = compare_output("y", actual, expected, RTOL, ATOL)

    assert result.ok
    assert result.mismatched == 0
    assert result.max_abs_error == pytest.approx(0.05, rel=1e-3)
    assert result.max_rel_error == pytest.approx(5e-5, rel=1e-2)


def test_values_outside_tolerance_fail_and_are_counted() -> None:
    expected = np.zeros((2, 3), dtype=np.float32)
    actual = expected.copy()
    actual[1, 2] = 1e-3

    result = compare_output("y", actual, expected, RTOL, ATOL)

    assert not result.ok
    assert result.mismatched == 1
    assert result.problem == "1 of 6 values outside rtol=0.0001, atol=1e-05"


def test_nan_must_match_nan() -> None:
    expected = np.array([np.nan, 1.0], dtype=np.float32)

    same = compare_output("y", expected.copy(), expected, RTOL, ATOL)
    moved = compare_output(
        "y", np.array([1.0, np.nan], dtype=np.float32), expected, RTOL, ATOL
    )

    assert same.ok
    assert not moved.ok
    assert moved.mismatched == 2


@pytest.mark.parametrize(
    ("actual", "message"),
    [
        (np.zeros((2, 3), np.float64), "ONNX gives float64[2, 3]"),
        (np.zeros((3, 2), np.float32), "ONNX gives float32[3, 2]"),
        (np.zeros((6,), np.float32), "ONNX gives float32[6]"),
    ],
)
def test_shape_and_dtype_must_match_exactly(actual: np.ndarray, message: str) -> None:
    expected = np.zeros((2, 3), np.float32)

    result = compare_output("y", actual, expected, RTOL, ATOL)

    assert not result.ok
    assert result.problem is not None
    assert result.problem.startswith(message)


def test_integer_outputs_must_be_equal() -> None:
    expected = np.array([1, 2, 3], dtype=np.int64)

    result = compare_output("ids", np.array([1, 2, 4], np.int64), expected, RTOL, ATOL)

    assert result.problem == "1 values differ"


def test_output_names_and_order_must_match() -> None:
    assert names_problem(["a", "b"], ["a", "b"], "outputs") is None
    assert names_problem(["b", "a"], ["a", "b"], "outputs") == (
        "ONNX outputs ['b', 'a'] differ from the model's ['a', 'b']"
    )
