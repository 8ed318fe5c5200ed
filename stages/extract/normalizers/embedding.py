"""Normalizers: Embedding."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    UnsupportedConfigError,
    normalizer,
    require,
)


@normalizer("Embedding")
def _embedding(config: Config) -> dict[str, Any]:
    require(config, "quantization_config", None)
    if config.get("lora_rank"):
        raise UnsupportedConfigError(
            "lora_rank", config["lora_rank"], "merge the LoRA weights before export"
        )
    # ``mask_zero`` does not change the embedding's output; it only attaches a
    # mask for later layers, which the exported graph does not carry.
    return {
        "input_dim": int(config["input_dim"]),
        "output_dim": int(config["output_dim"]),
        "mask_zero": bool(config.get("mask_zero", False)),
    }
