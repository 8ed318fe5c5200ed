"""One architecture saved and read by either Keras line, for comparing descriptions.

``python tests/keras2/same_architecture.py DIRECTORY`` builds the model with the
installed Keras (2 or 3), gives it seeded weights, saves it (``model.h5`` with
Keras 2, ``model.keras`` with Keras 3), reads it back through the extract stage
and writes ``description.json`` (inputs, layers, outputs) and ``weights.npz``
(the weights by member) to DIRECTORY. Among the layers are ones whose saved
configs or weights differ between the lines: LeakyReLU's slope, the axes of
normalization layers, the kernel of a depthwise convolution, recurrent layers,
attention.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def build() -> Any:
    import keras

    layers = keras.layers
    image = keras.Input((6, 6, 2), name="image")
    x = layers.Conv2D(3, 3, padding="same", name="conv")(image)
    x = layers.BatchNormalization(name="batch_norm")(x)
    x = layers.LeakyReLU(name="leaky")(x)
    x = layers.DepthwiseConv2D(3, padding="same", name="depthwise")(x)
    x = layers.SeparableConv2D(4, 3, activation="relu6", name="separable")(x)
    x = layers.Conv2DTranspose(2, 2, strides=2, name="transpose")(x)
    x = layers.ZeroPadding2D(1, name="pad")(x)
    x = layers.AveragePooling2D(2, name="average")(x)
    x = layers.UpSampling2D(name="upsample")(x)
    x = layers.ReLU(max_value=6.0, name="relu")(x)
    x = layers.PReLU(name="prelu")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dense(4, activation="gelu", name="dense")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    x = layers.LayerNormalization(name="layer_norm")(x)

    ids = keras.Input((5,), dtype="int32", name="ids")
    s = layers.Embedding(11, 4, name="embed")(ids)
    s = layers.Conv1D(4, 2, padding="causal", activation="swish", name="conv1d")(s)
    s = layers.MultiHeadAttention(2, 3, name="attention")(s, s)
    s = layers.TimeDistributed(layers.Dense(4), name="per_step")(s)
    s = layers.LSTM(4, return_sequences=True, name="lstm")(s)
    s = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True), name="bi")(s)
    s = layers.GRU(3, name="gru")(s)
    s = layers.ELU(name="elu")(s)
    s = layers.Reshape((3, 1), name="reshape")(s)
    s = layers.Flatten(name="flatten")(s)

    merged = layers.Concatenate(name="merge")([x, s])
    out = layers.Dense(2, activation="softmax", name="out")(merged)
    return keras.Model([image, ids], out, name="same")


def main(directory: Path) -> None:
    import keras

    from stages.extract.graph import describe_model
    from stages.extract.loading import load_model

    model = build()
    rng = np.random.default_rng(0)
    for weight in model.weights:
        low = (
            0.5
            if "variance" in weight.name
            or "variance" in str(getattr(weight, "path", ""))
            else -1.0
        )
        weight.assign(rng.uniform(low, 1.5, tuple(weight.shape)).astype("float32"))
    keras2 = int(keras.__version__.split(".")[0]) < 3
    path = directory / ("model.h5" if keras2 else "model.keras")
    model.save(path)

    graph = describe_model(load_model(path), str(path))
    description: dict[str, Any] = {
        "inputs": graph.inputs,
        "layers": graph.layers,
        "outputs": graph.outputs,
    }
    (directory / "description.json").write_text(
        json.dumps(description, indent=1, sort_keys=True), encoding="utf-8"
    )
    np.savez(directory / "weights.npz", **graph.weights)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
