"""Normalizers: Layers that change a tensor's shape."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    normalizer,
)


@normalizer("Flatten")
def _flatten(config: Config) -> dict[str, Any]:
    return {"data_format": config.get("data_format") or "channels_last"}


@normalizer("Reshape")
def _reshape(config: Config) -> dict[str, Any]:
    return {"target_shape": [int(d) for d in config["target_shape"]]}
