"""Dense, Flatten, Reshape and the training-only layers."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import one_layer, run

RTOL = 1e-5
ATOL = 1e-6


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("shape", [(3, 5), (3, 4, 5), (2, 3, 4, 5)])
def test_dense_on_any_rank(shape: tuple[int, ...], use_bias: bool) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    weights = {"kernel": rng.standard_normal((5, 2)).astype(np.float32)}
    if use_bias:
        weights["bias"] = rng.standard_normal(2).astype(np.float32)
    config = {"units": 2, "activation": "tanh", "use_bias": use_bias}
    data = one_layer(
        "Dense", config, [None, *shape[1:]], [None, *shape[1:-1], 2], weights
    )

    y = run(data, 17, x)

    expected = x.astype(np.float64) @ weights["kernel"] + weights.get("bias", 0.0)
    np.testing.assert_allclose(y, np.tanh(expected), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_flatten_keeps_keras_element_order(data_format: str) -> None:
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    data = one_layer(
        "Flatten", {"data_format": data_format}, [None, 3, 4, 5], [None, 60]
    )

    y = run(data, 17, x)

    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    np.testing.assert_array_equal(y, x.reshape(2, -1))


@pytest.mark.parametrize("target", [[4, 3], [-1, 2], [2, 3, 2]])
def test_reshape_keeps_the_batch_axis(target: list[int]) -> None:
    x = np.arange(5 * 12, dtype=np.float32).reshape(5, 12)
    expected = x.reshape(5, *target)
    data = one_layer(
        "Reshape", {"target_shape": target}, [None, 12], [None, *expected.shape[1:]]
    )

    y = run(data, 17, x)

    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("kind", ["Dropout", "GaussianNoise", "ActivityRegularization"])
def test_training_only_layers_pass_data_through(kind: str) -> None:
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)

    y = run(one_layer(kind, {}, [None, 4]), 17, x)

    np.testing.assert_array_equal(y, x)
