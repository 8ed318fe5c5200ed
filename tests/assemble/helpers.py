"""Build one-layer interchange files in memory and run them with onnx's reference
evaluator, so converters are checked in the assemble environment alone."""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx.reference import ReferenceEvaluator

from stages import interchange
from stages.assemble.model import assemble
from stages.interchange import Interchange


def one_layer(
    kind: str,
    config: dict[str, Any],
    input_shape: list[int | None],
    output_shape: list[int | None] | None = None,
    weights: dict[str, np.ndarray] | None = None,
    input_dtype: str = "float32",
) -> Interchange:
    """An interchange file holding a single layer between input x (of
    ``input_dtype``) and the float32 output y."""
    weights = weights or {}
    members = {role: interchange.weight_member("layer", role) for role in weights}
    description = {
        "format": interchange.FORMAT_NAME,
        "format_version": interchange.FORMAT_VERSION,
        "inputs": [{"name": "x", "dtype": input_dtype, "shape": input_shape}],
        "layers": [
            {
                "name": "layer",
                "kind": kind,
                "config": config,
                "inputs": ["x"],
                "outputs": ["layer"],
                "output_shapes": [output_shape or input_shape],
                "output_dtypes": ["float32"],
                "weights": members,
            }
        ],
        "outputs": [
            {
                "name": "y",
                "tensor": "layer",
                "dtype": "float32",
                "shape": output_shape or input_shape,
            }
        ],
        "samples": {
            "inputs": {"x": "samples/inputs/x"},
            "outputs": {"y": "samples/outputs/y"},
        },
        "provenance": {"source": "one_layer.keras"},
    }
    interchange.validate_description(description)
    return Interchange(
        description=description,
        weights={members[role]: array for role, array in weights.items()},
        sample_inputs={},
        sample_outputs={},
    )


def run(data: Interchange, opset: int, x: np.ndarray) -> np.ndarray:
    """Assemble ``data`` at ``opset`` and evaluate it on ``x``."""
    model = assemble(data, opset, {})
    (y,) = ReferenceEvaluator(model).run(None, {"x": x})
    return np.asarray(y)
