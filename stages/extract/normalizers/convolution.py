"""Normalizers: convolutions (regular, depthwise, separable, transposed)."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    Normalizer,
    UnsupportedConfigError,
    normalize_activation,
    normalizer,
    require,
)


def _tuple(config: Config, key: str, rank: int, default: Any = 1) -> list[int]:
    value = config.get(key, default)
    if value is None:
        value = default
    if isinstance(value, int):
        return [value] * rank
    values = [int(v) for v in value]
    if len(values) != rank:
        raise UnsupportedConfigError(key, value, f"expected {rank} values")
    return values


def _common(rank: int, config: Config) -> dict[str, Any]:
    require(config, "quantization_config", None)
    if config.get("lora_rank"):
        raise UnsupportedConfigError(
            "lora_rank", config["lora_rank"], "merge the LoRA weights before export"
        )
    padding = str(config.get("padding", "valid")).lower()
    allowed = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
    if padding not in allowed:
        raise UnsupportedConfigError("padding", padding, f"expected one of {allowed}")
    data_format = config.get("data_format") or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise UnsupportedConfigError("data_format", data_format)
    return {
        "rank": rank,
        "kernel_size": _tuple(config, "kernel_size", rank),
        "strides": _tuple(config, "strides", rank),
        "padding": padding,
        "data_format": data_format,
        "dilation_rate": _tuple(config, "dilation_rate", rank),
        "activation": normalize_activation(config.get("activation")),
        "use_bias": bool(config.get("use_bias", True)),
    }


def _conv(rank: int) -> Normalizer:
    def normalize_conv(config: Config) -> dict[str, Any]:
        normalized = _common(rank, config)
        normalized["filters"] = int(config["filters"])
        normalized["groups"] = int(config.get("groups", 1))
        return normalized

    return normalize_conv


def _depthwise(rank: int) -> Normalizer:
    def normalize_depthwise(config: Config) -> dict[str, Any]:
        normalized = _common(rank, config)
        normalized["depth_multiplier"] = int(config.get("depth_multiplier", 1))
        return normalized

    return normalize_depthwise


def _separable(rank: int) -> Normalizer:
    def normalize_separable(config: Config) -> dict[str, Any]:
        normalized = _common(rank, config)
        normalized["filters"] = int(config["filters"])
        normalized["depth_multiplier"] = int(config.get("depth_multiplier", 1))
        return normalized

    return normalize_separable


def _transpose(rank: int) -> Normalizer:
    def normalize_transpose(config: Config) -> dict[str, Any]:
        normalized = _common(rank, config)
        if normalized["padding"] == "causal":
            raise UnsupportedConfigError("padding", "causal")
        output_padding = config.get("output_padding")
        normalized["filters"] = int(config["filters"])
        normalized["output_padding"] = (
            None
            if output_padding is None
            else _tuple(config, "output_padding", rank, 0)
        )
        return normalized

    return normalize_transpose


for _rank in (1, 2, 3):
    normalizer(f"Conv{_rank}D")(_conv(_rank))
    normalizer(f"Conv{_rank}DTranspose")(_transpose(_rank))
for _rank in (1, 2):
    normalizer(f"DepthwiseConv{_rank}D")(_depthwise(_rank))
    normalizer(f"SeparableConv{_rank}D")(_separable(_rank))
