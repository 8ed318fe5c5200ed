"""Normalizers: Densely connected layers."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    UnsupportedConfigError,
    normalize_activation,
    normalizer,
    require,
)


@normalizer("Dense")
def _dense(config: Config) -> dict[str, Any]:
    require(config, "quantization_config", None)
    if config.get("lora_rank"):
        raise UnsupportedConfigError(
            "lora_rank", config["lora_rank"], "merge the LoRA weights before export"
        )
    return {
        "units": int(config["units"]),
        "activation": normalize_activation(config.get("activation")),
        "use_bias": bool(config.get("use_bias", True)),
    }
