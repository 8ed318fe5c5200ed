"""Zoo models for graph structure: nested models, shared layers, several inputs
and outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def nested_backbone() -> Any:
    """A functional backbone and a Sequential head used as layers (as in transfer
    learning), the backbone called twice with shared weights."""
    import keras

    layers = keras.layers
    inner = keras.Input((6,), name="inner_x")
    hidden = layers.Dense(5, activation="tanh", name="dense")(inner)
    backbone = keras.Model(inner, layers.Dense(4, name="proj")(hidden), name="backbone")
    head = keras.Sequential(
        [keras.Input((4,)), layers.Dense(3, name="dense"), layers.Softmax()],
        name="head",
    )

    left = keras.Input((6,), name="left")
    right = keras.Input((6,), name="right")
    left_features = backbone(left)
    right_features = backbone(right)
    merged = layers.Dense(4, name="dense")(right_features)
    return keras.Model(
        [left, right],
        [head(left_features), merged, right_features],
        name="nested_backbone",
    )


def shared_layers() -> Any:
    """One Dense layer applied to three tensors; outputs listed out of order."""
    import keras

    layers = keras.layers
    first = keras.Input((4,), name="first")
    second = keras.Input((4,), name="second")
    shared = layers.Dense(4, activation="relu", name="shared")
    a = shared(first)
    b = shared(second)
    c = shared(layers.Activation("tanh", name="squash")(a))
    return keras.Model([second, first], [c, b, a], name="shared_layers")


def time_distributed() -> Any:
    """TimeDistributed around Dense, Conv2D and a pooling layer."""
    import keras

    layers = keras.layers
    frames = keras.Input((3, 6, 6, 2), name="frames")
    x = layers.TimeDistributed(layers.Conv2D(4, 3, activation="relu"))(frames)
    x = layers.TimeDistributed(layers.MaxPooling2D())(x)
    x = layers.TimeDistributed(layers.Flatten())(x)
    x = layers.TimeDistributed(
        layers.Dense(5, activation="tanh", bias_initializer="random_normal")
    )(x)
    return keras.Model(frames, x, name="time_distributed")


MODELS: dict[str, Callable[[], Any]] = {
    "nested_backbone": nested_backbone,
    "shared_layers": shared_layers,
    "time_distributed": time_distributed,
}
