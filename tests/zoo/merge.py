"""Zoo models for the merge layers: two or more keras.Input, functional models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _layers() -> Any:
    import keras

    return keras.layers


def elementwise() -> Any:
    """Every element-wise merge on two inputs, and on three where Keras allows."""
    import keras

    layers = _layers()
    left = keras.Input((3, 4), name="left")
    right = keras.Input((3, 4), name="right")
    third = layers.Dense(4, bias_initializer="random_normal")(left)
    outputs = [
        layers.Add(name="add")([left, right]),
        layers.Add(name="add3")([left, right, third]),
        layers.Subtract(name="subtract")([left, right]),
        layers.Multiply(name="multiply")([left, right]),
        layers.Multiply(name="multiply3")([left, right, third]),
        layers.Average(name="average")([left, right]),
        layers.Average(name="average3")([left, right, third]),
        layers.Maximum(name="maximum")([left, right, third]),
        layers.Minimum(name="minimum")([left, right]),
    ]
    return keras.Model([left, right], outputs, name="merge_elementwise")


def broadcasting() -> Any:
    """Merges of different ranks (Keras inserts axes after the batch axis) and of
    the same rank with axes of size 1."""
    import keras

    layers = _layers()
    vector = keras.Input((4,), name="vector")
    sequence = keras.Input((3, 4), name="sequence")
    row = keras.Input((1, 4), name="row")
    outputs = [
        layers.Add(name="add_ranks")([vector, sequence]),
        layers.Subtract(name="subtract_ranks")([sequence, vector]),
        layers.Maximum(name="maximum_row")([row, sequence]),
        layers.Average(name="average_mixed")([sequence, row, vector]),
        layers.Multiply(name="multiply_ranks")([vector, sequence, row]),
    ]
    return keras.Model([vector, sequence, row], outputs, name="merge_broadcasting")


def concatenation() -> Any:
    """Concatenate along every axis of rank-3 and rank-4 inputs: negative axes, the
    axis next to the batch axis and the batch axis itself."""
    import keras

    layers = _layers()
    a = keras.Input((2, 3, 4), name="a")
    b = keras.Input((2, 3, 4), name="b")
    narrow = keras.Input((2, 3, 1), name="narrow")
    short = keras.Input((3, 4), name="short")
    shorter = keras.Input((1, 4), name="shorter")
    outputs = [
        layers.Concatenate(name="concat_last")([a, b, narrow]),
        layers.Concatenate(axis=1, name="concat_axis1")([a, b]),
        layers.Concatenate(axis=2, name="concat_axis2")([a, b]),
        layers.Concatenate(axis=-3, name="concat_minus3")([a, b]),
        layers.Concatenate(axis=-2, name="concat_minus2")([a, b]),
        layers.Concatenate(axis=1, name="concat_rank3")([short, shorter, short]),
        layers.Concatenate(axis=-1, name="concat_rank3_last")([short, short]),
        layers.Concatenate(axis=0, name="concat_batch")([short, short]),
    ]
    return keras.Model([a, b, narrow, short, shorter], outputs, name="merge_concat")


def dot_products() -> Any:
    """Dot with one axis and with a pair, negative axes, normalize on and off, on
    inputs of rank 2, 3 and 4."""
    import keras

    layers = _layers()
    u = keras.Input((5,), name="u")
    v = keras.Input((5,), name="v")
    x = keras.Input((3, 5), name="x")
    y = keras.Input((5, 4), name="y")
    z = keras.Input((2, 3, 5), name="z")
    outputs = [
        layers.Dot(axes=1, name="dot_vectors")([u, v]),
        layers.Dot(axes=-1, normalize=True, name="cosine")([u, v]),
        layers.Dot(axes=(1, 2), name="dot_vector_matrix")([u, x]),
        layers.Dot(axes=(2, 1), name="dot_matrices")([x, y]),
        layers.Dot(axes=(-1, 1), normalize=True, name="dot_normalized")([x, y]),
        layers.Dot(axes=(1, 1), name="dot_first_axes")([x, x]),
        layers.Dot(axes=-1, name="dot_rank4")([z, x]),
        layers.Dot(axes=(3, 1), normalize=True, name="dot_rank4_vector")([z, u]),
    ]
    return keras.Model([u, v, x, y, z], outputs, name="merge_dot")


MODELS: dict[str, Callable[[], Any]] = {
    "merge_elementwise": elementwise,
    "merge_broadcasting": broadcasting,
    "merge_concat": concatenation,
    "merge_dot": dot_products,
}
