"""Normalizers: Padding, cropping, up-sampling and axis-shuffling layers.

Keras accepts one number for every side, one per spatial axis or one pair per
spatial axis; every form becomes one ``[before, after]`` pair per spatial axis
(padding, cropping) or one factor per spatial axis (up-sampling). A missing
``data_format`` is Keras's default, ``channels_last``.
"""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    Normalizer,
    UnsupportedConfigError,
    normalizer,
)

#: The UpSampling2D interpolations the converter reproduces exactly.
INTERPOLATIONS = ("nearest", "bilinear")


def _zero_padding(rank: int) -> Normalizer:
    def normalize(config: Config) -> dict[str, Any]:
        return {
            "padding": _pairs(config.get("padding", 1), rank, "padding"),
            "data_format": _data_format(config),
        }

    return normalize


def _cropping(rank: int) -> Normalizer:
    # Keras's defaults: (1, 1) in 1-D, nothing in 2-D, one on every side in 3-D.
    default = 0 if rank == 2 else 1

    def normalize(config: Config) -> dict[str, Any]:
        return {
            "cropping": _pairs(config.get("cropping", default), rank, "cropping"),
            "data_format": _data_format(config),
        }

    return normalize


def _up_sampling(rank: int) -> Normalizer:
    def normalize(config: Config) -> dict[str, Any]:
        return {
            "size": _factors(config.get("size", 2), rank),
            "data_format": _data_format(config),
            "interpolation": "nearest",
        }

    return normalize


for _rank in (1, 2, 3):
    normalizer(f"ZeroPadding{_rank}D")(_zero_padding(_rank))
    normalizer(f"Cropping{_rank}D")(_cropping(_rank))
normalizer("UpSampling1D")(_up_sampling(1))
normalizer("UpSampling3D")(_up_sampling(3))


@normalizer("UpSampling2D")
def _up_sampling_2d(config: Config) -> dict[str, Any]:
    interpolation = str(config.get("interpolation", "nearest")).lower()
    if interpolation not in INTERPOLATIONS:
        raise UnsupportedConfigError(
            "interpolation",
            config.get("interpolation"),
            f"only {' and '.join(INTERPOLATIONS)} are converted",
        )
    return {
        "size": _factors(config.get("size", 2), 2),
        "data_format": _data_format(config),
        "interpolation": interpolation,
    }


@normalizer("Permute")
def _permute(config: Config) -> dict[str, Any]:
    dims = [int(d) for d in config["dims"]]
    if sorted(dims) != list(range(1, len(dims) + 1)):
        raise UnsupportedConfigError(
            "dims", config["dims"], "expected a permutation of 1 ... rank - 1"
        )
    return {"dims": dims}


@normalizer("RepeatVector")
def _repeat_vector(config: Config) -> dict[str, Any]:
    return {"n": _positive(config["n"], "n")}


def _data_format(config: Config) -> str:
    value = config.get("data_format") or "channels_last"
    if value not in ("channels_last", "channels_first"):
        raise UnsupportedConfigError(
            "data_format", value, "expected channels_last or channels_first"
        )
    return str(value)


def _pairs(value: Any, rank: int, key: str) -> list[list[int]]:
    """``[[before, after], ...]``, one pair per spatial axis, from any Keras form."""
    if _is_int(value):
        items: list[Any] = [value] * rank
    elif isinstance(value, list | tuple) and rank == 1 and len(value) == 2:
        items = [value]
    elif isinstance(value, list | tuple) and len(value) == rank:
        items = list(value)
    else:
        raise UnsupportedConfigError(
            key, value, f"expected an integer or {rank} pair(s) of integers"
        )
    pairs = []
    for item in items:
        pair = [item, item] if _is_int(item) else item
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(_is_int(v) and v >= 0 for v in pair)
        ):
            raise UnsupportedConfigError(
                key, value, "expected non-negative integers, two per spatial axis"
            )
        pairs.append([int(v) for v in pair])
    return pairs


def _factors(value: Any, rank: int) -> list[int]:
    items = [value] * rank if _is_int(value) else value
    if not isinstance(items, list | tuple) or len(items) != rank:
        raise UnsupportedConfigError(
            "size", value, f"expected an integer or {rank} integers"
        )
    return [_positive(item, "size", value) for item in items]


def _positive(item: Any, key: str, value: Any = None) -> int:
    if not _is_int(item) or item < 1:
        raise UnsupportedConfigError(
            key, item if value is None else value, "expected positive integers"
        )
    return int(item)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
