"""Zoo models for the recurrent layers: SimpleRNN, LSTM, GRU and Bidirectional.

Short sequences (5 steps of 3 features) and few units; every bias is random, so a
bias put in the wrong gate or the wrong ONNX slot cannot go unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

STEPS = 5
FEATURES = 3
BIAS = "random_normal"


def _layers() -> Any:
    import keras

    return keras.layers


def _sequence() -> Any:
    import keras

    return keras.Input((STEPS, FEATURES), name="sequence")


def simple_rnn() -> Any:
    """SimpleRNN: last output, sequences read backwards, no bias, relu, states."""
    import keras

    layers = _layers()
    inputs = _sequence()
    outputs = [
        layers.SimpleRNN(4, bias_initializer=BIAS, name="plain")(inputs),
        layers.SimpleRNN(
            3,
            return_sequences=True,
            go_backwards=True,
            use_bias=False,
            name="backwards_sequences",
        )(inputs),
        layers.SimpleRNN(
            4, activation="relu", bias_initializer=BIAS, unroll=True, name="relu"
        )(inputs),
        *layers.SimpleRNN(
            2,
            activation="softsign",
            return_sequences=True,
            return_state=True,
            bias_initializer=BIAS,
            dropout=0.3,
            recurrent_dropout=0.2,
            name="with_state",
        )(inputs),
    ]
    return keras.Model(inputs, outputs, name="simple_rnn")


def lstm() -> Any:
    """LSTM: last output, backwards sequences, no bias, states, other activations."""
    import keras

    layers = _layers()
    inputs = _sequence()
    outputs = [
        layers.LSTM(4, bias_initializer=BIAS, unit_forget_bias=False, name="plain")(
            inputs
        ),
        layers.LSTM(
            3,
            return_sequences=True,
            go_backwards=True,
            bias_initializer=BIAS,
            name="backwards_sequences",
        )(inputs),
        layers.LSTM(4, use_bias=False, go_backwards=True, name="no_bias")(inputs),
        *layers.LSTM(
            2,
            return_state=True,
            bias_initializer=BIAS,
            unit_forget_bias=False,
            name="with_state",
        )(inputs),
        layers.LSTM(
            3,
            activation="elu",
            recurrent_activation="hard_sigmoid",
            bias_initializer=BIAS,
            name="elu_hard_sigmoid",
        )(inputs),
        layers.LSTM(
            3,
            activation="leaky_relu",
            return_sequences=True,
            bias_initializer=BIAS,
            name="leaky",
        )(inputs),
    ]
    return keras.Model(inputs, outputs, name="lstm")


def gru() -> Any:
    """GRU with reset_after True and False, with and without bias, backwards,
    with states and with other activations."""
    import keras

    layers = _layers()
    inputs = _sequence()
    outputs = [
        layers.GRU(4, bias_initializer=BIAS, name="reset_after")(inputs),
        layers.GRU(4, reset_after=False, bias_initializer=BIAS, name="reset_before")(
            inputs
        ),
        layers.GRU(3, use_bias=False, return_sequences=True, name="after_no_bias")(
            inputs
        ),
        layers.GRU(
            3,
            reset_after=False,
            use_bias=False,
            go_backwards=True,
            return_sequences=True,
            name="before_no_bias_backwards",
        )(inputs),
        *layers.GRU(
            2,
            return_sequences=True,
            return_state=True,
            go_backwards=True,
            bias_initializer=BIAS,
            name="with_state",
        )(inputs),
        layers.GRU(
            3,
            activation="linear",
            recurrent_activation="hard_sigmoid",
            reset_after=False,
            bias_initializer=BIAS,
            name="linear_hard_sigmoid",
        )(inputs),
    ]
    return keras.Model(inputs, outputs, name="gru")


def stacked() -> Any:
    """Sequences of any length feeding the next recurrent layer, then a Dense
    head."""
    import keras

    layers = _layers()
    return keras.Sequential(
        [
            keras.Input((None, FEATURES), name="sequence"),
            layers.LSTM(6, return_sequences=True, bias_initializer=BIAS),
            layers.GRU(
                5, return_sequences=True, go_backwards=True, bias_initializer=BIAS
            ),
            layers.Bidirectional(
                layers.SimpleRNN(4, return_sequences=True, bias_initializer=BIAS)
            ),
            layers.SimpleRNN(4, bias_initializer=BIAS),
            layers.Dense(2, bias_initializer=BIAS),
        ],
        name="stacked",
    )


def bidirectional() -> Any:
    """Bidirectional in every merge mode around each recurrent layer."""
    import keras

    layers = _layers()
    inputs = _sequence()
    outputs = [
        layers.Bidirectional(layers.LSTM(3, bias_initializer=BIAS), name="concat_lstm")(
            inputs
        ),
        layers.Bidirectional(
            layers.GRU(3, return_sequences=True, bias_initializer=BIAS),
            merge_mode="sum",
            name="sum_gru",
        )(inputs),
        layers.Bidirectional(
            layers.SimpleRNN(3, return_sequences=True, bias_initializer=BIAS),
            merge_mode="mul",
            name="mul_rnn",
        )(inputs),
        layers.Bidirectional(
            layers.LSTM(2, return_sequences=True, use_bias=False),
            merge_mode="ave",
            name="ave_lstm",
        )(inputs),
        *layers.Bidirectional(
            layers.GRU(2, reset_after=False, bias_initializer=BIAS),
            merge_mode=None,
            name="none_gru",
        )(inputs),
        layers.Bidirectional(
            layers.LSTM(3, return_sequences=True, bias_initializer=BIAS),
            backward_layer=layers.GRU(
                3, return_sequences=True, go_backwards=True, bias_initializer=BIAS
            ),
            name="lstm_and_gru",
        )(inputs),
    ]
    return keras.Model(inputs, outputs, name="bidirectional")


def bidirectional_states() -> Any:
    """Bidirectional with return_state: sequences and all four LSTM states as
    outputs, and a stacked Bidirectional reading the first one's sequences."""
    import keras

    layers = _layers()
    inputs = _sequence()
    sequences, *states = layers.Bidirectional(
        layers.LSTM(3, return_sequences=True, return_state=True, bias_initializer=BIAS),
        name="lstm_states",
    )(inputs)
    gru_outputs = layers.Bidirectional(
        layers.GRU(2, return_state=True, bias_initializer=BIAS),
        merge_mode=None,
        name="gru_states",
    )(sequences)
    return keras.Model(
        inputs, [sequences, *states, *gru_outputs], name="bidirectional_states"
    )


def initial_states() -> Any:
    """An encoder's states as a decoder's initial state (LSTM and Bidirectional),
    and a GRU that starts from a model input."""
    import keras

    layers = _layers()
    source = _sequence()
    target = keras.Input((STEPS - 1, FEATURES), name="target")
    start = keras.Input((3,), name="start")
    _, h, c = layers.LSTM(3, return_state=True, bias_initializer=BIAS, name="encoder")(
        source
    )
    decoded = layers.LSTM(
        3, return_sequences=True, bias_initializer=BIAS, name="decoder"
    )(target, initial_state=[h, c])
    _, *states = layers.Bidirectional(
        layers.GRU(3, return_state=True, bias_initializer=BIAS), name="bi_encoder"
    )(source)
    bi_decoded = layers.Bidirectional(
        layers.GRU(3, return_sequences=True, bias_initializer=BIAS),
        merge_mode="sum",
        name="bi_decoder",
    )(target, initial_state=states)
    started = layers.GRU(
        3, go_backwards=True, reset_after=False, bias_initializer=BIAS, name="started"
    )(source, initial_state=start)
    return keras.Model(
        [source, target, start], [decoded, bi_decoded, started], name="initial_states"
    )


MODELS: dict[str, Callable[[], Any]] = {
    "simple_rnn": simple_rnn,
    "lstm": lstm,
    "gru": gru,
    "stacked": stacked,
    "bidirectional": bidirectional,
    "bidirectional_states": bidirectional_states,
    "initial_states": initial_states,
}
