"""Zoo models in the shape of whole architectures a user brings: a keras.applications
network, a U-Net, a vision transformer, a sequence-to-sequence LSTM, a two-tower
recommender, a tabular model with several inputs and outputs, the blocks of
MobileNetV3 and ConvNeXt written with ``+`` and ``*`` between tensors and numbers,
and blocks built from the layers that keras.applications defines itself.

Each is kept small (few filters, small images) so that the zoo exports quickly;
what they test is how the converters compose, not their size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

#: Weights a fresh Keras layer fills with zeros or ones; the zoo randomizes them.
_OFFSETS = ("bias", "beta", "moving_mean")
_SCALES = ("gamma", "moving_variance")
#: The smallest moving variance a calibrated BatchNormalization keeps.
_VARIANCE_FLOOR = 0.1


def _randomize(model: Any, seed: int = 7) -> Any:
    """Give the biases, shifts, scales and moving statistics that Keras initializes
    to zeros and ones random values, so that no converter passes by accident on
    them; then calibrate the moving statistics.

    Untrained, a deep network shrinks its signal layer by layer until the biases
    alone decide the output, the same for every sample, and a broken convolution
    would go unnoticed. Setting each BatchNormalization's moving statistics to
    those of a batch of standard normal samples (the distribution of the
    reference inputs) keeps the signal alive to the last layer.
    """
    import keras

    rng = np.random.default_rng(seed)
    for weight in model.weights:
        role = weight.path.split("/")[-1]
        shape = tuple(weight.shape)
        if role in _OFFSETS:
            weight.assign(rng.normal(0.0, 0.1, shape).astype(weight.dtype))
        elif role in _SCALES:
            weight.assign(rng.uniform(0.5, 1.5, shape).astype(weight.dtype))

    norms = [
        layer
        for layer in model._flatten_layers()
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if norms and all(tensor.dtype == "float32" for tensor in model.inputs):
        momenta = [layer.momentum for layer in norms]
        for layer in norms:
            layer.momentum = 0.0
        batch = [
            rng.standard_normal((32, *tensor.shape[1:])).astype("float32")
            for tensor in model.inputs
        ]
        model(batch[0] if len(batch) == 1 else batch, training=True)
        for layer, momentum in zip(norms, momenta, strict=True):
            layer.momentum = momentum
            # A channel that is almost constant would have its float32 rounding
            # noise magnified many times over; a floor keeps the network's
            # conditioning close to a trained one's.
            variance = layer.moving_variance
            variance.assign(np.maximum(variance.numpy(), _VARIANCE_FLOOR))
    return model


def mobilenet_v2() -> Any:
    """keras.applications.MobileNetV2 at width 0.35 on 32x32 images: depthwise
    convolutions, ReLU6, BatchNormalization, residual Add, ZeroPadding2D. Its
    output is the logits, which show an error more plainly than probabilities."""
    import keras

    model = keras.applications.MobileNetV2(
        input_shape=(32, 32, 3),
        alpha=0.35,
        weights=None,
        classes=4,
        classifier_activation=None,
    )
    return _randomize(model)


def unet() -> Any:
    """A two-level U-Net: Conv2DTranspose upsampling and Concatenate skips."""
    import keras

    layers = keras.layers
    x = image = keras.Input((16, 16, 3), name="image")
    skips = []
    for filters in (4, 8):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.BatchNormalization()(x)
        skips.append(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    for filters, skip in zip((8, 4), reversed(skips), strict=True):
        x = layers.Conv2DTranspose(filters, 2, strides=2, padding="same")(x)
        x = layers.Concatenate()([x, skip])
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    mask = layers.Conv2D(2, 1, activation="softmax", name="mask")(x)
    return _randomize(keras.Model(image, mask, name="unet"))


def vision_transformer() -> Any:
    """A two-block ViT: Conv2D patches, Reshape to tokens, pre-norm
    MultiHeadAttention and a gelu MLP with residual Adds, mean-pooled head."""
    import keras

    layers = keras.layers
    image = keras.Input((16, 16, 3), name="image")
    x = layers.Conv2D(16, 4, strides=4, name="patches")(image)
    x = layers.Reshape((16, 16), name="tokens")(x)
    for _ in range(2):
        y = layers.LayerNormalization(epsilon=1e-6)(x)
        y = layers.MultiHeadAttention(num_heads=2, key_dim=8)(y, y)
        x = layers.Add()([x, y])
        y = layers.LayerNormalization(epsilon=1e-6)(x)
        y = layers.Dense(32, activation="gelu")(y)
        x = layers.Add()([x, layers.Dense(16)(y)])
    x = layers.GlobalAveragePooling1D()(layers.LayerNormalization()(x))
    logits = layers.Dense(5, name="logits")(x)
    return _randomize(keras.Model(image, logits, name="vision_transformer"))


def seq2seq() -> Any:
    """An LSTM encoder whose final states start an LSTM decoder (teacher forcing)."""
    import keras

    layers = keras.layers
    source = keras.Input((7, 4), name="source")
    target = keras.Input((5, 3), name="target")
    _, hidden, cell = layers.LSTM(8, return_state=True, name="encoder")(source)
    decoded = layers.LSTM(8, return_sequences=True, name="decoder")(
        target, initial_state=[hidden, cell]
    )
    tokens = layers.Dense(6, activation="softmax", name="tokens")(decoded)
    return _randomize(keras.Model([source, target], tokens, name="seq2seq"))


def two_tower() -> Any:
    """A recommender: user and item Embeddings, a Dense tower each, cosine Dot."""
    import keras

    layers = keras.layers
    user = keras.Input((1,), dtype="int32", name="user")
    item = keras.Input((1,), dtype="int32", name="item")
    towers = []
    for ids, vocabulary in ((user, 30), (item, 50)):
        vectors = layers.Flatten()(layers.Embedding(vocabulary, 6)(ids))
        towers.append(layers.Dense(6, activation="relu")(vectors))
    score = layers.Dot(axes=1, normalize=True, name="score")(towers)
    return _randomize(keras.Model([user, item], score, name="two_tower"))


def tabular() -> Any:
    """Numeric and categorical inputs, three heads (sigmoid, linear, softmax)."""
    import keras

    layers = keras.layers
    numeric = keras.Input((5,), name="numeric")
    category = keras.Input((3,), dtype="int64", name="category")
    codes = layers.Flatten()(layers.Embedding(10, 4)(category))
    x = layers.Concatenate()([layers.BatchNormalization()(numeric), codes])
    x = layers.Dropout(0.2)(layers.Dense(16, activation="relu")(x))
    outputs = [
        layers.Dense(1, activation="sigmoid", name="churn")(x),
        layers.Dense(1, name="value")(x),
        layers.Dense(3, activation="softmax", name="segment")(x),
    ]
    return _randomize(keras.Model([numeric, category], outputs, name="tabular"))


def arithmetic_blocks() -> Any:
    """A MobileNetV3 squeeze-excite block with its ``relu6(x + 3) * (1 / 6)`` hard
    sigmoid and a ConvNeXt block ending in ``inputs + x``: arithmetic written
    between tensors and numbers in a functional model, not as layers."""
    import keras

    layers = keras.layers
    image = keras.Input((8, 8, 8), name="image")
    x = layers.Conv2D(8, 3, padding="same")(image)
    squeezed = layers.GlobalAveragePooling2D(keepdims=True)(x)
    squeezed = layers.Conv2D(4, 1, activation="relu")(squeezed)
    squeezed = layers.Conv2D(8, 1)(squeezed)
    gate = layers.ReLU(6.0)(squeezed + 3.0) * (1.0 / 6.0)
    x = layers.Multiply()([x, gate])

    y = layers.Conv2D(8, 7, padding="same", groups=8)(x)
    y = layers.LayerNormalization(epsilon=1e-6)(y)
    y = layers.Dense(16, activation="gelu")(y)
    y = layers.Dense(8)(y)
    x = x + y
    x = 2.0 - x
    return _randomize(keras.Model(image, x, name="arithmetic_blocks"))


def application_blocks() -> Any:
    """A ConvNeXt block and an InceptionResNetV2 block built from the layers that
    keras.applications defines outside keras.layers: ``LayerScale`` with random
    scales (ConvNeXt starts them at 1e-6, which would hide a wrong one),
    ``StochasticDepth`` and ``CustomScaleLayer``."""
    import keras
    from keras.src.applications.convnext import LayerScale, StochasticDepth
    from keras.src.applications.inception_resnet_v2 import CustomScaleLayer

    layers = keras.layers
    image = keras.Input((8, 8, 8), name="image")
    x = layers.Conv2D(8, 7, padding="same", groups=8)(image)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    x = layers.Dense(16, activation="gelu")(x)
    x = layers.Dense(8)(x)
    scale = LayerScale(1e-6, 8, name="layer_scale")
    x = scale(x)
    x = StochasticDepth(0.1, name="stochastic_depth")(x)
    x = layers.Add()([image, x])

    branch = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = CustomScaleLayer(0.17, name="custom_scale")([x, branch])
    model = _randomize(keras.Model(image, x, name="application_blocks"))
    rng = np.random.default_rng(11)
    scale.gamma.assign(rng.uniform(0.5, 1.5, 8).astype("float32"))
    return model


MODELS: dict[str, Callable[[], Any]] = {
    "mobilenet_v2": mobilenet_v2,
    "unet": unet,
    "vision_transformer": vision_transformer,
    "seq2seq": seq2seq,
    "two_tower": two_tower,
    "tabular": tabular,
    "arithmetic_blocks": arithmetic_blocks,
    "application_blocks": application_blocks,
}
