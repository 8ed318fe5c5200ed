"""The normalizer registry: what a converter needs, free of Keras-version quirks.

Each normalizer takes the config Keras saved for one layer and returns the config
that goes into the interchange description. It keeps only the keys that change what
the layer computes at inference time, fills defaults, renames keys that differ
between Keras 2 and Keras 3, and raises :class:`UnsupportedConfigError` for a value that
no converter handles. Layer kinds without a normalizer keep their saved config, so
that assembly can name them in its list of unsupported layers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "ACTIVATIONS",
    "Config",
    "Normalizer",
    "UnsupportedConfigError",
    "call_checker",
    "check_call",
    "normalize",
    "normalize_activation",
    "normalizer",
    "require",
]

Config = Mapping[str, Any]
Normalizer = Callable[[Config], dict[str, Any]]
CallChecker = Callable[[Config], None]

#: Activation functions by their normalized names (Keras 3 semantics).
ACTIVATIONS = frozenset(
    {
        "elu",
        "exponential",
        "gelu",
        "gelu_tanh",
        "hard_sigmoid",
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


class UnsupportedConfigError(ValueError):
    """A config value that airlock cannot convert, named by key and value."""

    def __init__(self, key: str, value: Any, hint: str = "") -> None:
        self.key = key
        self.value = value
        message = f"{key}={value!r} is not supported"
        super().__init__(f"{message}; {hint}" if hint else message)


def normalize(kind: str, config: Config) -> dict[str, Any]:
    """The normalized config of a layer of Keras class ``kind``."""
    normalizer = _NORMALIZERS.get(kind)
    if normalizer is None:
        return {k: v for k, v in sorted(config.items()) if k not in _TRAINING_KEYS}
    return normalizer(config)


def check_call(kind: str, call: Config) -> None:
    """Raise :class:`UnsupportedConfigError` if a call of a ``kind`` layer passes
    what its converter cannot honour.

    ``call`` is ``{"masked": bool, "positional": [count, ...], "arguments":
    {keyword: count}}``: whether an input tensor carries a Keras mask, and how many
    Keras tensors each positional argument and each keyword argument that is not
    None holds.
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
    return _ACTIVATION_ALIASES.get(value, value)


def normalizer(*kinds: str) -> Callable[[Normalizer], Normalizer]:
    """Register the decorated function as the normalizer of ``kinds``."""

    def register(function: Normalizer) -> Normalizer:
        for kind in kinds:
            if kind in _NORMALIZERS:
                raise RuntimeError(f"normalizer for {kind} registered twice")
            _NORMALIZERS[kind] = function
        return function

    return register


def require(config: Config, key: str, allowed: Any) -> None:
    """Raise :class:`UnsupportedConfigError` unless ``config[key]`` is ``allowed``."""
    value = config.get(key, allowed)
    if value != allowed:
        raise UnsupportedConfigError(key, value, f"only {allowed!r} is converted")
