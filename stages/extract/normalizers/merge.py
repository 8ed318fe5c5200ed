"""Normalizers: Layers that merge several inputs into one."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Config,
    UnsupportedConfigError,
    normalizer,
)


@normalizer("Add", "Subtract", "Multiply", "TrueDivide", "Divide", "Power")
def _arithmetic(config: Config) -> dict[str, Any]:
    # The layers have no config key that changes what they compute. The same
    # records stand for ``x + 3.0`` written in a functional model: the extractor
    # then adds the number and its position among the operands. Division and
    # powers exist only as such operations (``x / y``, ``x ** 2``).
    operand = config.get("scalar_operand")
    if operand is None:
        return {}
    value = operand["value"]
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise UnsupportedConfigError("scalar_operand", value, "expected a number")
    return {"scalar_operand": {"index": int(operand["index"]), "value": value}}


@normalizer("Average", "Maximum", "Minimum")
def _elementwise(config: Config) -> dict[str, Any]:
    # Element-wise merges have no config key that changes what they compute.
    return {}


@normalizer("Concatenate")
def _concatenate(config: Config) -> dict[str, Any]:
    axis = config.get("axis", -1)
    if not _is_int(axis):
        raise UnsupportedConfigError("axis", axis, "expected one integer axis")
    return {"axis": int(axis)}


@normalizer("Dot")
def _dot(config: Config) -> dict[str, Any]:
    # ``axes`` is one axis for both inputs or a pair, one axis per input; a
    # negative axis counts from the end of its own input, so the pair form keeps
    # it as saved and the converter resolves it against each input's rank.
    axes = config.get("axes", -1)
    if _is_int(axes):
        pair = [int(axes), int(axes)]
    elif (
        isinstance(axes, list | tuple)
        and len(axes) == 2
        and all(_is_int(axis) for axis in axes)
    ):
        pair = [int(axis) for axis in axes]
    else:
        raise UnsupportedConfigError(
            "axes", axes, "expected an integer or a pair of integers"
        )
    normalize = config.get("normalize", False)
    if not isinstance(normalize, bool):
        raise UnsupportedConfigError("normalize", normalize, "expected True or False")
    return {"axes": pair, "normalize": normalize}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
