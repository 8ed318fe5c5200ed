"""Zoo models for the dense, activation, reshape and training-only layers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Activation names as users write them, aliases included.
ACTIVATION_NAMES = (
    "elu",
    "exponential",
    "gelu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
)


def _layers() -> Any:
    import keras

    return keras.layers


def dense_stack() -> Any:
    """Dense with and without bias, with activations, on a rank-2 input."""
    import keras

    layers = _layers()
    inputs = keras.Input((6,), name="x")
    x = layers.Dense(16, activation="relu", bias_initializer="random_normal")(inputs)
    x = layers.Dense(8, use_bias=False)(x)
    outputs = layers.Dense(3, activation="softmax", bias_initializer="random_normal")(x)
    return keras.Model(inputs, outputs, name="dense_stack")


def dense_rank3() -> Any:
    """Dense on a rank-3 input (applied to the last axis), then Flatten."""
    import keras

    layers = _layers()
    inputs = keras.Input((5, 6), name="sequence")
    x = layers.Dense(4, activation="tanh", bias_initializer="random_normal")(inputs)
    x = layers.Flatten()(x)
    outputs = layers.Dense(2, bias_initializer="random_normal")(x)
    return keras.Model(inputs, outputs, name="dense_rank3")


def activation_functions() -> Any:
    """One Activation layer per built-in activation, each a model output."""
    import keras

    layers = _layers()
    inputs = keras.Input((7,), name="x")
    hidden = layers.Dense(7, bias_initializer="random_normal")(inputs)
    outputs = [
        layers.Activation(name, name=f"act_{name}")(hidden) for name in ACTIVATION_NAMES
    ]
    dense_outputs = [
        layers.Dense(3, activation=name, name=f"dense_{name}")(hidden)
        for name in ("gelu", "mish", "selu")
    ]
    return keras.Model(inputs, outputs + dense_outputs, name="activation_functions")


def activation_layers() -> Any:
    """ReLU in every configuration, LeakyReLU, PReLU, ELU and Softmax."""
    import keras

    layers = _layers()
    inputs = keras.Input((4, 6), name="x")
    hidden = layers.Dense(6, bias_initializer="random_normal")(inputs)
    outputs = [
        layers.ReLU(name="relu_plain")(hidden),
        layers.ReLU(max_value=6.0, name="relu_max6")(hidden),
        layers.ReLU(max_value=0.7, name="relu_max")(hidden),
        layers.ReLU(negative_slope=0.1, name="relu_slope")(hidden),
        layers.ReLU(threshold=0.4, name="relu_threshold")(hidden),
        layers.ReLU(max_value=1.5, negative_slope=0.2, threshold=0.3, name="relu_all")(
            hidden
        ),
        layers.LeakyReLU(negative_slope=0.25, name="leaky")(hidden),
        layers.PReLU(alpha_initializer="random_normal", name="prelu")(hidden),
        layers.PReLU(
            alpha_initializer="random_normal", shared_axes=[1], name="prelu_shared"
        )(hidden),
        layers.ELU(alpha=0.5, name="elu")(hidden),
        layers.Softmax(name="softmax_last")(hidden),
        layers.Softmax(axis=1, name="softmax_axis1")(hidden),
        layers.Softmax(axis=[1, 2], name="softmax_two_axes")(hidden),
    ]
    return keras.Model(inputs, outputs, name="activation_layers")


def training_only() -> Any:
    """Dropout and noise layers, which pass data through at inference."""
    import keras

    layers = _layers()
    return keras.Sequential(
        [
            keras.Input((6, 4), name="x"),
            layers.Dropout(0.5),
            layers.SpatialDropout1D(0.5),
            layers.GaussianDropout(0.3),
            layers.GaussianNoise(1.0),
            layers.AlphaDropout(0.2),
            layers.ActivityRegularization(l1=0.1),
            layers.Dense(3, bias_initializer="random_normal"),
        ],
        name="training_only",
    )


def reshaping() -> Any:
    """Reshape (with -1), Flatten in both data formats."""
    import keras

    layers = _layers()
    inputs = keras.Input((2, 3, 4), name="image")
    first = layers.Flatten(data_format="channels_first")(inputs)
    last = layers.Flatten()(inputs)
    x = layers.Reshape((4, -1))(last)
    x = layers.Dense(5, bias_initializer="random_normal")(x)
    x = layers.Reshape((20,))(x)
    return keras.Model(inputs, [first, x], name="reshaping")


def passthrough() -> Any:
    """An output that is a graph input and a layer output exposed twice."""
    import keras

    layers = _layers()
    inputs = keras.Input((3,), name="x")
    dropped = layers.Dropout(0.1, name="dropped")(inputs)
    dense = layers.Dense(2, name="dense")(inputs)
    return keras.Model(inputs, [dropped, dense], name="passthrough")


MODELS: dict[str, Callable[[], Any]] = {
    "dense_stack": dense_stack,
    "dense_rank3": dense_rank3,
    "activation_functions": activation_functions,
    "activation_layers": activation_layers,
    "training_only": training_only,
    "reshaping": reshaping,
    "passthrough": passthrough,
}
