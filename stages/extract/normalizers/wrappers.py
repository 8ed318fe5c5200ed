"""Normalizers: layers that wrap another layer."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    UnsupportedConfigError,
    normalize,
    normalizer,
)


@normalizer("TimeDistributed")
def _time_distributed(config: Config) -> dict[str, Any]:
    inner = config.get("layer")
    if not isinstance(inner, dict) or not isinstance(inner.get("class_name"), str):
        raise UnsupportedConfigError("layer", inner, "expected a serialized layer")
    kind = inner["class_name"]
    return {"layer": {"kind": kind, "config": normalize(kind, inner.get("config", {}))}}
