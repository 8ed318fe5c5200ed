"""Compare onnxruntime's outputs with TensorFlow's reference outputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["OutputComparison", "compare_output", "names_problem"]


@dataclass(frozen=True)
class OutputComparison:
    """How one ONNX output agrees with the reference."""

    name: str
    shape: list[int]
    dtype: str
    max_abs_error: float
    max_rel_error: float
    mismatched: int
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shape": self.shape,
            "dtype": self.dtype,
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "mismatched_values": self.mismatched,
            "passed": self.ok,
            "problem": self.problem,
        }


def compare_output(
    name: str, actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float
) -> OutputComparison:
    """Shape and dtype must match exactly; values within ``atol + rtol * |expected|``;
    NaN only where the reference has NaN."""
    shape, dtype = list(expected.shape), str(expected.dtype)
    if actual.shape != expected.shape or actual.dtype != expected.dtype:
        mismatch = (
            f"ONNX gives {actual.dtype}{list(actual.shape)}, "
            f"TensorFlow gives {expected.dtype}{list(expected.shape)}"
        )
        return OutputComparison(
            name, shape, dtype, float("nan"), float("nan"), -1, mismatch
        )

    if expected.dtype.kind not in "fc":
        differs = actual != expected
        count = int(np.count_nonzero(differs))
        diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
        worst = float(diff.max()) if diff.size else 0.0
        differ = f"{count} values differ" if count else None
        return OutputComparison(name, shape, dtype, worst, worst, count, differ)

    a, e = actual.astype(np.float64), expected.astype(np.float64)
    close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    finite = np.isfinite(a) & np.isfinite(e)
    diff = np.where(finite, np.abs(a - e), 0.0)
    # Relative error where the reference is not near zero (|e| > atol).
    significant = finite & (np.abs(e) > atol)
    relative = np.divide(diff, np.abs(e), out=np.zeros_like(diff), where=significant)
    count = int(np.count_nonzero(~close))
    problem = None
    if count:
        problem = (
            f"{count} of {expected.size} values outside rtol={rtol:g}, atol={atol:g}"
        )
    return OutputComparison(
        name,
        shape,
        dtype,
        float(diff.max()) if diff.size else 0.0,
        float(relative.max()) if relative.size else 0.0,
        count,
        problem,
    )


def names_problem(actual: list[str], expected: list[str], what: str) -> str | None:
    """A message if the ONNX graph's names or their order differ from the model's."""
    if actual == expected:
        return None
    return f"ONNX {what} {actual} differ from the model's {expected}"
