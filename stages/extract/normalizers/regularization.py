"""Normalizers: Layers that act only while training."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Call,
    Config,
    normalizer,
    refuse_training_call,
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
    call=True,
)
def _inference_identity(config: Config, call: Call) -> dict[str, Any]:
    # These layers only act while training; at inference they pass data through,
    # unless a call keeps them in training mode (Monte Carlo dropout).
    refuse_training_call(call, "passes data through as at inference")
    return {}
