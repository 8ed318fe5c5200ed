"""The random image augmentation layers: they transform images while training
only, so at inference they return their input and add at most a Cast."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter
from stages.augmentation import AUGMENTATION_KINDS


@converter(*AUGMENTATION_KINDS, layout="any")
def convert_augmentation(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras's random augmentation layers (``RandomFlip``, ``RandomRotation``,
    ``RandomZoom``, ``RandomContrast`` ... see ``AUGMENTATION_KINDS``): the input
    unchanged, no config key changes that. Integer images become the float type
    the layer declares; some of these layers return them as integers in
    TensorFlow, with the same values."""
    return [builder.cast(inputs[0], layer.output_dtypes[0])]
