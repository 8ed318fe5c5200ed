"""Normalizers: Activation layers and activation arguments."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    float32_value,
    normalize_activation,
    normalizer,
)


@normalizer("Activation")
def _activation(config: Config) -> dict[str, Any]:
    return {"activation": normalize_activation(config.get("activation"))}


@normalizer("ReLU")
def _relu(config: Config) -> dict[str, Any]:
    max_value = config.get("max_value")
    return {
        "max_value": None if max_value is None else float32_value(max_value),
        "negative_slope": float32_value(config.get("negative_slope", 0.0)),
        "threshold": float32_value(config.get("threshold", 0.0)),
    }


@normalizer("LeakyReLU")
def _leaky_relu(config: Config) -> dict[str, Any]:
    # Keras 2 calls the slope ``alpha``; Keras 3 calls it ``negative_slope``.
    slope = config.get("negative_slope", config.get("alpha", 0.3))
    return {"negative_slope": float32_value(slope)}


@normalizer("PReLU")
def _prelu(config: Config) -> dict[str, Any]:
    shared = config.get("shared_axes")
    if isinstance(shared, int):
        shared = [shared]
    return {"shared_axes": None if shared is None else [int(a) for a in shared]}


@normalizer("ELU")
def _elu(config: Config) -> dict[str, Any]:
    return {"alpha": float32_value(config.get("alpha", 1.0))}


@normalizer("Softmax")
def _softmax(config: Config) -> dict[str, Any]:
    axis = config.get("axis", -1)
    axes = [axis] if isinstance(axis, int) else list(axis)
    return {"axis": [int(a) for a in axes]}
