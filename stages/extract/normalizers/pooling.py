"""Normalizers: local and global pooling."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    Normalizer,
    UnsupportedConfigError,
    normalizer,
)


def _sizes(config: Config, key: str, rank: int, default: list[int]) -> list[int]:
    value = config.get(key)
    if value is None:
        return default
    values = [int(value)] * rank if isinstance(value, int) else [int(v) for v in value]
    if len(values) != rank:
        raise UnsupportedConfigError(key, value, f"expected {rank} values")
    return values


def _data_format(config: Config) -> str:
    data_format = config.get("data_format") or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise UnsupportedConfigError("data_format", data_format)
    return str(data_format)


def _local(rank: int) -> Normalizer:
    def normalize_pooling(config: Config) -> dict[str, Any]:
        pool_size = _sizes(config, "pool_size", rank, [2] * rank)
        padding = str(config.get("padding", "valid")).lower()
        if padding not in ("valid", "same"):
            raise UnsupportedConfigError("padding", padding, "expected valid or same")
        return {
            "rank": rank,
            "pool_size": pool_size,
            "strides": _sizes(config, "strides", rank, pool_size),
            "padding": padding,
            "data_format": _data_format(config),
        }

    return normalize_pooling


def _global(rank: int) -> Normalizer:
    def normalize_global_pooling(config: Config) -> dict[str, Any]:
        return {
            "rank": rank,
            "data_format": _data_format(config),
            "keepdims": bool(config.get("keepdims", False)),
        }

    return normalize_global_pooling


for _rank in (1, 2, 3):
    for _kind in ("MaxPooling", "AveragePooling"):
        normalizer(f"{_kind}{_rank}D")(_local(_rank))
    for _kind in ("GlobalMaxPooling", "GlobalAveragePooling"):
        normalizer(f"{_kind}{_rank}D")(_global(_rank))
