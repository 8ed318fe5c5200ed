"""Zoo models with Keras operations written outside layers in a functional model:
element-wise math on one tensor, division and powers, on float features, integer
ids and convolution feature maps (which stay channels-first inside the graph)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def tensor_operations() -> Any:
    """Every element-wise operation on one tensor, and ``/`` and ``**`` between
    tensors and numbers, as a siamese or scoring head writes them."""
    import keras

    ops = keras.ops
    layers = keras.layers
    features = keras.Input((6,), name="features")
    ids = keras.Input((4,), dtype="int32", name="ids")
    x = layers.Dense(6, bias_initializer="random_normal")(features)
    positive = ops.abs(x) + 1.0
    outputs = [
        ops.abs(x),
        -x,
        ops.negative(x),
        ops.exp(x * 0.5),
        ops.log(positive),
        ops.sqrt(positive),
        ops.square(x),
        ops.sign(x),
        x / 3.0,
        2.0 / positive,
        x / positive,
        ops.divide(x, positive),
        x**2,
        positive**0.5,
        2.0**x,
        positive**x,
        # Integer ids: the sign and absolute value stay integers, a square root
        # is float32 in Keras.
        ops.abs(ids),
        -ids,
        ops.sqrt(ids),
    ]
    return keras.Model([features, ids], outputs, name="tensor_operations")


def siamese_distance() -> Any:
    """A siamese network's L1 distance between two images' feature maps, taken on
    the maps before pooling: ``abs`` keeps the convolution's layout."""
    import keras

    layers = keras.layers
    tower = keras.Sequential(
        [keras.Input((8, 8, 3)), layers.Conv2D(4, 3, activation="relu")], name="tower"
    )
    left = keras.Input((8, 8, 3), name="left")
    right = keras.Input((8, 8, 3), name="right")
    distance = keras.ops.abs(tower(left) - tower(right))
    pooled = layers.GlobalAveragePooling2D()(keras.ops.sqrt(distance))
    return keras.Model([left, right], layers.Dense(1)(pooled), name="siamese_distance")


def activation_operations() -> Any:
    """Activation functions called as keras.ops on tensors between layers, which
    convert as the Activation layers that compute them."""
    import keras

    ops = keras.ops
    features = keras.Input((6,), name="features")
    x = keras.layers.Dense(6, bias_initializer="random_normal")(features)
    outputs = [
        ops.relu(x),
        ops.relu6(x * 4.0),
        ops.sigmoid(x),
        ops.tanh(x),
        ops.silu(x),
        ops.elu(x),
        ops.selu(x),
        ops.softplus(x),
        ops.softsign(x),
        ops.hard_sigmoid(x),
        ops.gelu(x),
        ops.gelu(x, approximate=False),
    ]
    return keras.Model(features, outputs, name="activation_operations")


def reductions() -> Any:
    """keras.ops.mean, sum, max and min over one axis, several, and with kept
    axes, on a sequence of feature vectors and on integer ids; and
    keras.ops.concatenate along the features and along the steps."""
    import keras

    ops = keras.ops
    sequence = keras.Input((5, 6), name="sequence")
    ids = keras.Input((4,), dtype="int32", name="ids")
    x = keras.layers.Dense(6, bias_initializer="random_normal")(sequence)
    outputs = [
        ops.mean(x, axis=1),
        ops.sum(x, axis=-1, keepdims=True),
        ops.max(x, axis=(1, 2)),
        ops.min(x, axis=1, keepdims=True),
        ops.mean(ids, axis=-1),
        ops.sum(ids, axis=1),
        ops.concatenate([x, sequence, x], axis=-1),
        ops.concatenate([x, sequence], axis=1),
    ]
    return keras.Model([sequence, ids], outputs, name="reductions")


MODELS: dict[str, Callable[[], Any]] = {
    "reductions": reductions,
    "activation_operations": activation_operations,
    "tensor_operations": tensor_operations,
    "siamese_distance": siamese_distance,
}
