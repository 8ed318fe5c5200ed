"""Normalizers: Batch, layer, group and unit normalization.

Only the inference computation is described: momentum, renormalization and
synchronization change how the moving statistics are trained, not how they are
used, and are dropped.
"""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Call,
    Config,
    UnsupportedConfigError,
    normalizer,
    refuse_training_call,
)


def _axes(value: Any) -> list[int]:
    """An axis or a list of axes as a list of ints."""
    if isinstance(value, int):
        return [value]
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(a, int) for a in value)
    ):
        return [int(a) for a in value]
    raise UnsupportedConfigError("axis", value, "expected an int or a list of ints")


def _one_axis(value: Any) -> int:
    """Keras 3 saves an int, Keras 2 sometimes a one-element list."""
    axes = _axes(value)
    if len(axes) != 1:
        raise UnsupportedConfigError("axis", value, "only a single axis is converted")
    return axes[0]


def _common(config: Config) -> dict[str, Any]:
    return {
        "epsilon": float(config.get("epsilon", 1e-3)),
        "center": bool(config.get("center", True)),
        "scale": bool(config.get("scale", True)),
    }


@normalizer("BatchNormalization", call=True)
def _batch_normalization(config: Config, call: Call) -> dict[str, Any]:
    # A call saved with training=True would normalize with the batch statistics.
    refuse_training_call(call, "uses the moving statistics")
    return {"axis": _one_axis(config.get("axis", -1)), **_common(config)}


@normalizer("LayerNormalization")
def _layer_normalization(config: Config) -> dict[str, Any]:
    # Keras 3's rms_scaling divides by the standard deviation (the centred
    # variance) without subtracting the mean and without beta; it is converted so.
    return {
        "axis": _axes(config.get("axis", -1)),
        "rms_scaling": bool(config.get("rms_scaling", False)),
        **_common(config),
    }


@normalizer("GroupNormalization")
def _group_normalization(config: Config) -> dict[str, Any]:
    groups = config.get("groups", 32)
    if not isinstance(groups, int) or (groups <= 0 and groups != -1):
        raise UnsupportedConfigError("groups", groups, "expected a positive int or -1")
    return {
        "groups": int(groups),
        "axis": _one_axis(config.get("axis", -1)),
        **_common(config),
    }


@normalizer("UnitNormalization")
def _unit_normalization(config: Config) -> dict[str, Any]:
    return {"axis": _axes(config.get("axis", -1))}
