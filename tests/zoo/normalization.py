"""Zoo models for the normalization layers.

Every weight is random, the moving statistics of BatchNormalization too (variances
positive), so that no term can vanish unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _random(**extra: Any) -> dict[str, Any]:
    """Random gamma and beta (and whatever else is named)."""
    return {
        "gamma_initializer": "random_normal",
        "beta_initializer": "random_normal",
        **extra,
    }


def _statistics() -> dict[str, Any]:
    import keras

    return _random(
        moving_mean_initializer="random_normal",
        moving_variance_initializer=keras.initializers.RandomUniform(0.2, 3.0),
    )


def batch_normalization() -> Any:
    """BatchNormalization on a rank-2 input (the ONNX operator), on the last axis of
    a rank-4 input and on a middle axis (Mul and Add), on axis 1 of a rank-3 input
    (the operator again), and without gamma or beta."""
    import keras

    layers = keras.layers
    flat = keras.Input((6,), name="features")
    image = keras.Input((3, 4, 5), name="image")
    outputs = [
        layers.BatchNormalization(name="bn_rank2", **_statistics())(flat),
        layers.BatchNormalization(name="bn_last", **_statistics())(image),
        layers.BatchNormalization(
            axis=2, epsilon=0.01, name="bn_middle", **_statistics()
        )(image),
        layers.BatchNormalization(
            axis=1, center=False, name="bn_axis1_no_center", **_statistics()
        )(layers.Reshape((3, 20))(image)),
        layers.BatchNormalization(scale=False, name="bn_no_scale", **_statistics())(
            image
        ),
        layers.BatchNormalization(
            center=False, scale=False, name="bn_plain", **_statistics()
        )(flat),
    ]
    return keras.Model([flat, image], outputs, name="batch_normalization")


def layer_normalization() -> Any:
    """LayerNormalization over the last axis, two trailing axes, a middle axis (never
    the ONNX operator), without centre or scale, and with ``rms_scaling``."""
    import keras

    layers = keras.layers
    inputs = keras.Input((4, 5, 6), name="x")
    hidden = layers.Dense(6, bias_initializer="random_normal")(inputs)
    outputs = [
        layers.LayerNormalization(name="ln_last", **_random())(hidden),
        layers.LayerNormalization(
            axis=[2, 3], epsilon=1e-5, name="ln_trailing", **_random()
        )(hidden),
        layers.LayerNormalization(axis=1, name="ln_middle", **_random())(hidden),
        layers.LayerNormalization(axis=[1, 3], name="ln_split", **_random())(hidden),
        layers.LayerNormalization(center=False, name="ln_no_center", **_random())(
            hidden
        ),
        layers.LayerNormalization(
            center=False, scale=False, name="ln_plain", **_random()
        )(hidden),
        layers.LayerNormalization(rms_scaling=True, name="ln_rms", **_random())(hidden),
    ]
    return keras.Model(inputs, outputs, name="layer_normalization")


def group_normalization() -> Any:
    """GroupNormalization with several groups, one per channel (-1), one group, on a
    middle axis, without centre or scale, on rank-3 and rank-4 inputs."""
    import keras

    layers = keras.layers
    image = keras.Input((3, 4, 8), name="image")
    sequence = keras.Input((5, 6), name="sequence")
    outputs = [
        layers.GroupNormalization(groups=4, name="gn_four", **_random())(image),
        layers.GroupNormalization(groups=-1, name="gn_instance", **_random())(image),
        layers.GroupNormalization(groups=1, epsilon=1e-5, name="gn_one", **_random())(
            image
        ),
        layers.GroupNormalization(groups=2, axis=2, name="gn_middle", **_random())(
            image
        ),
        layers.GroupNormalization(
            groups=3, center=False, name="gn_no_center", **_random()
        )(sequence),
        layers.GroupNormalization(
            groups=2, axis=1, scale=False, name="gn_no_scale", **_random()
        )(layers.Reshape((6, 5))(sequence)),
    ]
    return keras.Model([image, sequence], outputs, name="group_normalization")


def unit_normalization() -> Any:
    """UnitNormalization over the last axis, a middle axis and two axes."""
    import keras

    layers = keras.layers
    inputs = keras.Input((4, 5), name="x")
    outputs = [
        layers.UnitNormalization(name="unit_last")(inputs),
        layers.UnitNormalization(axis=1, name="unit_middle")(inputs),
        layers.UnitNormalization(axis=[1, 2], name="unit_both")(inputs),
    ]
    return keras.Model(inputs, outputs, name="unit_normalization")


MODELS: dict[str, Callable[[], Any]] = {
    "batch_normalization": batch_normalization,
    "layer_normalization": layer_normalization,
    "group_normalization": group_normalization,
    "unit_normalization": unit_normalization,
}
