"""Normalizers: the layers that ``keras.applications`` defines outside
``keras.layers`` (ConvNeXt's ``LayerScale`` and ``StochasticDepth``,
InceptionResNetV2's ``CustomScaleLayer``)."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Call,
    Config,
    float32_value,
    normalizer,
    refuse_training_call,
)


@normalizer("LayerScale")
def _layer_scale(config: Config) -> dict[str, Any]:
    # ``init_values`` only initializes the scale; the weight holds its value.
    return {"projection_dim": int(config["projection_dim"])}


@normalizer("StochasticDepth", call=True)
def _stochastic_depth(config: Config, call: Call) -> dict[str, Any]:
    # ``drop_path_rate`` drops residual paths while training only.
    refuse_training_call(call, "passes data through as at inference")
    return {}


@normalizer("CustomScaleLayer")
def _custom_scale(config: Config) -> dict[str, Any]:
    return {"scale": float32_value(config["scale"])}
