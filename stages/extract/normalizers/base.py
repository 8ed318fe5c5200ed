"""The normalizer registry: what a converter needs, free of Keras-version quirks.

Each normalizer takes the config Keras saved for one layer and returns the config
that goes into the interchange description. It keeps only the keys that change what
the layer computes at inference time, fills defaults, renames keys that differ
between Keras 2 and Keras 3, and raises :class:`UnsupportedConfigError` for a value that
no converter handles. Layer kinds without a normalizer keep their saved config, so
that assembly can name them in its list of unsupported layers.

A normalizer registered with ``call=True`` also receives the :class:`Call` of the
layer record: the role of each input tensor and the call's other arguments
(``use_causal_mask=True`` ...), for layers whose inputs are not interchangeable or
whose call arguments change what they compute.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "Call",
    "Config",
    "Normalizer",
    "UnsupportedConfigError",
    "call_checker",
    "check_call",
    "float32_value",
    "keras_major",
    "normalize",
    "normalize_activation",
    "normalizer",
    "refuse_training_call",
    "require",
]

Config = Mapping[str, Any]
Normalizer = Callable[[Config], dict[str, Any]]
CallChecker = Callable[["Call"], None]

#: Activation functions by their normalized names (Keras 3 semantics, and
#: ``hard_sigmoid_keras2``: Keras 2's ``hard_sigmoid``, ``clip(0.2 * x + 0.5, 0, 1)``,
#: where Keras 3 computes ``clip(x / 6 + 0.5, 0, 1)``).
ACTIVATIONS = frozenset(
    {
        "elu",
        "exponential",
        "gelu",
        "gelu_tanh",
        "hard_sigmoid",
        "hard_sigmoid_keras2",
        "hard_silu",
        "leaky_relu",
        "linear",
        "log_softmax",
        "mish",
        "relu",
        "relu6",
        "selu",
        "sigmoid",
        "silu",
        "softmax",
        "softplus",
        "softsign",
        "tanh",
    }
)
_ACTIVATION_ALIASES = {"swish": "silu", "hard_swish": "hard_silu"}

#: Keys that only matter for training or bookkeeping, dropped from every config.
_TRAINING_KEYS = frozenset(
    {
        "name",
        "trainable",
        "dtype",
        "activity_regularizer",
        "kernel_initializer",
        "bias_initializer",
        "alpha_initializer",
        "kernel_regularizer",
        "bias_regularizer",
        "alpha_regularizer",
        "kernel_constraint",
        "bias_constraint",
        "alpha_constraint",
        "seed",
    }
)

_NORMALIZERS: dict[str, Normalizer] = {}
_CALL_CHECKERS: dict[str, CallChecker] = {}
_CALL_NORMALIZERS: dict[str, Callable[[Config, Call], dict[str, Any]]] = {}


@dataclass(frozen=True)
class Call:
    """One saved call of a layer: the role of each tensor it reads, in the order of
    the record's inputs (a parameter name of the layer's ``call``, with ``/<index>``
    inside a list), its arguments that are not tensors, and whether an input
    carries a Keras mask that Keras passes to the layer implicitly."""

    inputs: tuple[str, ...] = ()
    arguments: Mapping[str, Any] = field(default_factory=dict)
    masked: bool = False


class UnsupportedConfigError(ValueError):
    """A config value that airlock cannot convert, named by key and value."""

    def __init__(self, key: str, value: Any, hint: str = "") -> None:
        self.key = key
        self.value = value
        message = f"{key}={value!r} is not supported"
        super().__init__(f"{message}; {hint}" if hint else message)


def normalize(kind: str, config: Config, call: Call | None = None) -> dict[str, Any]:
    """The normalized config of a layer of Keras class ``kind`` for one ``call``."""
    with_call = _CALL_NORMALIZERS.get(kind)
    if with_call is not None:
        return with_call(config, call or Call())
    normalizer = _NORMALIZERS.get(kind)
    if normalizer is None:
        return {k: v for k, v in sorted(config.items()) if k not in _TRAINING_KEYS}
    return normalizer(config)


def check_call(kind: str, call: Call) -> None:
    """Raise :class:`UnsupportedConfigError` if a call of a ``kind`` layer passes
    what its converter cannot honour (a mask, a constant where a tensor is needed).
    """
    checker = _CALL_CHECKERS.get(kind)
    if checker is not None:
        checker(call)


def call_checker(*kinds: str) -> Callable[[CallChecker], CallChecker]:
    """Register the decorated function as the call check of ``kinds``."""

    def register(function: CallChecker) -> CallChecker:
        for kind in kinds:
            if kind in _CALL_CHECKERS:
                raise RuntimeError(f"call check for {kind} registered twice")
            _CALL_CHECKERS[kind] = function
        return function

    return register


def normalize_activation(value: Any) -> str:
    """The normalized name of an activation as Keras serialized it."""
    if value is None:
        return "linear"
    # Keras 3 may serialize a built-in activation as a function object.
    if (
        isinstance(value, dict)
        and isinstance(value.get("config"), str)
        and value.get("module") in ("keras.activations", "keras.src.activations")
    ):
        value = value["config"]
    if not isinstance(value, str):
        raise UnsupportedConfigError(
            "activation", value, "only Keras's built-in activations can be exported"
        )
    if value == "hard_sigmoid" and keras_major() < 3:
        return "hard_sigmoid_keras2"
    return _ACTIVATION_ALIASES.get(value, value)


@functools.cache
def keras_major() -> int:
    """The major version of the Keras that loads the models (2 or 3): the same
    name means another function in a few places, such as ``hard_sigmoid``."""
    import keras

    return int(keras.__version__.split(".")[0])


def normalizer(*kinds: str, call: bool = False) -> Callable[[Any], Any]:
    """Register the decorated function as the normalizer of ``kinds``; with
    ``call=True`` it takes ``(config, call)``."""

    def register(function: Any) -> Any:
        for kind in kinds:
            if kind in _NORMALIZERS or kind in _CALL_NORMALIZERS:
                raise RuntimeError(f"normalizer for {kind} registered twice")
            (_CALL_NORMALIZERS if call else _NORMALIZERS)[kind] = function
        return function

    return register


def float32_value(value: Any) -> float:
    """``value`` as the float32 that layers compute with, written as its shortest
    decimal: Keras 2 saves some parameters after casting them to float32 (0.3 as
    0.30000001192092896), Keras 3 as given; both become 0.3."""
    return float(str(np.float32(value)))


def refuse_training_call(call: Call, export_computes: str) -> None:
    """Raise :class:`UnsupportedConfigError` if a Keras 2 layer was called with
    ``training=True``; the export computes ``export_computes`` instead.

    Keras 2 keeps such a call in training mode when the model runs for inference
    (Monte Carlo dropout). Keras 3 replaces every saved ``training`` argument with
    that of the model's call, so ``predict`` runs each layer in inference mode; it
    even saves ``training=True`` for the layers of a Sequential whose ``call``
    defaults to it (the augmentation layers). Keras 3 calls pass.
    """
    if keras_major() >= 3:
        return
    if call.arguments.get("training"):
        raise UnsupportedConfigError(
            "training",
            call.arguments["training"],
            f"Keras 2 keeps this call in training mode at inference, while the "
            f"export {export_computes} (call the layer without training=True)",
        )


def require(config: Config, key: str, allowed: Any) -> None:
    """Raise :class:`UnsupportedConfigError` unless ``config[key]`` is ``allowed``."""
    value = config.get(key, allowed)
    if value != allowed:
        raise UnsupportedConfigError(key, value, f"only {allowed!r} is converted")
