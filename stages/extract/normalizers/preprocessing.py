"""Normalizers: preprocessing layers that live inside a model.

Keras serializes a number, a list, a tuple (in memory) or a numpy array (as
``{"class_name": "__numpy__", "config": {"value": ...}}``) for the same argument;
each becomes a float or a nested list of floats here.
"""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    UnsupportedConfigError,
    normalizer,
    require,
)

#: Resizing interpolations the converter reproduces with ONNX Resize.
INTERPOLATIONS = ("bilinear", "nearest")


def _numbers(key: str, value: Any) -> Any:
    """A float, or a nested list of floats, from a serialized number or array."""
    if isinstance(value, dict) and value.get("class_name") in (
        "__numpy__",
        "__tuple__",
    ):
        value = value.get("config", {}).get("value")
    if isinstance(value, bool) or value is None:
        raise UnsupportedConfigError(key, value, "expected a number or a list of them")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list | tuple):
        return [_numbers(key, item) for item in value]
    raise UnsupportedConfigError(key, value, "expected a number or a list of them")


def _data_format(config: Config) -> str:
    value = config.get("data_format") or "channels_last"
    if value not in ("channels_last", "channels_first"):
        raise UnsupportedConfigError("data_format", value)
    return str(value)


@normalizer("Rescaling")
def _rescaling(config: Config) -> dict[str, Any]:
    return {
        "scale": _numbers("scale", config["scale"]),
        "offset": _numbers("offset", config.get("offset", 0.0)),
    }


@normalizer("Normalization")
def _normalization(config: Config) -> dict[str, Any]:
    axis = config.get("axis", -1)
    if axis is None:
        axes: list[int] = []
    elif isinstance(axis, int):
        axes = [axis]
    else:
        axes = [int(a) for a in axis]
    mean, variance = config.get("mean"), config.get("variance")
    return {
        "axis": axes,
        "invert": bool(config.get("invert", False)),
        "mean": None if mean is None else _numbers("mean", mean),
        "variance": None if variance is None else _numbers("variance", variance),
    }


@normalizer("CenterCrop")
def _center_crop(config: Config) -> dict[str, Any]:
    return {
        "height": int(config["height"]),
        "width": int(config["width"]),
        "data_format": _data_format(config),
    }


@normalizer("Resizing")
def _resizing(config: Config) -> dict[str, Any]:
    interpolation = config.get("interpolation", "bilinear")
    if interpolation not in INTERPOLATIONS:
        raise UnsupportedConfigError(
            "interpolation",
            interpolation,
            f"supported: {', '.join(INTERPOLATIONS)} (TensorFlow's bicubic reads "
            "its kernel from a table in 1/1024 steps, which ONNX Resize does not "
            "reproduce; lanczos and area have no ONNX Resize mode)",
        )
    require(config, "antialias", False)
    require(config, "fill_mode", "constant")
    crop = bool(config.get("crop_to_aspect_ratio", False))
    pad = bool(config.get("pad_to_aspect_ratio", False))
    if crop and pad:
        raise UnsupportedConfigError(
            "pad_to_aspect_ratio", pad, "crop_to_aspect_ratio is set too"
        )
    return {
        "height": int(config["height"]),
        "width": int(config["width"]),
        "interpolation": interpolation,
        "crop_to_aspect_ratio": crop,
        "pad_to_aspect_ratio": pad,
        "fill_value": float(config.get("fill_value", 0.0)),
        "data_format": _data_format(config),
    }
