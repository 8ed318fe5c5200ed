"""Recurrent layers: SimpleRNN, LSTM, GRU and Bidirectional, as ONNX RNN/LSTM/GRU.

Each Keras layer becomes one ONNX recurrent node over the whole sequence, with the
weights rearranged at assembly: ONNX wants ``W`` and ``R`` transposed, one block
per gate, and its LSTM gates in the order ``[i, o, f, c]`` where Keras stores
``[i, f, c, o]`` (GRU gates are ``[z, r, h]`` in both). Keras adds one bias per
gate (``Wb``; ``Rb`` stays zero), except GRU with ``reset_after=True``, whose two
bias rows are ONNX's ``Wb`` and ``Rb`` with ``linear_before_reset=1``.

ONNX nodes run time-major (``layout=0``, the only layout onnxruntime's CPU kernels
accept), so the input is transposed once per layer and the sequence output back.

Activations: the ONNX operators compute only their own list (see
``ONNX_ACTIVATIONS``), given per gate (RNN ``[f]``, GRU ``[f, g]``, LSTM ``[f, g,
h]``), with ``activation_alpha``/``activation_beta`` taken in order by the
activations that have such a parameter (onnxruntime's reading, checked by the
zoo's LSTM with ``leaky_relu``). Keras activations outside that list (``gelu``,
``silu``, ``softmax`` ...) are not expressible and are refused, never
approximated: the extract stage raises ``UnsupportedConfigError`` for them, as
it does for masks, constant initial states and ``stateful`` layers; this module
refuses them again for a description written by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter
from stages.console import AirlockError

__all__ = ["ONNX_ACTIVATIONS"]

#: Keras activation -> (ONNX activation, its alpha, its beta), by normalized name.
ONNX_ACTIVATIONS: dict[str, tuple[str, float | None, float | None]] = {
    "tanh": ("Tanh", None, None),
    "sigmoid": ("Sigmoid", None, None),
    "relu": ("Relu", None, None),
    "softsign": ("Softsign", None, None),
    "softplus": ("Softplus", None, None),
    "linear": ("Affine", 1.0, 0.0),
    "hard_sigmoid": ("HardSigmoid", 1.0 / 6.0, 0.5),
    "hard_sigmoid_keras2": ("HardSigmoid", 0.2, 0.5),
    "elu": ("Elu", 1.0, None),
    "leaky_relu": ("LeakyRelu", 0.2, None),
}

#: Where Keras keeps each ONNX gate block: LSTM [i, f, c, o] -> ONNX [i, o, f, c].
_GATE_ORDER = {"SimpleRNN": (0,), "LSTM": (0, 3, 1, 2), "GRU": (0, 1, 2)}
_STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}
_OPERATORS = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def _gates(array: np.ndarray, kind: str) -> np.ndarray:
    """``array`` with its last axis cut into gate blocks, reordered for ONNX."""
    order = _GATE_ORDER[kind]
    blocks = np.split(array, len(order), axis=-1)
    return np.concatenate([blocks[index] for index in order], axis=-1)


def _activations(layer: Layer, config: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """The ``activations`` attributes of the ONNX node, in ONNX's order: RNN
    ``[f]``, GRU ``[f, g]``, LSTM ``[f, g, h]``."""
    keys = {
        "SimpleRNN": ("activation",),
        "GRU": ("recurrent_activation", "activation"),
        "LSTM": ("recurrent_activation", "activation", "activation"),
    }[kind]
    names, alphas, betas = [], [], []
    for key in keys:
        value = config[key]
        if value not in ONNX_ACTIVATIONS:
            raise AirlockError(
                f"layer {layer.name!r} ({kind}): {key}={value!r} is not supported; "
                "ONNX recurrent operators compute "
                + ", ".join(sorted(ONNX_ACTIVATIONS))
            )
        name, alpha, beta = ONNX_ACTIVATIONS[value]
        names.append(name)
        # alpha and beta are consumed in order by the activations that take them.
        if alpha is not None:
            alphas.append(alpha)
        if beta is not None:
            betas.append(beta)
    attributes: dict[str, Any] = {"activations": names}
    if alphas:
        attributes["activation_alpha"] = alphas
    if betas:
        attributes["activation_beta"] = betas
    return attributes


def _onnx_weights(
    kind: str, config: Mapping[str, Any], weights: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """ONNX's ``W``, ``R`` and ``B`` (or None without bias) for one direction."""
    w = _gates(weights["kernel"], kind).T[np.newaxis]
    r = _gates(weights["recurrent_kernel"], kind).T[np.newaxis]
    if not config["use_bias"]:
        return w, r, None
    bias = weights["bias"]
    if bias.ndim == 2:  # GRU with reset_after: input and recurrent bias rows
        input_bias, recurrent_bias = _gates(bias[0], kind), _gates(bias[1], kind)
    else:
        input_bias, recurrent_bias = _gates(bias, kind), np.zeros_like(bias)
    return w, r, np.concatenate([input_bias, recurrent_bias])[np.newaxis]


def _recurrence(
    layer: Layer,
    kind: str,
    config: Mapping[str, Any],
    weights: Mapping[str, np.ndarray],
    sequence: str,
    builder: GraphBuilder,
    flip: bool,
    initial: Sequence[Tensor],
) -> tuple[str, list[str]]:
    """One recurrent node over the time-major ``sequence``.

    Returns the layer's first output in Keras order (the whole sequence ``[batch,
    time, units]`` with ``return_sequences``, else the last output) and its final
    states ``[batch, units]`` (``h``, and ``c`` for LSTM). ``flip`` reverses the
    returned sequence in time: ONNX writes a reverse-direction sequence in input
    order, Keras's ``go_backwards`` in the order it read the steps. ``initial``
    holds the initial states in Keras's order, or nothing for zero states.
    """
    w, r, b = _onnx_weights(kind, config, weights)
    inputs = [
        sequence,
        builder.initializer(w, "W"),
        builder.initializer(r, "R"),
        "" if b is None else builder.initializer(b, "B"),
    ]
    if initial:
        # sequence_lens stays absent; initial_h (and initial_c) gain the
        # direction axis.
        axis0 = builder.int64s([0], "axis0")
        inputs.append("")
        inputs += [builder.op1("Unsqueeze", [state.name, axis0]) for state in initial]
    else:
        inputs = [name for name in inputs if name]
    attributes = _activations(layer, config, kind)
    if kind == "GRU":
        attributes["linear_before_reset"] = int(config["reset_after"])
    outputs = builder.op(
        _OPERATORS[kind],
        inputs,
        outputs=1 + _STATES[kind],
        hidden_size=int(config["units"]),
        direction="reverse" if config["go_backwards"] else "forward",
        **attributes,
    )

    axis0 = builder.int64s([0], "axis0")
    states = [builder.op1("Squeeze", [state, axis0]) for state in outputs[1:]]
    if not config["return_sequences"]:
        return states[0], states

    # Y is [time, 1, batch, units].
    steps = builder.op1("Squeeze", [outputs[0], builder.int64s([1], "axis1")])
    if flip:
        steps = builder.op1(
            "Slice",
            [
                steps,
                builder.int64s([-1], "starts"),
                builder.int64s([np.iinfo(np.int64).min], "ends"),
                axis0,
                builder.int64s([-1], "steps"),
            ],
        )
    return builder.op1("Transpose", [steps], perm=[1, 0, 2]), states


def _time_major(x: Tensor, builder: GraphBuilder) -> str:
    return builder.op1("Transpose", [x.name], perm=[1, 0, 2])


def _initial_states(
    layer: Layer, inputs: Sequence[Tensor], kinds: Sequence[str]
) -> list[list[Tensor]]:
    """The initial states among ``inputs`` (after the sequence), split among the
    recurrent ``kinds`` in order; empty lists when the layer starts from zeros."""
    given = list(inputs[1:])
    counts = [_STATES[kind] for kind in kinds]
    if not given:
        return [[] for _ in kinds]
    if len(given) != sum(counts):
        raise AirlockError(
            f"layer {layer.name!r} ({layer.kind}): initial_state holds "
            f"{len(given)} tensors, expected {sum(counts)}"
        )
    split = []
    for count in counts:
        split.append(given[:count])
        given = given[count:]
    return split


@converter("SimpleRNN", "LSTM", "GRU")
def convert_recurrent(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``SimpleRNN``, ``LSTM`` and ``GRU`` as ONNX ``RNN``, ``LSTM``, ``GRU``;
    config keys ``units``, ``activation``, ``recurrent_activation`` (LSTM, GRU),
    ``use_bias``, ``reset_after`` (GRU), ``return_sequences``, ``return_state``,
    ``go_backwards``.

    Inputs: the sequence, then optionally the ``initial_state`` tensors (``h``,
    and ``c`` for LSTM). Outputs in Keras's order: the output, then with
    ``return_state`` the final ``h`` (and ``c`` for LSTM).
    """
    config = layer.config
    (initial,) = _initial_states(layer, inputs, [layer.kind])
    output, states = _recurrence(
        layer,
        layer.kind,
        config,
        weights,
        _time_major(inputs[0], builder),
        builder,
        flip=config["go_backwards"],
        initial=initial,
    )
    values = [output, *states] if config["return_state"] else [output]
    return [layer.output(value, index) for index, value in enumerate(values)]


def _sub_weights(
    layer: Layer, weights: Mapping[str, np.ndarray], name: str
) -> dict[str, np.ndarray]:
    """The weights of the wrapped layer ``name``, by their plain roles."""
    prefix = f"{name}/"
    found = {
        role.rsplit("/", 1)[-1]: array
        for role, array in weights.items()
        if role.startswith(prefix)
    }
    if "kernel" not in found or "recurrent_kernel" not in found:
        raise AirlockError(
            f"layer {layer.name!r} (Bidirectional): no weights of the wrapped layer "
            f"{name!r} among {', '.join(sorted(weights))}; re-extract the model"
        )
    return found


@converter("Bidirectional")
def convert_bidirectional(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Bidirectional`` around SimpleRNN, LSTM or GRU; config keys
    ``merge_mode`` (``concat``, ``sum``, ``mul``, ``ave`` or None), ``layer`` and
    ``backward_layer`` (each a normalized recurrent config with its ``kind`` and
    ``name``).

    The two directions are two ONNX nodes (not one ``bidirectional`` node), so the
    wrapped layers may differ in kind and activations as Keras allows. Like Keras,
    the backward layer's sequence is put back into input order before the merge.
    Inputs: the sequence, then optionally the ``initial_state`` tensors, the
    forward layer's first, as Keras splits them. Outputs in Keras's order: the
    merged output (both outputs when ``merge_mode`` is None), then with
    ``return_state`` the forward states and the backward states.
    """
    config = layer.config
    sequence = _time_major(inputs[0], builder)
    keys = ("layer", "backward_layer")
    initial = _initial_states(layer, inputs, [config[key]["kind"] for key in keys])
    results: list[tuple[str, list[str]]] = []
    for key, reads_backward, states in zip(keys, (False, True), initial, strict=True):
        inner = config[key]
        results.append(
            _recurrence(
                layer,
                inner["kind"],
                inner,
                _sub_weights(layer, weights, inner["name"]),
                sequence,
                builder,
                flip=inner["go_backwards"] != reads_backward,
                initial=states,
            )
        )
    (forward, forward_states), (backward, backward_states) = results

    merge_mode = config["merge_mode"]
    if merge_mode is None:
        outputs = [forward, backward]
    elif merge_mode == "concat":
        outputs = [builder.op1("Concat", [forward, backward], axis=-1)]
    elif merge_mode == "sum":
        outputs = [builder.op1("Add", [forward, backward])]
    elif merge_mode == "mul":
        outputs = [builder.op1("Mul", [forward, backward])]
    else:  # "ave"
        total = builder.op1("Add", [forward, backward])
        outputs = [builder.op1("Div", [total, builder.scalar(2.0, "float32", "two")])]
    if config["layer"]["return_state"]:
        outputs += forward_states + backward_states
    return [layer.output(value, index) for index, value in enumerate(outputs)]
