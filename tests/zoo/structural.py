"""Zoo models for padding, cropping, up-sampling, Permute and RepeatVector."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _layers() -> Any:
    import keras

    return keras.layers


def padding() -> Any:
    """ZeroPadding in 1, 2 and 3 dimensions, every form of ``padding``, both data
    formats."""
    import keras

    layers = _layers()
    sequence = keras.Input((5, 3), name="sequence")
    image = keras.Input((4, 5, 3), name="image")
    volume = keras.Input((3, 4, 2, 2), name="volume")
    outputs = [
        layers.ZeroPadding1D(name="pad1d")(sequence),
        layers.ZeroPadding1D((2, 0), name="pad1d_pair")(sequence),
        layers.ZeroPadding1D((0, 1), data_format="channels_first", name="pad1d_first")(
            sequence
        ),
        layers.ZeroPadding2D(2, name="pad2d_int")(image),
        layers.ZeroPadding2D((1, 2), name="pad2d_sym")(image),
        layers.ZeroPadding2D(((1, 0), (2, 3)), name="pad2d_pairs")(image),
        layers.ZeroPadding2D(
            ((0, 1), (1, 2)), data_format="channels_first", name="pad2d_first"
        )(image),
        layers.ZeroPadding3D(name="pad3d")(volume),
        layers.ZeroPadding3D(((1, 0), (0, 2), (1, 1)), name="pad3d_pairs")(volume),
        layers.ZeroPadding3D(
            (1, 0, 2), data_format="channels_first", name="pad3d_first"
        )(volume),
    ]
    return keras.Model([sequence, image, volume], outputs, name="zero_padding")


def cropping() -> Any:
    """Cropping in 1, 2 and 3 dimensions, crops of zero on either side, both data
    formats, and a sequence of unknown length."""
    import keras

    layers = _layers()
    sequence = keras.Input((6, 3), name="sequence")
    ragged = keras.Input((None, 3), name="ragged")
    image = keras.Input((5, 6, 3), name="image")
    volume = keras.Input((4, 5, 4, 4), name="volume")
    outputs = [
        layers.Cropping1D(name="crop1d")(sequence),
        layers.Cropping1D((2, 0), name="crop1d_start")(sequence),
        layers.Cropping1D((0, 2), name="crop1d_unknown_length")(ragged),
        layers.Cropping2D(1, name="crop2d_int")(image),
        layers.Cropping2D(((1, 0), (0, 2)), name="crop2d_pairs")(image),
        layers.Cropping2D(
            ((1, 2), (0, 1)), data_format="channels_first", name="crop2d_first"
        )(image),
        layers.Cropping3D(name="crop3d")(volume),
        layers.Cropping3D(((0, 1), (2, 0), (1, 1)), name="crop3d_pairs")(volume),
        layers.Cropping3D((1, 0, 1), data_format="channels_first", name="crop3d_first")(
            volume
        ),
    ]
    return keras.Model([sequence, ragged, image, volume], outputs, name="cropping")


def up_sampling() -> Any:
    """UpSampling in 1, 2 and 3 dimensions, nearest and bilinear, both data
    formats."""
    import keras

    layers = _layers()
    sequence = keras.Input((4, 3), name="sequence")
    image = keras.Input((3, 4, 2), name="image")
    volume = keras.Input((2, 3, 2, 2), name="volume")
    outputs = [
        layers.UpSampling1D(3, name="up1d")(sequence),
        layers.UpSampling2D(name="up2d")(image),
        layers.UpSampling2D((3, 2), name="up2d_sizes")(image),
        layers.UpSampling2D((2, 3), data_format="channels_first", name="up2d_first")(
            image
        ),
        layers.UpSampling2D((2, 3), interpolation="bilinear", name="bilinear")(image),
        layers.UpSampling2D(
            (3, 2),
            interpolation="bilinear",
            data_format="channels_first",
            name="bilinear_first",
        )(image),
        layers.UpSampling3D(name="up3d")(volume),
        layers.UpSampling3D((1, 3, 2), name="up3d_sizes")(volume),
        layers.UpSampling3D((2, 1, 3), data_format="channels_first", name="up3d_first")(
            volume
        ),
    ]
    return keras.Model([sequence, image, volume], outputs, name="up_sampling")


def shuffling() -> Any:
    """Permute of rank-3 and rank-4 tensors, RepeatVector, and a chain of
    structural layers feeding a Dense layer."""
    import keras

    layers = _layers()
    sequence = keras.Input((3, 4), name="sequence")
    image = keras.Input((2, 3, 4), name="image")
    features = keras.Input((5,), name="features")
    chain = layers.ZeroPadding2D(((1, 0), (0, 1)))(image)
    chain = layers.UpSampling2D((2, 1), interpolation="bilinear")(chain)
    chain = layers.Cropping2D(((1, 2), (1, 0)))(chain)
    chain = layers.Permute((3, 1, 2))(chain)
    chain = layers.Dense(2, bias_initializer="random_normal")(chain)
    outputs = [
        layers.Permute((2, 1), name="swap")(sequence),
        layers.Permute((3, 1, 2), name="channels_first")(image),
        layers.Permute((2, 3, 1), name="rotate")(image),
        layers.Permute((1, 2, 3), name="unchanged")(image),
        layers.RepeatVector(3, name="repeat")(features),
        chain,
    ]
    return keras.Model([sequence, image, features], outputs, name="shuffling")


MODELS: dict[str, Callable[[], Any]] = {
    "zero_padding": padding,
    "cropping": cropping,
    "up_sampling": up_sampling,
    "shuffling": shuffling,
}
