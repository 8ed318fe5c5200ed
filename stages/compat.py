"""Which ONNX opsets airlock writes, and which onnxruntime releases load them.

One place for the version tables, so that the command line, the stages and the
report agree. The IR version of a file is chosen from its opset with this table,
never taken from whatever onnx happens to be installed, so the same opset always
gives the same bytes. Versions are compared with ``packaging``.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from stages.console import UsageError

__all__ = [
    "DEFAULT_OPSET",
    "IR_VERSION_FOR_OPSET",
    "MAX_OPSET",
    "MIN_OPSET",
    "ORT_MAX_OPSET",
    "VERIFY_LINES",
    "OpsetError",
    "check_opset",
    "max_opset_for",
    "ort_line",
    "verify_lockfile",
]

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


#: The newest opset each onnxruntime release (major.minor) loads, measured by loading
#: a model of every opset, stamped with the IR version above, in every release with
#: Python 3.11 wheels. A model above a release's opset is refused when it loads.
ORT_MAX_OPSET = {
    "1.15": 19,
    "1.16": 19,
    "1.17": 20,
    "1.18": 21,
    "1.19": 21,
    "1.20": 21,
    "1.21": 22,
    "1.22": 22,
    "1.23": 23,
    "1.24": 25,
    "1.25": 26,
    "1.26": 26,
    "1.27": 26,
    "1.28": 26,
    "1.29": 26,
    "1.30": 26,
    "1.31": 26,
    "1.32": 28,
}

#: onnxruntime lines with a locked verify environment, newest first, and the
#: lockfile of each.
VERIFY_LINES = {"1.32": "verify", "1.17": "verify-ort1.17"}
NEWEST_ORT = next(iter(VERIFY_LINES))


class OpsetError(UsageError):
    """An ``--opset`` outside the range airlock can write and verify."""


def ort_line(version: str) -> str:
    """The release line (``major.minor``) of an onnxruntime version."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        raise UsageError(
            f"--target-ort {version}: not a version number (e.g. 1.17 or 1.17.3)"
        ) from None
    return f"{parsed.major}.{parsed.minor}"


def max_opset_for(target_ort: str | None) -> int:
    """The highest opset airlock writes for deployment on ``target_ort``."""
    if target_ort is None:
        return MAX_OPSET
    line = ort_line(target_ort)
    if line not in ORT_MAX_OPSET:
        known = sorted(ORT_MAX_OPSET, key=Version)
        raise UsageError(
            f"--target-ort {target_ort}: airlock knows onnxruntime {known[0]} to "
            f"{known[-1]}; name one of those releases"
        )
    return min(ORT_MAX_OPSET[line], MAX_OPSET)


def check_opset(opset: int, target_ort: str | None = None) -> int:
    """Return ``opset`` if airlock writes it (for ``target_ort``, if given), else
    raise :class:`OpsetError` naming the range and what limits it."""
    if opset < MIN_OPSET:
        raise OpsetError(
            f"--opset {opset} is outside the supported range {MIN_OPSET}..{MAX_OPSET}: "
            f"the converters are written for opset {MIN_OPSET} and newer; pick an "
            "opset in that range"
        )
    if opset > MAX_OPSET:
        raise OpsetError(
            f"--opset {opset} is outside the supported range {MIN_OPSET}..{MAX_OPSET}: "
            f"onnxruntime {NEWEST_ORT}, the newest locked, loads opsets up to "
            f"{ORT_MAX_OPSET[NEWEST_ORT]} and the locked onnx defines up to "
            f"{MAX_OPSET}; pick an opset in that range"
        )
    highest = max_opset_for(target_ort)
    if target_ort is not None and opset > highest:
        newer = sorted(
            (line for line, top in ORT_MAX_OPSET.items() if top >= opset), key=Version
        )
        raise OpsetError(
            f"--opset {opset} cannot be loaded by onnxruntime {ort_line(target_ort)}, "
            f"which loads opsets up to {highest}; pick --opset {highest} or lower, or "
            f"deploy on onnxruntime {newer[0]} or newer"
        )
    return opset


def verify_lockfile(onnxruntime_version: str) -> str:
    """The lockfile of the verify environment for an installed onnxruntime."""
    line = ort_line(onnxruntime_version)
    if line not in VERIFY_LINES:
        raise UsageError(
            f"onnxruntime {onnxruntime_version} has no locked verify environment; "
            f"airlock verifies on onnxruntime {', '.join(VERIFY_LINES)}"
        )
    return VERIFY_LINES[line]
