"""Activation functions and layers against numpy versions of Keras's formulas."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from helpers import one_layer, run

from stages import compat
from stages.assemble.converters.activations import ACTIVATIONS, SELU_ALPHA, SELU_SCALE

# float32 evaluation against float64 formulas: a few units in the last place.
RTOL = 1e-5
ATOL = 1e-6
OPSETS = sorted({compat.MIN_OPSET, compat.DEFAULT_OPSET, 20, compat.MAX_OPSET})

_erf = np.vectorize(math.erf)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.exp(x))


def _softmax(x: np.ndarray, axis: Any = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


#: Keras 3's definitions, and Keras 2's hard_sigmoid, written out with numpy.
KERAS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "exponential": np.exp,
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    "gelu_tanh": lambda x: (
        0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    ),
    "hard_sigmoid": lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "hard_sigmoid_keras2": lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),
    "hard_silu": lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "log_softmax": lambda x: np.log(_softmax(x)),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "relu": lambda x: np.maximum(x, 0.0),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "sigmoid": _sigmoid,
    "silu": lambda x: x * _sigmoid(x),
    "softmax": _softmax,
    "softplus": _softplus,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "tanh": np.tanh,
}


def _inputs(shape: tuple[int, ...] = (4, 6)) -> np.ndarray:
    x = np.random.default_rng(1).standard_normal(shape) * 3.0
    x.flat[:4] = [0.0, -3.0, 3.0, 6.5]  # the kinks of relu6 and hard_sigmoid
    return x.astype(np.float32)


def test_every_activation_has_a_reference_formula() -> None:
    assert sorted(ACTIVATIONS) == sorted(KERAS)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("name", sorted(KERAS))
def test_activation_matches_keras(name: str, opset: int) -> None:
    x = _inputs()
    data = one_layer("Activation", {"activation": name}, [None, 6])

    y = run(data, opset, x)

    expected = KERAS[name](x.astype(np.float64))
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


def _keras_relu(
    x: np.ndarray, max_value: float | None, negative_slope: float, threshold: float
) -> np.ndarray:
    """Keras 3's ReLU.static_call, step by step."""
    positive = np.where(x > threshold, x, 0.0) if threshold != 0 else np.maximum(x, 0.0)
    if max_value is not None:
        positive = np.clip(positive, 0.0, max_value)
    if negative_slope != 0:
        positive = positive - negative_slope * np.maximum(threshold - x, 0.0)
    return positive


@pytest.mark.parametrize(
    "config",
    [
        {"max_value": None, "negative_slope": 0.0, "threshold": 0.0},
        {"max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0},
        {"max_value": 1.5, "negative_slope": 0.0, "threshold": 0.0},
        {"max_value": None, "negative_slope": 0.1, "threshold": 0.0},
        {"max_value": None, "negative_slope": 0.0, "threshold": 0.5},
        {"max_value": 2.0, "negative_slope": 0.3, "threshold": 0.5},
        {"max_value": None, "negative_slope": 0.2, "threshold": -1.0},
        {"max_value": 1.0, "negative_slope": 0.0, "threshold": -1.0},
    ],
)
def test_relu_layer_matches_keras(config: dict[str, Any]) -> None:
    x = _inputs()

    y = run(one_layer("ReLU", config, [None, 6]), compat.DEFAULT_OPSET, x)

    expected = _keras_relu(x.astype(np.float64), **config)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


def test_leaky_relu_layer_uses_its_slope() -> None:
    x = _inputs()

    y = run(one_layer("LeakyReLU", {"negative_slope": 0.25}, [None, 6]), 17, x)

    np.testing.assert_allclose(y, np.where(x >= 0, x, 0.25 * x), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("alpha", [1.0, 0.4])
def test_elu_layer_scales_the_negative_part(alpha: float) -> None:
    x = _inputs()

    y = run(one_layer("ELU", {"alpha": alpha}, [None, 6]), 17, x)

    expected = np.where(x > 0, x, alpha * np.expm1(x.astype(np.float64)))
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("shared_axes", [None, [1]])
def test_prelu_layer_broadcasts_its_slopes(shared_axes: list[int] | None) -> None:
    x = _inputs((2, 3, 4))
    alpha_shape = (1, 4) if shared_axes else (3, 4)
    alpha = np.random.default_rng(2).standard_normal(alpha_shape).astype(np.float32)
    data = one_layer(
        "PReLU", {"shared_axes": shared_axes}, [None, 3, 4], weights={"alpha": alpha}
    )

    y = run(data, 17, x)

    np.testing.assert_allclose(y, np.where(x > 0, x, alpha * x), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, compat.MAX_OPSET])
@pytest.mark.parametrize("axis", [[-1], [1], [1, 2], [-2, -1]])
def test_softmax_layer_over_any_axes(axis: list[int], opset: int) -> None:
    x = _inputs((2, 3, 4))

    y = run(one_layer("Softmax", {"axis": axis}, [None, 3, 4]), opset, x)

    expected = _softmax(x.astype(np.float64), axis=tuple(axis))
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)
