"""Normalizers: the random image augmentation layers, which transform images
while training only and pass them through at inference."""

from __future__ import annotations

from typing import Any

from stages.augmentation import AUGMENTATION_KINDS
from stages.extract.normalizers.base import (
    Call,
    Config,
    normalizer,
    refuse_training_call,
)


@normalizer(*AUGMENTATION_KINDS, call=True)
def _augmentation(config: Config, call: Call) -> dict[str, Any]:
    # Factors, fill modes, value ranges and seeds only shape the random
    # transformations of training.
    refuse_training_call(call, "passes images through as at inference")
    return {}
