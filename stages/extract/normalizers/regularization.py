"""Normalizers: Layers that act only while training."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    normalizer,
)


@normalizer(
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "ActivityRegularization",
)
def _inference_identity(config: Config) -> dict[str, Any]:
    # These layers only act while training; at inference they pass data through.
    return {}
