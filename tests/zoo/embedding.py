"""Zoo models for the Embedding layer: integer ids of several dtypes and ranks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def text_classifier() -> Any:
    """A tiny text classifier: int32 token ids, Embedding, Flatten, Dense."""
    import keras

    layers = keras.layers
    inputs = keras.Input((12,), dtype="int32", name="tokens")
    x = layers.Embedding(50, 8, embeddings_initializer="random_normal")(inputs)
    x = layers.Flatten()(x)
    outputs = layers.Dense(3, activation="softmax", bias_initializer="random_normal")(x)
    return keras.Model(inputs, outputs, name="text_classifier")


def embedding_variants() -> Any:
    """Ids as uint8, int16 and int64 (rank 3), float ids, a large vocabulary,
    ``mask_zero`` and one embedding shared by two inputs."""
    import keras

    layers = keras.layers
    small = keras.Input((6,), dtype="uint8", name="small_ids")
    narrow = keras.Input((5,), dtype="int16", name="narrow_ids")
    grid = keras.Input((3, 4), dtype="int64", name="grid_ids")
    floats = keras.Input((4,), name="float_ids")
    shared = layers.Embedding(7, 3, embeddings_initializer="random_normal")
    outputs = [
        shared(small),
        shared(narrow),
        layers.Embedding(1000, 4, embeddings_initializer="random_normal")(grid),
        layers.Embedding(9, 2, mask_zero=True, embeddings_initializer="random_normal")(
            floats
        ),
    ]
    return keras.Model(
        [small, narrow, grid, floats], outputs, name="embedding_variants"
    )


MODELS: dict[str, Callable[[], Any]] = {
    "text_classifier": text_classifier,
    "embedding_variants": embedding_variants,
}
