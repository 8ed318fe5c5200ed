"""Layers that ``keras.applications`` defines outside ``keras.layers``: ConvNeXt's
``LayerScale`` and ``StochasticDepth``, InceptionResNetV2's ``CustomScaleLayer``.

They are Keras's own code, saved with a ``keras.src.applications`` module, so a
model built with ``keras.applications.ConvNeXtTiny`` or ``InceptionResNetV2`` loads
safely and converts like any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter
from stages.console import AirlockError


@converter("LayerScale", layout="any")
def convert_layer_scale(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """ConvNeXt's ``LayerScale``: ``x * gamma``, one learned scale per channel (the
    last axis); config key ``projection_dim``, the number of channels. Keras saves
    the scale as the layer's only weight, unnamed."""
    x = inputs[0]
    (gamma,) = weights.values()
    if gamma.shape != (layer.config["projection_dim"],) or x.shape[-1] != len(gamma):
        raise AirlockError(
            f"layer {layer.name!r} (LayerScale): a scale of shape "
            f"{list(gamma.shape)} for projection_dim="
            f"{layer.config['projection_dim']} does not fit its input of shape "
            f"{list(x.shape)}"
        )
    shape = [1] * x.rank
    shape[x.axis(-1)] = len(gamma)
    scale = builder.initializer(gamma.astype(x.dtype).reshape(shape), "gamma")
    return [x.like(builder.op1("Mul", [x.name, scale]))]


@converter("StochasticDepth", layout="any")
def convert_stochastic_depth(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """ConvNeXt's ``StochasticDepth``: drops residual paths while training only
    (``drop_path_rate``), so at inference it returns its input and adds no node."""
    return [inputs[0]]


@converter("CustomScaleLayer", layout="any")
def convert_custom_scale(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """InceptionResNetV2's ``CustomScaleLayer``: ``inputs[0] + inputs[1] * scale``,
    a residual added to its shortcut; config key ``scale``, a number."""
    shortcut, residual = inputs
    if shortcut.rank != residual.rank:
        raise AirlockError(
            f"layer {layer.name!r} (CustomScaleLayer): inputs of shapes "
            f"{list(shortcut.shape)} and {list(residual.shape)} differ in rank"
        )
    residual_name = builder.in_layout(residual, shortcut.perm)
    scale = builder.scalar(layer.config["scale"], layer.output_dtypes[0], "scale")
    scaled = builder.op1("Mul", [residual_name, scale])
    return [shortcut.like(builder.op1("Add", [shortcut.name, scaled]))]
