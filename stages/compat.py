"""Which ONNX opsets airlock writes, and the IR version that goes with each.

One place for the version tables, so that the command line, the assemble stage and
the report agree. The IR version of a file is chosen from its opset with this table,
never taken from whatever onnx happens to be installed, so the same opset always
gives the same bytes.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_OPSET",
    "IR_VERSION_FOR_OPSET",
    "MAX_OPSET",
    "MIN_OPSET",
    "OpsetError",
    "check_opset",
]

from stages.console import UsageError

#: The lowest opset the converters are written for.
MIN_OPSET = 13
#: The opset used when ``--opset`` is not given.
DEFAULT_OPSET = 17

#: The IR version each opset needs (the lowest IR that admits the opset).
IR_VERSION_FOR_OPSET = {
    13: 7,
    14: 7,
    15: 8,
    16: 8,
    17: 8,
    18: 8,
    19: 9,
    20: 9,
    21: 10,
    22: 10,
    23: 11,
    24: 12,
    25: 13,
    26: 13,
    27: 13,
    28: 14,
}

#: The newest opset that both locked components support: onnx 1.23 defines
#: opsets up to 28 and onnxruntime 1.32 loads and runs them.
MAX_OPSET = 28


class OpsetError(UsageError):
    """An ``--opset`` outside the range airlock can write and verify."""


def check_opset(opset: int) -> int:
    """Return ``opset`` if airlock supports it, else raise :class:`OpsetError`."""
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise OpsetError(
            f"--opset {opset} is outside the supported range {MIN_OPSET}..{MAX_OPSET} "
            f"(the converters start at {MIN_OPSET}; the locked onnx and onnxruntime "
            f"stop at {MAX_OPSET}); pick an opset in that range"
        )
    return opset
