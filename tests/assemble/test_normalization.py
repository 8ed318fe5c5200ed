"""Normalization layers against numpy versions of Keras's formulas, in Keras order and
on channels-first tensors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest
from helpers import one_layer, run
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from stages import compat
from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.layout import channels_first
from stages.assemble.registry import Layer, lookup

# float32 evaluation against float64 formulas.
RTOL = 1e-5
ATOL = 1e-5
#: Where the emitted nodes differ: decompositions, LayerNormalization from 17,
#: GroupNormalization (per-channel scale) from 21.
OPSETS = (compat.MIN_OPSET, 17, 21, compat.MAX_OPSET)

SHAPE = (2, 3, 4, 6)


def _x(shape: tuple[int, ...] = SHAPE) -> np.ndarray:
    rng = np.random.default_rng(5)
    return (rng.standard_normal(shape) * 2.0 + 0.5).astype(np.float32)


def _random(shape: tuple[int, ...], seed: int, low: float | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if low is not None:
        return rng.uniform(low, 2.0, shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)


def _broadcast(array: np.ndarray, rank: int, axes: Sequence[int]) -> np.ndarray:
    shape = [1] * rank
    for axis, size in zip(sorted(a % rank for a in axes), array.shape, strict=True):
        shape[axis] = size
    return array.astype(np.float64).reshape(shape)


def _keras_layer_norm(
    x: np.ndarray, axes: Sequence[int], weights: Mapping[str, np.ndarray], config: Any
) -> np.ndarray:
    x = x.astype(np.float64)
    axes_tuple = tuple(a % x.ndim for a in axes)
    mean = x.mean(axis=axes_tuple, keepdims=True)
    variance = x.var(axis=axes_tuple, keepdims=True)
    inverse = 1.0 / np.sqrt(variance + config["epsilon"])
    if config["rms_scaling"]:
        return x * inverse * _broadcast(weights["gamma"], x.ndim, axes)
    y = (x - mean) * inverse
    if "gamma" in weights:
        y = y * _broadcast(weights["gamma"], x.ndim, axes)
    if "beta" in weights:
        y = y + _broadcast(weights["beta"], x.ndim, axes)
    return y


def _keras_group_norm(
    x: np.ndarray, groups: int, axis: int, weights: Mapping[str, np.ndarray], eps: float
) -> np.ndarray:
    x = x.astype(np.float64)
    axis %= x.ndim
    shape = list(x.shape)
    shape[axis : axis + 1] = [groups, x.shape[axis] // groups]
    grouped = x.reshape(shape)
    reduce = tuple(a for a in range(1, grouped.ndim) if a != axis)
    mean = grouped.mean(axis=reduce, keepdims=True)
    variance = grouped.var(axis=reduce, keepdims=True)
    y = ((grouped - mean) / np.sqrt(variance + eps)).reshape(x.shape)
    if "gamma" in weights:
        y = y * _broadcast(weights["gamma"], x.ndim, [axis])
    if "beta" in weights:
        y = y + _broadcast(weights["beta"], x.ndim, [axis])
    return y


def _batch_norm_weights(channels: int, center: bool, scale: bool) -> dict[str, Any]:
    weights = {
        "moving_mean": _random((channels,), 1),
        "moving_variance": _random((channels,), 2, low=0.2),
    }
    if scale:
        weights["gamma"] = _random((channels,), 3)
    if center:
        weights["beta"] = _random((channels,), 4)
    return weights


def _keras_batch_norm(
    x: np.ndarray, axis: int, weights: Mapping[str, np.ndarray], eps: float
) -> np.ndarray:
    def b(role: str, default: float) -> Any:
        if role not in weights:
            return default
        return _broadcast(weights[role], x.ndim, [axis])

    mean, variance = b("moving_mean", 0.0), b("moving_variance", 1.0)
    y = (x.astype(np.float64) - mean) / np.sqrt(variance + eps)
    return y * b("gamma", 1.0) + b("beta", 0.0)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(
    ("axis", "center", "scale"),
    [(-1, True, True), (1, True, False), (2, False, True), (3, False, False)],
)
def test_batch_normalization_uses_the_moving_statistics(
    axis: int, center: bool, scale: bool, opset: int
) -> None:
    x = _x()
    weights = _batch_norm_weights(SHAPE[axis], center, scale)
    config = {"axis": axis, "epsilon": 0.01, "center": center, "scale": scale}
    data = one_layer("BatchNormalization", config, [None, *SHAPE[1:]], weights=weights)

    y = run(data, opset, x)

    expected = _keras_batch_norm(x, axis, weights, 0.01)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


LAYER_NORM_CASES = [
    ([-1], True, True, False),
    ([2, 3], True, True, False),
    ([1], True, True, False),
    ([1, 3], False, True, False),
    ([-1], True, False, False),
    ([-1], False, False, False),
    ([-1], False, True, True),
    ([1, 2], False, True, True),
]


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(("axis", "center", "scale", "rms"), LAYER_NORM_CASES)
def test_layer_normalization_over_any_axes(
    axis: list[int], center: bool, scale: bool, rms: bool, opset: int
) -> None:
    x = _x()
    normalized = tuple(SHAPE[a] for a in sorted(a % 4 for a in axis))
    weights = {}
    if scale or rms:
        weights["gamma"] = _random(normalized, 6)
    if center and not rms:
        weights["beta"] = _random(normalized, 7)
    config = {
        "axis": axis,
        "epsilon": 1e-3,
        "center": center,
        "scale": scale,
        "rms_scaling": rms,
    }
    data = one_layer("LayerNormalization", config, [None, *SHAPE[1:]], weights=weights)

    y = run(data, opset, x)

    expected = _keras_layer_norm(x, axis, weights, config)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(
    ("groups", "axis", "center", "scale"),
    [
        (2, -1, True, True),
        (-1, -1, True, False),
        (1, 3, False, True),
        (2, 2, True, True),
    ],
)
def test_group_normalization_per_group(
    groups: int, axis: int, center: bool, scale: bool, opset: int
) -> None:
    x = _x()
    channels = SHAPE[axis]
    weights = {}
    if scale:
        weights["gamma"] = _random((channels,), 8)
    if center:
        weights["beta"] = _random((channels,), 9)
    config = {
        "groups": groups,
        "axis": axis,
        "epsilon": 1e-3,
        "center": center,
        "scale": scale,
    }
    data = one_layer("GroupNormalization", config, [None, *SHAPE[1:]], weights=weights)

    y = run(data, opset, x)

    resolved = channels if groups == -1 else groups
    expected = _keras_group_norm(x, resolved, axis, weights, 1e-3)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, compat.MAX_OPSET])
def test_group_normalization_takes_unknown_dimensions_from_the_graph(
    opset: int,
) -> None:
    x = _x()
    weights = {"gamma": _random((3,), 8), "beta": _random((3,), 9)}
    config = {"groups": 3, "axis": 1, "epsilon": 1e-3, "center": True, "scale": True}
    data = one_layer(
        "GroupNormalization", config, [None, 3, None, None], weights=weights
    )

    y = run(data, opset, x)

    expected = _keras_group_norm(x, 3, 1, weights, 1e-3)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, compat.MAX_OPSET])
@pytest.mark.parametrize("axis", [[-1], [1], [1, 3]])
def test_unit_normalization_divides_by_the_norm(axis: list[int], opset: int) -> None:
    x = _x()
    x[0, 0] = 0.0  # a zero slice stays zero
    data = one_layer("UnitNormalization", {"axis": axis}, [None, *SHAPE[1:]])

    y = run(data, opset, x)

    x64 = x.astype(np.float64)
    norm = np.sqrt((x64**2).sum(axis=tuple(axis), keepdims=True))
    expected = x64 * np.minimum(1.0 / np.where(norm == 0, 1e-30, norm), 1e12)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


def _run_channels_first(
    kind: str, config: dict[str, Any], weights: Mapping[str, np.ndarray], opset: int
) -> tuple[np.ndarray, list[str]]:
    """Convert one layer whose input is laid out channels-first; return its output in
    Keras order and the operator types it emitted."""
    x = _x()
    perm = channels_first(x.ndim)
    builder = GraphBuilder(opset)
    builder.reserve("x")
    tensor = Tensor("x", "float32", (None, *x.shape[1:]), perm)
    layer = Layer(kind, kind, config, ((None, *x.shape[1:]),), ("float32",))
    convert = lookup(kind)
    assert convert is not None
    builder.scope(kind)
    (output,) = convert(layer, weights, [tensor], builder)
    assert output.perm == perm  # the layout is kept
    ops = [node.op_type for node in builder.nodes]
    value = builder.keras(output).name
    physical = np.transpose(x, perm)
    graph = helper.make_graph(
        builder.nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, physical.shape)],
        [helper.make_tensor_value_info(value, TensorProto.FLOAT, None)],
        initializer=builder.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    (y,) = ReferenceEvaluator(model).run(None, {"x": physical})
    return np.asarray(y), ops


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, compat.MAX_OPSET])
@pytest.mark.parametrize("axis", [-1, 1])
def test_batch_normalization_on_channels_first_tensors(axis: int, opset: int) -> None:
    weights = _batch_norm_weights(SHAPE[axis], True, True)
    config = {"axis": axis, "epsilon": 1e-3, "center": True, "scale": True}

    y, ops = _run_channels_first("BatchNormalization", config, weights, opset)

    expected = _keras_batch_norm(_x(), axis, weights, 1e-3)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)
    uses_operator = "BatchNormalization" in ops
    assert uses_operator == (axis == -1 and opset >= 14)  # channels at axis 1
    assert "Transpose" not in ops[:-1]


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, 17, compat.MAX_OPSET])
@pytest.mark.parametrize(
    ("kind", "config", "weights"),
    [
        (
            "LayerNormalization",
            {
                "axis": [-1],
                "epsilon": 1e-3,
                "center": True,
                "scale": True,
                "rms_scaling": False,
            },
            {"gamma": _random((6,), 1), "beta": _random((6,), 2)},
        ),
        (
            "LayerNormalization",
            {
                "axis": [2, 3],
                "epsilon": 1e-3,
                "center": False,
                "scale": True,
                "rms_scaling": False,
            },
            {"gamma": _random((4, 6), 1)},
        ),
        (
            "GroupNormalization",
            {"groups": 3, "axis": -1, "epsilon": 1e-3, "center": True, "scale": True},
            {"gamma": _random((6,), 1), "beta": _random((6,), 2)},
        ),
        ("UnitNormalization", {"axis": [1, 3]}, {}),
    ],
)
def test_normalizations_keep_a_channels_first_layout(
    kind: str, config: dict[str, Any], weights: dict[str, np.ndarray], opset: int
) -> None:
    y, ops = _run_channels_first(kind, config, weights, opset)

    x = _x()
    if kind == "LayerNormalization":
        expected = _keras_layer_norm(x, config["axis"], weights, config)
    elif kind == "GroupNormalization":
        expected = _keras_group_norm(x, 3, -1, weights, 1e-3)
    else:
        expected = x / np.sqrt((x.astype(np.float64) ** 2).sum((1, 3), keepdims=True))
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)
    assert "Transpose" not in ops[:-1]
