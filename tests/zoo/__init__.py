"""A zoo of small Keras models that together use every converter.

Built in the extract environment (it needs TensorFlow) by the end-to-end tests, or
by hand: ``python -m zoo OUTDIR`` from ``tests/`` writes one ``<name>.keras`` per
model. One module per converter family, each with a ``MODELS`` table; weights are
random (biases and slopes too), so no converter can pass by accident on zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoo import (
    architectures,
    attention,
    augmentation,
    categorical,
    convolution,
    core,
    embedding,
    merge,
    normalization,
    operations,
    preprocessing,
    recurrent,
    structural,
    wiring,
)

__all__ = ["SEED", "ZOO", "build_zoo"]

SEED = 3
FAMILIES = (
    architectures,
    attention,
    augmentation,
    categorical,
    convolution,
    core,
    embedding,
    merge,
    normalization,
    operations,
    preprocessing,
    recurrent,
    structural,
    wiring,
)

ZOO: dict[str, Callable[[], Any]] = {}
for family in FAMILIES:
    for name, build in family.MODELS.items():
        if name in ZOO:
            raise ValueError(f"zoo model {name!r} is defined twice")
        ZOO[name] = build


def build_zoo(directory: Path) -> dict[str, Path]:
    """Save every zoo model to ``directory``; return their paths by name."""
    import keras

    keras.utils.set_random_seed(SEED)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, build in ZOO.items():
        path = directory / f"{name}.keras"
        build().save(path)
        paths[name] = path
    return paths
