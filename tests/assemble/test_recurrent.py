"""Recurrent layers against numpy versions of Keras's cell formulas.

onnx's reference evaluator runs the RNN, LSTM and GRU nodes; it computes only the
default activations (it ignores the ``activations`` attribute), so other
activations are checked here by the attributes they produce, and numerically by
the end-to-end exports against TensorFlow and onnxruntime.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import one_layer
from onnx import helper
from onnx.reference import ReferenceEvaluator

from stages import compat
from stages.assemble.model import assemble
from stages.console import AirlockError
from stages.interchange import Interchange

# float32 evaluation against float64 formulas over a few steps.
RTOL = 1e-5
ATOL = 1e-6
OPSETS = (compat.MIN_OPSET, compat.DEFAULT_OPSET, compat.MAX_OPSET)
BATCH, STEPS, FEATURES = 2, 4, 3
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _config(kind: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "units": 2,
        "activation": "tanh",
        "use_bias": True,
        "return_sequences": False,
        "return_state": False,
        "go_backwards": False,
    }
    if kind != "SimpleRNN":
        config["recurrent_activation"] = "sigmoid"
    if kind == "GRU":
        config["reset_after"] = True
    return {**config, **overrides}


def _weights(
    kind: str, config: dict[str, Any], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    units = config["units"]
    width = GATES[kind] * units
    weights = {
        "kernel": rng.normal(size=(FEATURES, width)),
        "recurrent_kernel": rng.normal(size=(units, width)),
    }
    if config["use_bias"]:
        two_rows = kind == "GRU" and config["reset_after"]
        weights["bias"] = rng.normal(size=(2, width) if two_rows else (width,))
    return {role: array.astype(np.float32) for role, array in weights.items()}


def _keras_step(
    kind: str,
    config: dict[str, Any],
    weights: dict[str, np.ndarray],
    x: np.ndarray,
    states: list[np.ndarray],
) -> list[np.ndarray]:
    """One step of the Keras cell; returns the new states (``h`` first)."""
    units = config["units"]
    w = weights["kernel"].astype(np.float64)
    u = weights["recurrent_kernel"].astype(np.float64)
    bias = weights.get("bias")
    b = np.zeros(w.shape[1:]) if bias is None else bias.astype(np.float64)
    h = states[0]
    if kind == "SimpleRNN":
        return [np.tanh(x @ w + h @ u + b)]
    if kind == "LSTM":
        z = x @ w + h @ u + b
        i, f, c, o = (z[:, k * units : (k + 1) * units] for k in range(4))
        carry = _sigmoid(f) * states[1] + _sigmoid(i) * np.tanh(c)
        return [_sigmoid(o) * np.tanh(carry), carry]
    input_bias, recurrent_bias = (b[0], b[1]) if b.ndim == 2 else (b, np.zeros_like(b))
    xz, xr, xh = np.split(x @ w + input_bias, 3, axis=-1)
    if config["reset_after"]:
        hz, hr, hh = np.split(h @ u + recurrent_bias, 3, axis=-1)
        z, r = _sigmoid(xz + hz), _sigmoid(xr + hr)
        candidate = np.tanh(xh + r * hh)
    else:
        hz, hr = np.split(h @ u[:, : 2 * units], 2, axis=-1)
        z, r = _sigmoid(xz + hz), _sigmoid(xr + hr)
        candidate = np.tanh(xh + (r * h) @ u[:, 2 * units :])
    return [z * h + (1.0 - z) * candidate]


def _keras_layer(
    kind: str,
    config: dict[str, Any],
    weights: dict[str, np.ndarray],
    x: np.ndarray,
    initial: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Keras's RNN loop: the output (sequence in reading order, or the last) and
    the final states, from ``initial`` states or zeros."""
    zeros = [np.zeros((x.shape[0], config["units"]))] * (2 if kind == "LSTM" else 1)
    states = [s.astype(np.float64) for s in initial] if initial else zeros
    steps = range(x.shape[1])
    outputs = []
    for t in reversed(steps) if config["go_backwards"] else steps:
        states = _keras_step(kind, config, weights, x[:, t].astype(np.float64), states)
        outputs.append(states[0])
    output = np.stack(outputs, axis=1) if config["return_sequences"] else outputs[-1]
    return output, states


def _file(
    kind: str,
    config: dict[str, Any],
    weights: dict[str, np.ndarray],
    shapes: list[list[int | None]],
) -> Interchange:
    """A one-layer file whose layer has an output per entry of ``shapes``."""
    data = one_layer(kind, config, [None, STEPS, FEATURES], shapes[0], weights)
    layer = data.description["layers"][0]
    names = ["layer"] + [f"layer:0:{index}" for index in range(1, len(shapes))]
    layer["outputs"] = names
    layer["output_shapes"] = shapes
    layer["output_dtypes"] = ["float32"] * len(shapes)
    data.description["outputs"] = [
        {"name": f"y{index}", "tensor": name, "dtype": "float32", "shape": shape}
        for index, (name, shape) in enumerate(zip(names, shapes, strict=True))
    ]
    return data


def _run(data: Interchange, opset: int, x: np.ndarray) -> list[np.ndarray]:
    model = assemble(data, opset, {})
    return [np.asarray(y) for y in ReferenceEvaluator(model).run(None, {"x": x})]


def _shape(config: dict[str, Any], units: int | None = None) -> list[int | None]:
    units = units or config["units"]
    return [None, STEPS, units] if config["return_sequences"] else [None, units]


def _single(kind: str, config: dict[str, Any], opset: int) -> None:
    rng = np.random.default_rng(5)
    weights = _weights(kind, config, rng)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype(np.float32)
    output, states = _keras_layer(kind, config, weights, x)
    expected = [output, *states] if config["return_state"] else [output]
    shapes = [_shape(config)] + [[None, config["units"]]] * (len(expected) - 1)

    actual = _run(_file(kind, config, weights, shapes), opset, x)

    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


LAYER_CASES = [
    ("SimpleRNN", {}),
    ("SimpleRNN", {"return_sequences": True, "go_backwards": True}),
    ("SimpleRNN", {"use_bias": False, "return_state": True}),
    ("LSTM", {}),
    ("LSTM", {"return_sequences": True, "return_state": True, "go_backwards": True}),
    ("LSTM", {"use_bias": False, "return_sequences": True}),
    ("GRU", {}),
    ("GRU", {"reset_after": False}),
    ("GRU", {"use_bias": False, "return_sequences": True}),
    ("GRU", {"reset_after": False, "use_bias": False, "go_backwards": True}),
    ("GRU", {"return_sequences": True, "return_state": True, "go_backwards": True}),
]


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(("kind", "overrides"), LAYER_CASES)
def test_recurrent_layer_matches_keras(
    kind: str, overrides: dict[str, Any], opset: int
) -> None:
    _single(kind, _config(kind, **overrides), opset)


def _merge(mode: str | None, forward: np.ndarray, backward: np.ndarray) -> list[Any]:
    if mode is None:
        return [forward, backward]
    return [
        {
            "concat": lambda: np.concatenate([forward, backward], axis=-1),
            "sum": lambda: forward + backward,
            "mul": lambda: forward * backward,
            "ave": lambda: (forward + backward) / 2.0,
        }[mode]()
    ]


BIDIRECTIONAL_CASES = [
    ("concat", "LSTM", "LSTM", {}),
    ("sum", "GRU", "GRU", {"return_sequences": True}),
    ("mul", "SimpleRNN", "SimpleRNN", {"return_sequences": True}),
    ("ave", "LSTM", "LSTM", {"return_sequences": True, "use_bias": False}),
    (None, "GRU", "GRU", {"reset_after": False}),
    ("concat", "LSTM", "LSTM", {"return_sequences": True, "return_state": True}),
    (None, "GRU", "GRU", {"return_state": True}),
    ("concat", "LSTM", "GRU", {"return_sequences": True}),
]


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(
    ("mode", "forward_kind", "backward_kind", "overrides"), BIDIRECTIONAL_CASES
)
def test_bidirectional_matches_keras(
    mode: str | None,
    forward_kind: str,
    backward_kind: str,
    overrides: dict[str, Any],
    opset: int,
) -> None:
    rng = np.random.default_rng(7)
    forward = {
        "kind": forward_kind,
        "name": "forward_inner",
        **_config(forward_kind, **overrides),
    }
    backward = {
        "kind": backward_kind,
        "name": "backward_inner",
        **_config(backward_kind, **overrides),
        "go_backwards": True,
    }
    weights = {}
    for inner in (forward, backward):
        for role, array in _weights(inner["kind"], inner, rng).items():
            weights[f"{inner['name']}/cell/{role}"] = array
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype(np.float32)

    results = []
    for inner in (forward, backward):
        own = {
            r.rsplit("/", 1)[-1]: a for r, a in weights.items() if inner["name"] in r
        }
        results.append(_keras_layer(inner["kind"], inner, own, x))
    (y, forward_states), (y_rev, backward_states) = results
    if overrides.get("return_sequences"):
        y_rev = y_rev[:, ::-1]
    expected = _merge(mode, y, y_rev)
    if overrides.get("return_state"):
        expected += forward_states + backward_states
    shapes = [list((None, *e.shape[1:])) for e in expected]
    config = {"merge_mode": mode, "layer": forward, "backward_layer": backward}

    actual = _run(_file("Bidirectional", config, weights, shapes), opset, x)

    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def _node(config: dict[str, Any], kind: str) -> Any:
    weights = _weights(kind, config, np.random.default_rng(0))
    model = assemble(_file(kind, config, weights, [_shape(config)]), 17, {})
    (node,) = [n for n in model.graph.node if n.op_type in ("RNN", "LSTM", "GRU")]
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def test_lstm_gate_activations_and_their_parameters_follow_onnx_order() -> None:
    config = _config("LSTM", activation="elu", recurrent_activation="hard_sigmoid")

    attributes = _node(config, "LSTM")

    assert attributes["activations"] == [b"HardSigmoid", b"Elu", b"Elu"]
    np.testing.assert_allclose(attributes["activation_alpha"], [1 / 6, 1.0, 1.0])
    np.testing.assert_allclose(attributes["activation_beta"], [0.5])


def test_keras_2_hard_sigmoid_gates_have_keras_2_slope() -> None:
    config = _config(
        "LSTM", activation="elu", recurrent_activation="hard_sigmoid_keras2"
    )

    attributes = _node(config, "LSTM")

    assert attributes["activations"] == [b"HardSigmoid", b"Elu", b"Elu"]
    np.testing.assert_allclose(attributes["activation_alpha"], [0.2, 1.0, 1.0])
    np.testing.assert_allclose(attributes["activation_beta"], [0.5])


def test_gru_linear_activation_is_an_identity_affine() -> None:
    config = _config("GRU", activation="linear", reset_after=False)

    attributes = _node(config, "GRU")

    assert attributes["activations"] == [b"Sigmoid", b"Affine"]
    assert attributes["activation_alpha"] == [1.0]
    assert attributes["activation_beta"] == [0.0]
    assert attributes["linear_before_reset"] == 0


def test_activation_onnx_cannot_compute_names_layer_key_and_value() -> None:
    config = _config("SimpleRNN", activation="gelu")

    with pytest.raises(AirlockError, match=r"'layer' \(SimpleRNN\): activation='gelu'"):
        _node(config, "SimpleRNN")


def _with_states(data: Interchange, names: list[str]) -> Interchange:
    """``data`` with graph inputs ``names`` ([batch, 2] states) read after x."""
    description = data.description
    for name in names:
        description["inputs"].append(
            {"name": name, "dtype": "float32", "shape": [None, 2]}
        )
        description["samples"]["inputs"][name] = f"samples/inputs/{name}"
    description["layers"][0]["inputs"] += names
    return data


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(
    ("kind", "overrides"),
    [
        ("LSTM", {"return_sequences": True}),
        ("GRU", {"go_backwards": True, "reset_after": False}),
        ("SimpleRNN", {"return_state": True}),
    ],
)
def test_initial_states_seed_the_recurrence(
    kind: str, overrides: dict[str, Any], opset: int
) -> None:
    rng = np.random.default_rng(11)
    config = _config(kind, **overrides)
    weights = _weights(kind, config, rng)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype(np.float32)
    names = ["h", "c"] if kind == "LSTM" else ["h"]
    initial = [rng.normal(size=(BATCH, 2)).astype(np.float32) for _ in names]
    output, states = _keras_layer(kind, config, weights, x, initial)
    expected = [output, *states] if config["return_state"] else [output]
    shapes = [_shape(config)] + [[None, 2]] * (len(expected) - 1)
    data = _with_states(_file(kind, config, weights, shapes), names)

    model = assemble(data, opset, {})
    feeds = {"x": x, **dict(zip(names, initial, strict=True))}
    actual = ReferenceEvaluator(model).run(None, feeds)

    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_initial_states_of_the_wrong_count_are_refused() -> None:
    config = _config("LSTM")
    weights = _weights("LSTM", config, np.random.default_rng(0))
    data = _with_states(_file("LSTM", config, weights, [_shape(config)]), ["h"])

    with pytest.raises(AirlockError, match="initial_state holds 1 tensors, expected 2"):
        assemble(data, 17, {})
