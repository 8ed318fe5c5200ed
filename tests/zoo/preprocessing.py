"""Zoo models for preprocessing layers inside a model: Rescaling, Normalization,
CenterCrop and Resizing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def image_preprocessing() -> Any:
    """uint8 pixels through Rescaling, Resizing and CenterCrop into a classifier."""
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((10, 14, 3), dtype="uint8", name="pixels"),
            layers.Rescaling(1.0 / 255, offset=-0.5),
            layers.Resizing(8, 9),
            layers.CenterCrop(5, 6),
            layers.Flatten(),
            layers.Dense(4, bias_initializer="random_normal"),
        ],
        name="image_preprocessing",
    )


def rescaling_variants() -> Any:
    """Per-channel scale and offset lists, and an integer input."""
    import keras

    layers = keras.layers
    image = keras.Input((4, 5, 3), name="image")
    counts = keras.Input((6,), dtype="int32", name="counts")
    outputs = [
        layers.Rescaling([0.5, -2.0, 3.0], offset=[0.1, 0.2, -0.3])(image),
        layers.Rescaling(np.array([1.5, 0.25, -1.0], "float32"))(image),
        layers.Rescaling(0.1, offset=2.0)(counts),
    ]
    return keras.Model([image, counts], outputs, name="rescaling_variants")


def normalization_variants() -> Any:
    """Adapted on one axis and on two, given mean and variance (scalar and per
    feature, one with a zero variance), and ``invert``."""
    import keras

    layers = keras.layers
    rng = np.random.default_rng(0)
    data = rng.standard_normal((32, 5, 3)) * [1.0, 3.0, 0.2] + [2.0, -1.0, 0.5]
    last = layers.Normalization()
    last.adapt(data.astype("float32"))
    both = layers.Normalization(axis=(1, 2))
    both.adapt(data.astype("float32"))

    inputs = keras.Input((5, 3), name="x")
    outputs = [
        last(inputs),
        both(inputs),
        layers.Normalization(axis=None, mean=1.5, variance=4.0)(inputs),
        layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[2.0, 0.0, 0.5])(inputs),
        layers.Normalization(
            axis=1, mean=[0.0, 1.0, 2.0, 3.0, 4.0], variance=[1.0] * 5, invert=True
        )(inputs),
    ]
    return keras.Model(inputs, outputs, name="normalization_variants")


def resizing_variants() -> Any:
    """Bilinear and nearest, up and down; cropping and padding to the aspect ratio;
    channels-first images; CenterCrop smaller and larger than the image."""
    import keras

    layers = keras.layers
    image = keras.Input((12, 16, 3), name="image")
    planes = keras.Input((3, 9, 6), name="planes")
    thumb = keras.Input((2, 4, 3), name="thumb")
    outputs = [
        layers.Resizing(7, 5)(image),
        layers.Resizing(20, 24)(image),
        layers.Resizing(6, 8, interpolation="nearest")(image),
        layers.Resizing(18, 20, interpolation="nearest")(image),
        layers.Resizing(8, 8, crop_to_aspect_ratio=True)(image),
        layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=0.5)(image),
        layers.Resizing(5, 5, data_format="channels_first")(planes),
        layers.CenterCrop(5, 4, data_format="channels_first")(planes),
        layers.CenterCrop(7, 11)(image),
        layers.CenterCrop(14, 10)(image),
        # A size pair where ONNX Resize's own nearest rounding would differ.
        layers.Resizing(41, 41, interpolation="nearest")(thumb),
    ]
    return keras.Model([image, planes, thumb], outputs, name="resizing_variants")


def dynamic_images() -> Any:
    """Images whose height and width are known only at run time (the reference
    samples are 5x5): centre crops with even and odd margins, and resizing."""
    import keras

    layers = keras.layers
    image = keras.Input((None, None, 3), name="image")
    outputs = [
        layers.CenterCrop(4, 5)(image),
        layers.CenterCrop(2, 3)(image),
        layers.Resizing(4, 7)(image),
        layers.Resizing(3, 8, interpolation="nearest")(image),
        layers.Resizing(41, 2, interpolation="nearest")(image),
    ]
    return keras.Model(image, outputs, name="dynamic_images")


def integer_images() -> Any:
    """uint8 pixels straight into Resizing (which TensorFlow rounds back to uint8,
    hence the Rescaling after it), CenterCrop and Normalization."""
    import keras

    layers = keras.layers
    pixels = keras.Input((6, 7, 3), dtype="uint8", name="pixels")
    outputs = [
        layers.Rescaling(0.5)(layers.Resizing(4, 4, interpolation="nearest")(pixels)),
        layers.Rescaling(0.5)(layers.Resizing(9, 5)(pixels)),
        layers.Rescaling(0.5)(layers.Resizing(4, 3)(pixels)),
        layers.CenterCrop(4, 5)(pixels),
        layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 5.0, 6.0])(pixels),
    ]
    return keras.Model(pixels, outputs, name="integer_images")


MODELS: dict[str, Callable[[], Any]] = {
    "image_preprocessing": image_preprocessing,
    "rescaling_variants": rescaling_variants,
    "normalization_variants": normalization_variants,
    "resizing_variants": resizing_variants,
    "dynamic_images": dynamic_images,
    "integer_images": integer_images,
}
