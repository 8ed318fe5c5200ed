"""Zoo models for the attention layers.

The transformer block has no residual connections, so that it needs no merge layer.
Attention scales are set to random values after building: Keras initializes them
to ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_BIAS = {"bias_initializer": "random_normal"}


def mha_self_attention() -> Any:
    """Self-attention, ``mha(x, x)``, with biases."""
    import keras

    inputs = keras.Input((5, 8), name="x")
    attention = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, **_BIAS)
    return keras.Model(inputs, attention(inputs, inputs), name="mha_self_attention")


def mha_cross_attention() -> Any:
    """Cross-attention with a separate key and a boolean attention mask as a model
    input, without biases, with ``value_dim`` unlike ``key_dim``."""
    import keras

    query = keras.Input((5, 8), name="query")
    value = keras.Input((6, 4), name="value")
    key = keras.Input((6, 3), name="key")
    mask = keras.Input((5, 6), dtype="bool", name="mask")
    attention = keras.layers.MultiHeadAttention(
        num_heads=3, key_dim=2, value_dim=5, use_bias=False
    )
    outputs = attention(query, value, key=key, attention_mask=mask)
    return keras.Model([query, value, key, mask], outputs, name="mha_cross_attention")


def mha_variants() -> Any:
    """A causal mask (alone and with a float mask input), a gate, an ``output_shape``
    of two axes, and a value without key."""
    import keras

    layers = keras.layers
    query = keras.Input((4, 6), name="query")
    value = keras.Input((4, 5), name="value")
    mask = keras.Input((4, 4), name="mask")
    causal = layers.MultiHeadAttention(2, 3, name="causal", **_BIAS)(
        query, value, use_causal_mask=True
    )
    masked = layers.MultiHeadAttention(2, 3, name="causal_and_mask", **_BIAS)(
        query, value, attention_mask=mask, use_causal_mask=True
    )
    gated = layers.MultiHeadAttention(2, 3, use_gate=True, name="gated", **_BIAS)(
        query, value
    )
    shaped = layers.MultiHeadAttention(
        2, 3, output_shape=(2, 5), name="shaped", **_BIAS
    )(query, value)
    return keras.Model(
        [query, value, mask], [causal, masked, gated, shaped], name="mha_variants"
    )


def mha_masks_and_dynamic_lengths() -> Any:
    """Sequences of unknown length: a causal mask built from the input shapes, and
    value and key masks (boolean and float) as model inputs."""
    import keras

    layers = keras.layers
    query = keras.Input((None, 6), name="query")
    value = keras.Input((None, 4), name="value")
    value_mask = keras.Input((None,), dtype="bool", name="value_mask")
    key_mask = keras.Input((None,), name="key_mask")
    causal = layers.MultiHeadAttention(2, 3, name="causal_dynamic", **_BIAS)(
        query, query, use_causal_mask=True
    )
    masked = layers.MultiHeadAttention(2, 3, name="value_and_key_masks", **_BIAS)(
        query, value, value_mask=value_mask, key_mask=key_mask
    )
    luong = layers.Attention(name="attention_causal_dynamic")(
        [query, query], use_causal_mask=True
    )
    return keras.Model(
        [query, value, value_mask, key_mask],
        [causal, masked, luong],
        name="mha_masks_and_dynamic_lengths",
    )


def transformer_encoder() -> Any:
    """An encoder block without residual connections: MultiHeadAttention,
    LayerNormalization, a two-layer feed-forward network, LayerNormalization."""
    import keras

    layers = keras.layers
    inputs = keras.Input((6, 16), name="tokens")
    x = layers.MultiHeadAttention(num_heads=4, key_dim=4, dropout=0.1, **_BIAS)(
        inputs, inputs
    )
    x = layers.LayerNormalization(epsilon=1e-6, beta_initializer="random_normal")(x)
    x = layers.Dense(32, activation="gelu", **_BIAS)(x)
    x = layers.Dense(16, **_BIAS)(x)
    x = layers.LayerNormalization(epsilon=1e-6, beta_initializer="random_normal")(x)
    return keras.Model(inputs, x, name="transformer_encoder")


def attention_layers() -> Any:
    """Attention with dot and concat scores, with and without a scale, with a key,
    a causal mask and query and value masks; AdditiveAttention with and without a
    scale, with masks."""
    import keras

    layers = keras.layers
    query = keras.Input((4, 6), name="query")
    value = keras.Input((5, 6), name="value")
    key = keras.Input((5, 6), name="key")
    query_mask = keras.Input((4,), dtype="bool", name="query_mask")
    value_mask = keras.Input((5,), dtype="bool", name="value_mask")
    masks = [query_mask, value_mask]
    outputs = [
        layers.Attention(name="dot")([query, value]),
        layers.Attention(use_scale=True, name="dot_scaled")([query, value, key]),
        layers.Attention(score_mode="concat", name="concat")([query, value]),
        layers.Attention(score_mode="concat", use_scale=True, name="concat_scaled")(
            [query, value, key]
        ),
        layers.Attention(name="dot_causal")([query, query], use_causal_mask=True),
        layers.AdditiveAttention(name="additive")([query, value, key]),
        layers.AdditiveAttention(use_scale=False, name="additive_unscaled")(
            [query, value]
        ),
        layers.AdditiveAttention(name="additive_causal")(
            [query, value], use_causal_mask=True
        ),
        layers.Attention(name="dot_masked")([query, value], mask=masks),
        layers.Attention(score_mode="concat", name="concat_masked")(
            [query, value, key], mask=masks
        ),
        layers.AdditiveAttention(name="additive_masked")([query, value], mask=masks),
    ]
    model = keras.Model(
        [query, value, key, query_mask, value_mask], outputs, name="attention_layers"
    )
    for name, scale in (("dot_scaled", 0.7), ("concat_scaled", 1.3)):
        model.get_layer(name).scale.assign(scale)
    for name, weight in (("concat", 0.6), ("concat_scaled", -0.8)):
        model.get_layer(name).concat_score_weight.assign(weight)
    return model


MODELS: dict[str, Callable[[], Any]] = {
    "mha_self_attention": mha_self_attention,
    "mha_cross_attention": mha_cross_attention,
    "mha_variants": mha_variants,
    "mha_masks_and_dynamic_lengths": mha_masks_and_dynamic_lengths,
    "transformer_encoder": transformer_encoder,
    "attention_layers": attention_layers,
}
