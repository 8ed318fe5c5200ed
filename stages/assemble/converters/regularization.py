"""Layers that act only while training and pass data through at inference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter


@converter(
    "ActivityRegularization",
    "AlphaDropout",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    layout="any",
)
def convert_training_only(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras dropout and noise layers and ``ActivityRegularization``.

    At inference they return their input unchanged, so no node is written. No
    config key changes that (``rate``, ``stddev``, ``l1`` ... only act in training).
    """
    return [inputs[0]]
