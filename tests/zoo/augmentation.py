"""Zoo models with the random augmentation layers inside, as image classifiers
are often saved: a data-augmentation Sequential in front of the network (float
images), and every other augmentation layer on uint8 pixels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def augmented_classifier() -> Any:
    """The pattern of Keras's image classification tutorials: a nested Sequential
    of flips, rotations, zooms, translations and contrast before Rescaling."""
    import keras

    layers = keras.layers
    augmentation = keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
            layers.RandomZoom(0.1),
            layers.RandomTranslation(0.1, 0.1),
            layers.RandomContrast(0.2),
        ],
        name="data_augmentation",
    )
    image = keras.Input((12, 12, 3), name="image")
    x = layers.Rescaling(1.0 / 4)(augmentation(image))
    x = layers.Conv2D(4, 3, activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    # Keras 3 runs a layer called with training=True in inference mode when the
    # model predicts, as the export does.
    x = layers.Dropout(0.5)(x, training=True)
    return keras.Model(image, layers.Dense(3)(x), name="augmented_classifier")


def augmented_pixels() -> Any:
    """uint8 pixels through the other augmentation layers: some return integers
    at inference, some floats; the export follows the float dtypes they declare."""
    import keras

    layers = keras.layers
    pixels = keras.Input((8, 8, 3), dtype="uint8", name="pixels")
    x = pixels
    for layer in (
        layers.RandomBrightness(0.2),
        layers.RandomColorDegeneration(0.2),
        layers.RandomColorJitter(brightness_factor=0.2),
        layers.RandomHue(0.2),
        layers.RandomSaturation(0.2),
        layers.RandomPosterization(4),
        layers.RandomInvert(),
        layers.RandomGrayscale(),
        layers.RandomSharpness(0.2),
        # Keras 3.15 saves a symmetric shear factor as a negative lower bound
        # that its own from_config refuses, so the range here starts at 0.
        layers.RandomShear(x_factor=(0.0, 0.2), y_factor=(0.0, 0.1)),
        layers.RandomPerspective(),
        layers.RandomElasticTransform(),
        layers.RandomErasing(),
        layers.RandomGaussianBlur(),
        layers.Solarization(),
        layers.AugMix(),
        layers.CutMix(),
        layers.MixUp(),
        layers.RandAugment(),
    ):
        x = layer(x)
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Flatten()(x)
    return keras.Model(pixels, layers.Dense(2)(x), name="augmented_pixels")


MODELS: dict[str, Callable[[], Any]] = {
    "augmented_classifier": augmented_classifier,
    "augmented_pixels": augmented_pixels,
}
