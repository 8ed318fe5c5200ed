"""Zoo models for convolution and pooling layers, and small convolutional networks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _bias() -> dict[str, str]:
    return {"bias_initializer": "random_normal"}


def conv2d_variants() -> Any:
    """Conv2D with every padding, strides, dilation, groups, with and without bias."""
    import keras

    layers = keras.layers
    inputs = keras.Input((9, 8, 4), name="image")
    outputs = [
        layers.Conv2D(5, 3, padding="same", name="same", **_bias())(inputs),
        layers.Conv2D(5, (3, 2), name="valid_no_bias", use_bias=False)(inputs),
        layers.Conv2D(3, 3, strides=2, padding="same", name="strided", **_bias())(
            inputs
        ),
        layers.Conv2D(3, 2, strides=(2, 3), name="strided_valid", **_bias())(inputs),
        layers.Conv2D(
            3, 3, dilation_rate=2, padding="same", activation="relu", name="dilated"
        )(inputs),
        layers.Conv2D(6, 3, groups=2, padding="same", name="grouped", **_bias())(
            inputs
        ),
    ]
    return keras.Model(inputs, outputs, name="conv2d_variants")


def conv1d_and_3d() -> Any:
    """Conv1D with causal, same and valid padding; Conv3D."""
    import keras

    layers = keras.layers
    sequence = keras.Input((11, 3), name="sequence")
    volume = keras.Input((5, 6, 4, 2), name="volume")
    outputs = [
        layers.Conv1D(4, 3, padding="causal", dilation_rate=2, name="causal")(sequence),
        layers.Conv1D(4, 4, padding="same", strides=2, name="same_1d", **_bias())(
            sequence
        ),
        layers.Conv1D(2, 5, name="valid_1d", **_bias())(sequence),
        layers.Conv3D(3, 3, padding="same", name="same_3d", **_bias())(volume),
        layers.Conv3D(2, (2, 3, 2), strides=2, name="strided_3d")(volume),
    ]
    return keras.Model([sequence, volume], outputs, name="conv1d_and_3d")


def channels_first() -> Any:
    """Convolutions and pooling on channels-first tensors, as models trained on
    a GPU in NCHW order hold them; TensorFlow computes them with XLA on a CPU."""
    import keras

    layers = keras.layers
    image = keras.Input((3, 9, 8), name="image")
    sequence = keras.Input((3, 11), name="sequence")
    first = {"data_format": "channels_first"}
    x = layers.Conv2D(4, 3, padding="same", name="conv2d_first", **first, **_bias())(
        image
    )
    x = layers.BatchNormalization(axis=1, name="bn_first")(x)
    x = layers.MaxPooling2D(2, name="pool2d_first", **first)(x)
    x = layers.Conv2DTranspose(
        3, 3, strides=2, name="conv2d_transpose_first", **first, **_bias()
    )(x)
    y = layers.Conv1D(
        4, 3, padding="causal", dilation_rate=2, name="conv1d_first", **first
    )(sequence)
    y = layers.Conv1DTranspose(2, 3, strides=2, name="conv1d_transpose_first", **first)(
        y
    )
    pooled = layers.GlobalAveragePooling2D(name="gap_first", **first)(x)
    return keras.Model(
        [image, sequence], [x, y, layers.Flatten()(x), pooled], name="channels_first"
    )


def depthwise_and_separable() -> Any:
    """Depthwise and separable convolutions in 1D and 2D."""
    import keras

    layers = keras.layers
    image = keras.Input((8, 7, 3), name="image")
    sequence = keras.Input((10, 4), name="sequence")
    outputs = [
        layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", **_bias())(image),
        layers.DepthwiseConv2D(2, strides=2, use_bias=False)(image),
        layers.SeparableConv2D(5, 3, depth_multiplier=2, padding="same", **_bias())(
            image
        ),
        layers.DepthwiseConv1D(3, depth_multiplier=3, **_bias())(sequence),
        layers.SeparableConv1D(4, 3, strides=2, padding="same", activation="tanh")(
            sequence
        ),
    ]
    return keras.Model([image, sequence], outputs, name="depthwise_and_separable")


def transposed() -> Any:
    """Transposed convolutions: valid, same, strides, output_padding, 1D to 3D."""
    import keras

    layers = keras.layers
    image = keras.Input((5, 4, 3), name="image")
    sequence = keras.Input((6, 2), name="sequence")
    volume = keras.Input((3, 3, 2, 2), name="volume")
    outputs = [
        layers.Conv2DTranspose(4, 3, strides=2, padding="same", **_bias())(image),
        layers.Conv2DTranspose(2, 3, strides=2, name="valid_2d", **_bias())(image),
        layers.Conv2DTranspose(2, 2, strides=3, name="short_kernel")(image),
        layers.Conv2DTranspose(
            2, 3, strides=2, padding="same", output_padding=0, name="out_pad0"
        )(image),
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=1, name="out_pad1")(
            image
        ),
        layers.Conv1DTranspose(3, 4, strides=2, padding="same", **_bias())(sequence),
        layers.Conv3DTranspose(2, 2, strides=2, **_bias())(volume),
    ]
    return keras.Model([image, sequence, volume], outputs, name="transposed")


def pooling() -> Any:
    """Max and average pooling in 1D to 3D, both paddings; global pooling."""
    import keras

    layers = keras.layers
    image = keras.Input((7, 9, 3), name="image")
    sequence = keras.Input((11, 2), name="sequence")
    volume = keras.Input((5, 4, 6, 2), name="volume")
    outputs = [
        layers.MaxPooling2D(name="max_2d")(image),
        layers.AveragePooling2D(3, strides=2, padding="same", name="avg_same")(image),
        layers.MaxPooling2D((2, 3), strides=(1, 2), padding="same", name="max_same")(
            image
        ),
        layers.AveragePooling1D(3, name="avg_1d")(sequence),
        layers.MaxPooling1D(2, strides=1, padding="same", name="max_1d")(sequence),
        layers.MaxPooling3D(2, padding="same", name="max_3d")(volume),
        layers.AveragePooling3D((2, 2, 3), name="avg_3d")(volume),
        layers.GlobalAveragePooling2D(name="gap")(image),
        layers.GlobalMaxPooling2D(keepdims=True, name="gmp_keep")(image),
        layers.GlobalAveragePooling1D(keepdims=True, name="gap_1d_keep")(sequence),
        layers.GlobalMaxPooling1D(name="gmp_1d")(sequence),
        layers.GlobalAveragePooling3D(name="gap_3d")(volume),
    ]
    return keras.Model([image, sequence, volume], outputs, name="pooling")


def small_cnn() -> Any:
    """A plain convolutional classifier: convolutions, pooling, Flatten, Dense."""
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((12, 12, 3), name="image"),
            layers.Conv2D(8, 3, padding="same", activation="relu", **_bias()),
            layers.MaxPooling2D(),
            layers.Conv2D(8, 3, **_bias()),
            layers.ReLU(max_value=6.0),
            layers.Dropout(0.2),
            layers.Flatten(),
            layers.Dense(10, activation="softmax", **_bias()),
        ],
        name="small_cnn",
    )


def mobile_cnn() -> Any:
    """A depthwise-separable mobile-style network with a global-pooling head."""
    import keras

    layers = keras.layers
    inputs = keras.Input((16, 16, 3), name="image")
    x = layers.Conv2D(8, 3, strides=2, padding="same", **_bias())(inputs)
    x = layers.Activation("relu6")(x)
    x = layers.DepthwiseConv2D(3, padding="same", **_bias())(x)
    x = layers.Activation("hard_swish")(x)
    x = layers.Conv2D(12, 1, **_bias())(x)
    x = layers.SeparableConv2D(16, 3, strides=2, padding="same", **_bias())(x)
    x = layers.PReLU(alpha_initializer="random_normal", shared_axes=[1, 2])(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(4, activation="softmax", **_bias())(x)
    return keras.Model(inputs, outputs, name="mobile_cnn")


MODELS: dict[str, Callable[[], Any]] = {
    "channels_first": channels_first,
    "conv2d_variants": conv2d_variants,
    "conv1d_and_3d": conv1d_and_3d,
    "depthwise_and_separable": depthwise_and_separable,
    "transposed": transposed,
    "pooling": pooling,
    "small_cnn": small_cnn,
    "mobile_cnn": mobile_cnn,
}
