"""The TensorFlow functions a Keras 2 model may call through its ``TFOpLambda``
layers, and the Keras 3 operation each computes. Standard library only: the
screening before loading uses it too.

Keras 2 saves arithmetic written in a functional model (``x + 3.0``,
``tf.abs(x)``) as a ``TFOpLambda`` layer that names a function of TensorFlow's
API, which Keras resolves and calls while it builds the model and whenever it
runs. Any function can be named there, ``tf.io.write_file`` as easily as
``tf.math.add``, so only the element-wise arithmetic, reductions and activations
below are loaded; the graph stage records each as Keras 3 records the same
computation.
"""

from __future__ import annotations

__all__ = ["OPERATION_LAYERS", "TF_ACTIVATIONS", "TF_FUNCTIONS", "tf_function_problem"]

#: The Keras 2 layer classes that call a TensorFlow function named in their config.
OPERATION_LAYERS = frozenset({"TFOpLambda", "SlicingOpLambda"})

#: Each function a ``TFOpLambda`` may name, and the Keras 3 operation it computes.
TF_FUNCTIONS = {
    "__operators__.add": "Add",
    "math.add": "Add",
    "math.subtract": "Subtract",
    "math.multiply": "Multiply",
    "math.truediv": "TrueDivide",
    "math.divide": "TrueDivide",
    "math.pow": "Power",
    "math.abs": "Absolute",
    "math.negative": "Negative",
    "math.exp": "Exp",
    "math.log": "Log",
    "math.sign": "Sign",
    "math.sqrt": "Sqrt",
    "math.square": "Square",
    "math.reduce_max": "Max",
    "math.reduce_mean": "Mean",
    "math.reduce_min": "Min",
    "math.reduce_sum": "Sum",
}


#: Each activation function a ``TFOpLambda`` may name, and its name as an
#: ``Activation`` layer takes it: the record Keras 3 gives ``keras.ops.relu(x)``.
TF_ACTIVATIONS = {
    "nn.relu": "relu",
    "nn.relu6": "relu6",
    "nn.elu": "elu",
    "nn.selu": "selu",
    "nn.gelu": "gelu",
    "nn.silu": "silu",
    "nn.leaky_relu": "leaky_relu",
    "nn.softsign": "softsign",
    "math.sigmoid": "sigmoid",
    "math.softplus": "softplus",
    "math.tanh": "tanh",
}


def tf_function_problem(kind: str, function: object) -> str | None:
    """Why a Keras 2 layer of class ``kind`` calling ``function`` is refused before
    loading, or None when it may load."""
    if kind == "TFOpLambda" and (
        function in TF_FUNCTIONS or function in TF_ACTIVATIONS
    ):
        return None
    return (
        f"calls TensorFlow's {function!r}, which airlock does not run: only "
        "element-wise arithmetic, reductions and activations "
        f"({', '.join(sorted([*TF_FUNCTIONS, *TF_ACTIVATIONS]))}) are loaded; "
        "rewrite it with Keras layers"
    )
