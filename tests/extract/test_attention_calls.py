"""Attention layers in the layer graph: input roles, call arguments, weight roles."""

from __future__ import annotations

import keras
import pytest

from stages.console import AirlockError
from stages.extract.graph import describe_model


def _cross_attention(**call: object) -> keras.Model:
    query = keras.Input((5, 8), name="query")
    value = keras.Input((6, 4), name="value")
    key = keras.Input((6, 3), name="key")
    mask = keras.Input((5, 6), dtype="bool", name="mask")
    attention = keras.layers.MultiHeadAttention(2, 3, name="mha")
    output = attention(query, value, key=key, attention_mask=mask, **call)
    return keras.Model([query, value, key, mask], output)


def test_multi_head_attention_records_the_role_of_each_input() -> None:
    graph = describe_model(_cross_attention(), "mha.keras")

    (record,) = graph.layers
    assert record["inputs"] == ["query", "value", "key", "mask"]
    assert record["config"]["inputs"] == ["query", "value", "key", "attention_mask"]
    assert record["config"]["use_causal_mask"] is False


def test_sub_layer_weights_keep_their_path_below_the_layer() -> None:
    graph = describe_model(_cross_attention(), "mha.keras")

    (record,) = graph.layers
    assert sorted(record["weights"]) == [
        "attention_output/bias",
        "attention_output/kernel",
        "key/bias",
        "key/kernel",
        "query/bias",
        "query/kernel",
        "value/bias",
        "value/kernel",
    ]
    assert record["weights"]["query/kernel"] == "weights/mha/query/kernel"
    assert graph.weights["weights/mha/query/kernel"].shape == (8, 2, 3)


def test_self_attention_reads_one_tensor_twice() -> None:
    inputs = keras.Input((5, 8), name="x")
    output = keras.layers.MultiHeadAttention(2, 3, name="mha")(
        inputs, inputs, use_causal_mask=True
    )

    (record,) = describe_model(keras.Model(inputs, output), "self.keras").layers

    assert record["inputs"] == ["x", "x"]
    assert record["config"]["inputs"] == ["query", "value"]
    assert record["config"]["use_causal_mask"] is True


def test_attention_list_inputs_become_query_value_key() -> None:
    query = keras.Input((4, 6), name="q")
    value = keras.Input((5, 6), name="v")
    output = keras.layers.Attention(score_mode="concat", name="att")(
        [query, value, value]
    )

    (record,) = describe_model(keras.Model([query, value], output), "a.keras").layers

    assert record["config"] == {
        "inputs": ["query", "value", "key"],
        "use_scale": False,
        "score_mode": "concat",
        "use_causal_mask": False,
    }
    assert sorted(record["weights"]) == ["concat_score_weight"]


def test_returned_attention_scores_are_refused() -> None:
    query = keras.Input((4, 6), name="q")
    output, _ = keras.layers.MultiHeadAttention(2, 3, name="mha")(
        query, query, return_attention_scores=True
    )

    with pytest.raises(
        AirlockError,
        match=r"layer 'mha' \(MultiHeadAttention\): return_attention_scores=True",
    ):
        describe_model(keras.Model(query, output), "scores.keras")


def test_non_default_attention_axes_are_refused() -> None:
    query = keras.Input((3, 4, 6), name="q")
    output = keras.layers.MultiHeadAttention(2, 3, attention_axes=(2,), name="mha")(
        query, query
    )

    with pytest.raises(AirlockError, match=r"attention_axes=\(2,\) is not supported"):
        describe_model(keras.Model(query, output), "axes.keras")


def test_attention_masks_become_query_and_value_masks() -> None:
    query = keras.Input((4, 6), name="q")
    query_mask = keras.Input((4,), dtype="bool", name="qm")
    value_mask = keras.Input((4,), dtype="bool", name="vm")
    output = keras.layers.Attention(name="att")(
        [query, query], mask=[query_mask, value_mask]
    )
    model = keras.Model([query, query_mask, value_mask], output)

    (record,) = describe_model(model, "mask.keras").layers

    assert record["inputs"] == ["q", "q", "qm", "vm"]
    assert record["config"]["inputs"] == [
        "query",
        "value",
        "query_mask",
        "value_mask",
    ]


def test_propagated_keras_masks_are_refused() -> None:
    tokens = keras.Input((5,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(10, 8, mask_zero=True, name="embedding")(tokens)
    output = keras.layers.MultiHeadAttention(2, 3, name="mha")(embedded, embedded)

    with pytest.raises(
        AirlockError, match=r"layer 'mha' \(MultiHeadAttention\): mask='a Keras mask"
    ):
        describe_model(keras.Model(tokens, output), "masked.keras")
