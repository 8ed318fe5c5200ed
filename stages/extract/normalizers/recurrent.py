"""Normalizers: recurrent layers (SimpleRNN, LSTM, GRU) and Bidirectional.

The recurrent layers keep what changes their output at inference: the units, the
activations, ``use_bias``, ``return_sequences``, ``return_state``, ``go_backwards``
and, for GRU, ``reset_after``. Dropout rates, ``unroll``, ``implementation`` and
``unit_forget_bias`` do not change the result of an inference call and are dropped;
``zero_output_for_mask`` only matters with a mask, which these layers refuse (see
:func:`_check_call`). A ``stateful`` layer carries its state from one batch to the
next, which a stateless ONNX graph cannot do, so it is refused, and so is Keras 2's
``time_major=True``.

``Bidirectional`` keeps ``merge_mode`` and the normalized configs of its forward
(``layer``) and backward (``backward_layer``) layers, each with its ``name``: the
weights of a Bidirectional layer have roles relative to it (``forward_lstm/
lstm_cell/kernel``), and the name tells the converter which are whose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stages.extract.normalizers.base import (
    Call,
    Config,
    UnsupportedConfigError,
    call_checker,
    normalize_activation,
    normalizer,
)

RECURRENT_KINDS = ("SimpleRNN", "LSTM", "GRU")
MERGE_MODES = ("concat", "sum", "mul", "ave", None)

#: The activations that ONNX's RNN, LSTM and GRU operators can compute.
RECURRENT_ACTIVATIONS = (
    "elu",
    "hard_sigmoid",
    "hard_sigmoid_keras2",
    "leaky_relu",
    "linear",
    "relu",
    "sigmoid",
    "softplus",
    "softsign",
    "tanh",
)


def _activation(config: Config, key: str, default: str) -> str:
    name = normalize_activation(config.get(key, default))
    if name not in RECURRENT_ACTIVATIONS:
        raise UnsupportedConfigError(
            key,
            name,
            "ONNX recurrent operators compute " + ", ".join(RECURRENT_ACTIVATIONS),
        )
    return name


def _recurrent(config: Config, kind: str) -> dict[str, Any]:
    """The normalized config of a SimpleRNN, LSTM or GRU layer."""
    if config.get("stateful", False):
        raise UnsupportedConfigError(
            "stateful",
            config["stateful"],
            "an ONNX graph keeps no state between calls; save the model with "
            "stateful=False",
        )
    if config.get("time_major", False):
        raise UnsupportedConfigError(
            "time_major", config["time_major"], "only batch-major inputs are converted"
        )
    normalized: dict[str, Any] = {
        "units": int(config["units"]),
        "activation": _activation(config, "activation", "tanh"),
        "use_bias": bool(config.get("use_bias", True)),
        "return_sequences": bool(config.get("return_sequences", False)),
        "return_state": bool(config.get("return_state", False)),
        "go_backwards": bool(config.get("go_backwards", False)),
    }
    if kind != "SimpleRNN":
        normalized["recurrent_activation"] = _activation(
            config, "recurrent_activation", "sigmoid"
        )
    if kind == "GRU":
        # Keras 3 and TensorFlow 2's Keras both default to reset_after=True.
        normalized["reset_after"] = bool(config.get("reset_after", True))
    return normalized


@normalizer("SimpleRNN")
def _simple_rnn(config: Config) -> dict[str, Any]:
    return _recurrent(config, "SimpleRNN")


@normalizer("LSTM")
def _lstm(config: Config) -> dict[str, Any]:
    return _recurrent(config, "LSTM")


@normalizer("GRU")
def _gru(config: Config) -> dict[str, Any]:
    return _recurrent(config, "GRU")


def _inner(config: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The normalized config of the layer that a Bidirectional wraps under ``key``,
    with its kind and saved name."""
    saved = config[key]
    kind = saved.get("class_name") if isinstance(saved, Mapping) else None
    if kind not in RECURRENT_KINDS:
        raise UnsupportedConfigError(
            key,
            kind,
            f"a Bidirectional layer is converted around {', '.join(RECURRENT_KINDS)}",
        )
    inner = saved["config"]
    return {"kind": kind, "name": str(inner["name"]), **_recurrent(inner, kind)}


def _renamed(layer: Mapping[str, Any], prefix: str) -> str:
    """The name Keras gives a copy of ``layer`` inside a Bidirectional."""
    return f"{prefix}{layer['name'].removeprefix(prefix)}"


@normalizer("Bidirectional")
def _bidirectional(config: Config) -> dict[str, Any]:
    merge_mode = config.get("merge_mode", "concat")
    if merge_mode not in MERGE_MODES:
        raise UnsupportedConfigError(
            "merge_mode", merge_mode, f"Keras knows {', '.join(map(str, MERGE_MODES))}"
        )
    layer = _inner(config, "layer")
    forward = {**layer, "name": _renamed(layer, "forward_")}
    if config.get("backward_layer") is None:
        # Keras builds the backward layer as a copy that reads the other way.
        backward = {
            **layer,
            "name": _renamed(layer, "backward_"),
            "go_backwards": True,
        }
    else:
        backward = _inner(config, "backward_layer")
        if backward["units"] != forward["units"]:
            # Keras infers the output shape from the forward layer alone.
            raise UnsupportedConfigError(
                "backward_layer",
                f"{backward['kind']} with units={backward['units']}",
                f"the backward layer needs units={forward['units']} as the forward one",
            )
    return {"merge_mode": merge_mode, "layer": forward, "backward_layer": backward}


@call_checker(*RECURRENT_KINDS, "Bidirectional")
def _check_call(call: Call) -> None:
    """Refuse a mask (a Masking layer, an Embedding with ``mask_zero=True`` or a
    ``mask=`` argument): the converters compute every step of every sequence.
    Initial states must be Keras tensors (graph inputs or outputs of other layers),
    which then follow the sequence among the layer's inputs."""
    roles = {role.split("/")[0] for role in call.inputs}
    if call.masked or "mask" in roles or call.arguments.get("mask") is not None:
        raise UnsupportedConfigError(
            "mask",
            "present",
            "the layer receives a mask (from a Masking layer, an Embedding with "
            "mask_zero=True or a mask= argument); masked time steps are not "
            "converted, remove the mask or the padding",
        )
    if "constants" in roles or call.arguments.get("constants") is not None:
        raise UnsupportedConfigError(
            "constants", "given", "call the layer on its input sequence alone"
        )
    if call.arguments.get("initial_state") is not None:
        raise UnsupportedConfigError(
            "initial_state",
            "a constant",
            "pass initial states as Keras tensors (an Input or a layer's output)",
        )
