"""The Keras operations on one tensor that a functional model may hold outside any
layer (``keras.ops.abs(x)``, ``-x``, ``keras.ops.mean(x, axis=1)``), one list for
the extract stage (which records them) and the assemble stage (which converts
them). Standard library only."""

from __future__ import annotations

__all__ = ["REDUCTIONS", "UNARY_OPERATIONS"]

#: Keras 3's class of each element-wise operation on one tensor, as saved in a
#: functional config (module ``keras.src.ops.numpy``), and how it is written.
UNARY_OPERATIONS = {
    "Absolute": "keras.ops.abs(x), abs(x)",
    "Exp": "keras.ops.exp(x)",
    "Log": "keras.ops.log(x)",
    "Negative": "keras.ops.negative(x), -x",
    "Sign": "keras.ops.sign(x)",
    "Sqrt": "keras.ops.sqrt(x)",
    "Square": "keras.ops.square(x)",
}

#: Keras 3's class of each reduction over axes of one tensor (module
#: ``keras.src.ops.numpy``; config keys ``axis`` and ``keepdims``).
REDUCTIONS = {
    "Max": "keras.ops.max(x, axis)",
    "Mean": "keras.ops.mean(x, axis)",
    "Min": "keras.ops.min(x, axis)",
    "Sum": "keras.ops.sum(x, axis)",
}
