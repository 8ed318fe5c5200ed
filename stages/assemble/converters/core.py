"""Structural layers that compute nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter


@converter("InputLayer", layout="any")
def convert_input_layer(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``InputLayer`` met inside the graph: its tensor passes through."""
    return [inputs[0]]
