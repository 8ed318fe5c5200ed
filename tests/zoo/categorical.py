"""Zoo models for the preprocessing layers of structured data: Discretization,
IntegerLookup and CategoryEncoding in every output mode, feeding small models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def structured_features() -> Any:
    """A table's columns bucketed, one-hot and multi-hot encoded, as in Keras's
    structured-data tutorials; ids run past ``num_tokens`` (random ids are in
    [0, 10)), which Keras encodes as no token at all."""
    import keras

    layers = keras.layers
    price = keras.Input((1,), name="price")
    ages = keras.Input((3,), name="ages")
    category = keras.Input((1,), dtype="int32", name="category")
    tags = keras.Input((4,), dtype="int64", name="tags")

    adapted = layers.Discretization(num_bins=4, name="price_bins")
    adapted.adapt(np.random.default_rng(5).normal(size=(64, 1)).astype("float32"))
    buckets = adapted(price)
    embedded = layers.Flatten()(
        layers.Embedding(4, 3, name="bucket_embedding")(buckets)
    )
    bounds = [-0.5, 0.0, 0.5]
    encoded = [
        embedded,
        layers.Flatten()(
            layers.Discretization(bounds, output_mode="one_hot", name="age_one_hot")(
                ages
            )
        ),
        layers.Discretization(bounds, output_mode="multi_hot", name="age_multi_hot")(
            ages
        ),
        layers.Discretization(bounds, output_mode="count", name="age_count")(ages),
        layers.CategoryEncoding(12, output_mode="one_hot", name="category_one_hot")(
            category
        ),
        layers.CategoryEncoding(8, output_mode="multi_hot", name="tag_multi_hot")(tags),
        layers.CategoryEncoding(8, output_mode="count", name="tag_count")(tags),
    ]
    features = layers.Concatenate()(encoded)
    score = layers.Dense(2, bias_initializer="random_normal", name="score")(features)
    return keras.Model(
        [price, ages, category, tags], [score, buckets], name="structured_features"
    )


def id_lookups() -> Any:
    """Ids mapped to vocabulary indices: adapted, with a mask token and two hashed
    out-of-vocabulary indices, and multi-hot; random ids in [0, 10) hit the
    vocabularies, the mask and unknown ids alike."""
    import keras

    layers = keras.layers
    ids = keras.Input((3,), dtype="int64", name="user_ids")
    adapted = layers.IntegerLookup(name="adapted_lookup")
    adapted.adapt(np.array([2, 4, 6, 8, 4, 2, 7]))
    masked = layers.IntegerLookup(
        vocabulary=[1, 3, 5], mask_token=0, num_oov_indices=2, name="masked_lookup"
    )
    counted = layers.IntegerLookup(
        vocabulary=[1, 2, 3, 9], output_mode="count", name="count_lookup"
    )
    indices = adapted(ids)
    embedded = layers.Flatten()(layers.Embedding(6, 2, name="user_embedding")(indices))
    features = layers.Concatenate()([embedded, counted(ids)])
    score = layers.Dense(1, bias_initializer="random_normal", name="score")(features)
    return keras.Model(ids, [score, indices, masked(ids)], name="id_lookups")


MODELS: dict[str, Callable[[], Any]] = {
    "structured_features": structured_features,
    "id_lookups": id_lookups,
}
