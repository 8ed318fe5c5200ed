"""Normalizers: the preprocessing layers of structured data that turn numbers
into categories and categories into vectors: Discretization, IntegerLookup and
CategoryEncoding.
"""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Call,
    Config,
    UnsupportedConfigError,
    call_checker,
    normalizer,
    require,
)

#: How each layer may give its categories: as indices, or encoded per sample.
ENCODINGS = ("one_hot", "multi_hot", "count")


def _output_mode(config: Config, allowed: tuple[str, ...]) -> str:
    mode = config.get("output_mode", allowed[0])
    if mode not in allowed:
        raise UnsupportedConfigError("output_mode", mode, f"expected one of {allowed}")
    require(config, "sparse", False)
    return str(mode)


@normalizer("Discretization")
def _discretization(config: Config) -> dict[str, Any]:
    # num_bins and epsilon only steer adapt(), which stores bin_boundaries.
    boundaries = config.get("bin_boundaries")
    if not isinstance(boundaries, list | tuple) or not all(
        isinstance(b, int | float) and not isinstance(b, bool) for b in boundaries
    ):
        raise UnsupportedConfigError(
            "bin_boundaries",
            boundaries,
            "expected a list of numbers (adapt the layer, or pass them)",
        )
    values = [float(b) for b in boundaries]
    if values != sorted(values):
        raise UnsupportedConfigError(
            "bin_boundaries", boundaries, "expected them sorted"
        )
    return {
        "bin_boundaries": values,
        "output_mode": _output_mode(config, ("int", *ENCODINGS)),
    }


@normalizer("CategoryEncoding")
def _category_encoding(config: Config) -> dict[str, Any]:
    tokens = config.get("num_tokens")
    if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 1:
        raise UnsupportedConfigError(
            "num_tokens", tokens, "expected a positive integer"
        )
    return {"num_tokens": tokens, "output_mode": _output_mode(config, ENCODINGS)}


@call_checker("CategoryEncoding")
def _check_category_encoding_call(call: Call) -> None:
    """Refuse ``count_weights``: counts weighted per token are not converted."""
    if len(call.inputs) > 1 or "count_weights" in call.arguments:
        raise UnsupportedConfigError(
            "count_weights", "a tensor", "weighted counts are not converted"
        )


@normalizer("IntegerLookup")
def _integer_lookup(config: Config) -> dict[str, Any]:
    # The vocabulary is a lookup table, not a config key: the graph stage stores
    # it as the layer's "vocabulary" array. idf_weights serve tf_idf only.
    require(config, "invert", False)
    require(config, "pad_to_max_tokens", False)
    require(config, "oov_method", "floormod")
    mode = _output_mode(config, ("int", *ENCODINGS))
    oov = config.get("num_oov_indices", 1)
    if not isinstance(oov, int) or isinstance(oov, bool) or oov < 1:
        raise UnsupportedConfigError(
            "num_oov_indices",
            oov,
            "expected at least 1 (with none, Keras fails on an unknown id)",
        )
    mask = config.get("mask_token")
    if mask is not None and (not isinstance(mask, int) or isinstance(mask, bool)):
        raise UnsupportedConfigError("mask_token", mask, "expected an integer or None")
    if mask is not None and mode != "int":
        raise UnsupportedConfigError(
            "mask_token", mask, f"only converted with output_mode='int', not {mode!r}"
        )
    return {"num_oov_indices": oov, "mask_token": mask, "output_mode": mode}
