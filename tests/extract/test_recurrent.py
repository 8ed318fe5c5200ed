"""Recurrent layers on the extract side: normalized configs, weight roles, several
outputs per call, and the calls that are refused (masks, initial states)."""

from __future__ import annotations

import re
from typing import Any

import keras
import pytest

from stages.console import AirlockError
from stages.extract.graph import describe_model
from stages.extract.normalizers import (
    Call,
    UnsupportedConfigError,
    check_call,
    normalize,
)


def _saved(layer: keras.layers.Layer) -> dict[str, Any]:
    return layer.get_config()


def test_lstm_keeps_what_inference_needs_and_drops_training_keys() -> None:
    saved = _saved(
        keras.layers.LSTM(
            4, dropout=0.2, recurrent_dropout=0.1, unroll=True, return_state=True
        )
    )

    assert normalize("LSTM", saved) == {
        "units": 4,
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "use_bias": True,
        "return_sequences": False,
        "return_state": True,
        "go_backwards": False,
    }


def test_gru_keeps_reset_after_and_simple_rnn_has_no_recurrent_activation() -> None:
    gru = normalize("GRU", _saved(keras.layers.GRU(3, reset_after=False)))
    rnn = normalize("SimpleRNN", _saved(keras.layers.SimpleRNN(3)))

    assert gru["reset_after"] is False
    assert "recurrent_activation" not in rnn


@pytest.mark.parametrize(
    ("kind", "saved", "key"),
    [
        ("LSTM", {"units": 2, "stateful": True}, "stateful"),
        ("GRU", {"units": 2, "time_major": True}, "time_major"),
        ("SimpleRNN", {"units": 2, "activation": "gelu"}, "activation"),
        ("LSTM", {"units": 2, "recurrent_activation": "silu"}, "recurrent_activation"),
    ],
)
def test_configs_onnx_cannot_run_are_refused_naming_the_key(
    kind: str, saved: dict[str, Any], key: str
) -> None:
    with pytest.raises(UnsupportedConfigError, match=rf"^{key}="):
        normalize(kind, saved)


def test_bidirectional_normalizes_both_wrapped_layers_with_their_names() -> None:
    saved = _saved(
        keras.layers.Bidirectional(
            keras.layers.GRU(2, return_sequences=True, name="gru"), merge_mode="ave"
        )
    )

    config = normalize("Bidirectional", saved)

    assert config["merge_mode"] == "ave"
    assert config["layer"]["kind"] == config["backward_layer"]["kind"] == "GRU"
    assert config["layer"]["name"] == "forward_gru"
    assert config["backward_layer"]["name"] == "backward_gru"
    assert config["layer"]["go_backwards"] is False
    assert config["backward_layer"]["go_backwards"] is True
    assert config["backward_layer"]["reset_after"] is True


def test_bidirectional_without_a_saved_backward_layer_builds_it_as_keras_does() -> None:
    saved = _saved(keras.layers.Bidirectional(keras.layers.LSTM(2, name="lstm")))
    saved["layer"]["config"]["name"] = "lstm"
    del saved["backward_layer"]

    config = normalize("Bidirectional", saved)

    assert config["layer"]["name"] == "forward_lstm"
    assert config["backward_layer"]["name"] == "backward_lstm"
    assert config["backward_layer"]["go_backwards"] is True


def test_bidirectional_around_another_layer_is_refused() -> None:
    saved = _saved(keras.layers.Bidirectional(keras.layers.LSTM(2)))
    saved["layer"]["class_name"] = "ConvLSTM1D"

    with pytest.raises(UnsupportedConfigError, match=r"^layer='ConvLSTM1D'"):
        normalize("Bidirectional", saved)


def test_return_state_outputs_and_bidirectional_weight_roles() -> None:
    inputs = keras.Input((5, 3), name="x")
    outputs = keras.layers.Bidirectional(
        keras.layers.LSTM(2, return_state=True, name="lstm"), name="both"
    )(inputs)
    sequence, h = keras.layers.GRU(2, return_state=True, name="gru")(inputs)
    model = keras.Model(inputs, [*outputs, sequence, h])

    graph = describe_model(model, "states.keras")

    records = {layer["name"]: layer for layer in graph.layers}
    assert records["both"]["outputs"] == [
        "both",
        "both:0:1",
        "both:0:2",
        "both:0:3",
        "both:0:4",
    ]
    assert records["gru"]["outputs"] == ["gru", "gru:0:1"]
    assert [o["tensor"] for o in graph.outputs] == [
        *records["both"]["outputs"],
        "gru",
        "gru:0:1",
    ]
    assert sorted(records["gru"]["weights"]) == ["bias", "kernel", "recurrent_kernel"]
    assert records["both"]["weights"]["forward_lstm/lstm_cell/kernel"] == (
        "weights/both/forward_lstm/lstm_cell/kernel"
    )
    assert len(records["both"]["weights"]) == 6
    assert set(records["both"]["weights"].values()) <= set(graph.weights)


def test_a_masked_input_is_refused_naming_the_layer() -> None:
    inputs = keras.Input((5, 3), name="x")
    masked = keras.layers.Masking(name="masking")(inputs)
    output = keras.layers.LSTM(2, name="lstm")(masked)
    model = keras.Model(inputs, output)

    with pytest.raises(AirlockError) as error:
        describe_model(model, "masked.keras")

    message = str(error.value)
    assert "layer 'lstm' (LSTM) reads a Keras mask" in message
    assert re.search(
        r"operation 'not_equal(_\d+)?' \(NotEqual\): a Keras operation outside",
        message,
    )


def test_initial_states_follow_the_sequence_among_the_inputs() -> None:
    inputs = keras.Input((5, 3), name="x")
    h = keras.Input((2,), name="h")
    c = keras.Input((2,), name="c")
    output = keras.layers.LSTM(2, name="lstm")(inputs, initial_state=[h, c])
    model = keras.Model([inputs, h, c], output)

    graph = describe_model(model, "initial.keras")

    (record,) = graph.layers
    assert record["inputs"] == ["x", "h", "c"]


def test_a_constant_initial_state_is_refused_naming_the_layer() -> None:
    call = Call(inputs=("sequences",), arguments={"initial_state": [0.0]})

    with pytest.raises(UnsupportedConfigError, match=r"^initial_state='a constant'"):
        check_call("GRU", call)


def test_a_backward_layer_with_other_units_is_refused() -> None:
    saved = _saved(
        keras.layers.Bidirectional(
            keras.layers.LSTM(3),
            backward_layer=keras.layers.GRU(2, go_backwards=True),
        )
    )

    with pytest.raises(UnsupportedConfigError, match=r"^backward_layer='GRU with"):
        normalize("Bidirectional", saved)
