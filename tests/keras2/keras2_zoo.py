"""Small Keras 2 models, each saved as ``.h5``, ``.keras`` and a SavedModel directory.

Run in the TensorFlow 2.15 environment: ``python tests/keras2/keras2_zoo.py OUTDIR``
writes ``OUTDIR/<name>_h5.h5``, ``OUTDIR/<name>_keras.keras`` and
``OUTDIR/<name>_savedmodel/`` for every model (one export directory each).
Weights are seeded random values (biases and batch statistics included), so that
every weight changes the outputs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FORMATS = ("h5", "keras", "savedmodel")


def dense() -> Any:
    """A Sequential stack with Keras 2's hard_sigmoid and LeakyReLU(alpha)."""
    import keras

    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(5, activation="hard_sigmoid"),
            keras.layers.LeakyReLU(alpha=0.2),
            keras.layers.Dense(3, activation="softmax"),
        ],
        name="dense",
    )


def embedding() -> Any:
    import keras

    ids = keras.Input((7,), dtype="int32", name="ids")
    x = keras.layers.Embedding(20, 4)(ids)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(ids, keras.layers.Dense(3, activation="tanh")(x))


def convolution() -> Any:
    import keras

    image = keras.Input((8, 8, 3), name="image")
    x = keras.layers.Conv2D(4, 3, padding="same")(image)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(6, 3, activation="gelu")(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(image, keras.layers.Dense(2)(x))


def recurrent() -> Any:
    """LSTM with the older hard_sigmoid gates, GRU both ways, a Bidirectional."""
    import keras

    sequence = keras.Input((6, 4), name="sequence")
    x = keras.layers.LSTM(
        5, return_sequences=True, recurrent_activation="hard_sigmoid"
    )(sequence)
    x = keras.layers.GRU(4, return_sequences=True, reset_after=False)(x)
    x = keras.layers.Bidirectional(keras.layers.GRU(3))(x)
    return keras.Model(sequence, x)


def multi_io() -> Any:
    """Two inputs, two outputs, and a functional model used as a layer."""
    import keras

    inner_in = keras.Input((4,), name="inner_in")
    inner = keras.Model(
        inner_in, keras.layers.Dense(4, activation="elu")(inner_in), name="encoder"
    )
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    x = keras.layers.Concatenate()([inner(a), keras.layers.Dense(4)(b)])
    score = keras.layers.Dense(2, name="score")(x)
    flag = keras.layers.Dense(1, activation="sigmoid", name="flag")(
        keras.layers.Add()([keras.layers.Dense(4)(x), inner(a)])
    )
    return keras.Model([a, b], [score, flag])


def augmentation() -> Any:
    """A Sequential of augmentation layers in front of a convolution, as Keras 2
    image classifiers often hold: at inference they pass images through, even
    RandomHeight and RandomWidth, which leave the image size unknown."""
    import keras

    layers = keras.layers
    augment = keras.Sequential(
        [
            layers.RandomFlip(),
            layers.RandomRotation(0.1),
            layers.RandomZoom(0.1),
            layers.RandomContrast(0.2),
            layers.RandomHeight(0.2),
            layers.RandomWidth(0.2),
        ],
        name="augment",
    )
    image = keras.Input((8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, activation="relu")(augment(image))
    return keras.Model(image, layers.GlobalAveragePooling2D()(x))


def arithmetic() -> Any:
    """Arithmetic written between layers, which Keras 2 saves as TFOpLambda
    layers: MobileNetV3's hard swish ``x * relu6(x + 3) * (1 / 6)``, ``3 - x``,
    division, powers, the element-wise functions of ``tf.math`` and activations
    called as functions of ``tf.nn``."""
    import keras
    import tensorflow as tf

    layers = keras.layers
    image = keras.Input((6, 6, 2), name="image")
    x = layers.Conv2D(4, 3, padding="same")(image)
    x = x * layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)
    x = layers.GlobalAveragePooling2D()(3.0 - x)
    positive = tf.abs(x) + 1.0
    features = keras.Input((4,), name="features")
    outputs = [
        x / positive,
        2.0 / positive,
        positive**0.5,
        -tf.sqrt(positive) + tf.math.log(positive) * tf.sign(x),
        tf.exp(tf.square(x) * 0.1) - features,
        # Activations called as TensorFlow functions.
        tf.nn.relu(x) + tf.nn.relu6(x * 4.0) + tf.sigmoid(x) + tf.tanh(x),
        tf.nn.elu(x) + tf.nn.selu(x) + tf.nn.softplus(x) + tf.nn.softsign(x),
        tf.nn.silu(x) + tf.nn.gelu(x) + tf.nn.gelu(x, approximate=True),
        tf.nn.leaky_relu(x),
        tf.reduce_mean(x, axis=1, keepdims=True) * x,
        tf.reduce_max(x, axis=-1),
        tf.reduce_min(x * 2.0, axis=[1]) - tf.reduce_sum(x, axis=1),
    ]
    return keras.Model([image, features], outputs)


def inception_resnet_block() -> Any:
    """InceptionResNetV2's residual scaling, a layer keras.applications defines
    itself; Keras 2 saves it as ``Custom>CustomScaleLayer``."""
    import keras
    from keras.src.applications.inception_resnet_v2 import CustomScaleLayer

    layers = keras.layers
    image = keras.Input((6, 6, 4), name="image")
    branch = layers.Conv2D(4, 3, padding="same", activation="relu")(image)
    x = CustomScaleLayer(0.17, name="custom_scale")([image, branch])
    return keras.Model(image, layers.GlobalAveragePooling2D()(x))


MODELS: dict[str, Callable[[], Any]] = {
    "inception_resnet_block": inception_resnet_block,
    "arithmetic": arithmetic,
    "dense": dense,
    "embedding": embedding,
    "convolution": convolution,
    "recurrent": recurrent,
    "multi_io": multi_io,
    "augmentation": augmentation,
}


def _randomize(model: Any, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        shape = tuple(weight.shape)
        if "moving_variance" in weight.name:
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.normal(0.0, 0.5, shape)
        weight.assign(value.astype(weight.dtype.as_numpy_dtype))


def paths(directory: Path, name: str) -> dict[str, Path]:
    """Where :func:`build` saves the model ``name`` in each format."""
    return {
        "h5": directory / f"{name}_h5.h5",
        "keras": directory / f"{name}_keras.keras",
        "savedmodel": directory / f"{name}_savedmodel",
    }


def build(directory: Path) -> dict[str, dict[str, Path]]:
    """Save every model in every format to ``directory``; paths by model and
    format."""
    directory.mkdir(parents=True, exist_ok=True)
    saved = {}
    for seed, (name, make) in enumerate(MODELS.items()):
        model = make()
        _randomize(model, seed)
        saved[name] = paths(directory, name)
        for path in saved[name].values():
            model.save(path)
    return saved


if __name__ == "__main__":
    for name, files in build(Path(sys.argv[1])).items():
        print(name, *files.values())
