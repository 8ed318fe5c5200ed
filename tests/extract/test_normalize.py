"""Normalized configs: the same description whatever Keras wrote."""

from __future__ import annotations

from typing import Any

import pytest

from stages.extract.normalizers import (
    UnsupportedConfigError,
    normalize,
    normalize_activation,
)


@pytest.mark.parametrize(
    ("saved", "expected"),
    [
        ("relu", "relu"),
        ("swish", "silu"),
        ("hard_swish", "hard_silu"),
        (None, "linear"),
        (
            {"module": "keras.activations", "class_name": "function", "config": "gelu"},
            "gelu",
        ),
    ],
)
def test_activation_names_are_normalized(saved: Any, expected: str) -> None:
    assert normalize_activation(saved) == expected


def test_custom_activation_object_is_unsupported() -> None:
    saved = {"module": "my_package", "class_name": "MyActivation", "config": {}}

    with pytest.raises(
        UnsupportedConfigError, match=r"activation=.*built-in activations"
    ):
        normalize_activation(saved)


def test_keras_2_and_keras_3_leaky_relu_agree() -> None:
    keras2 = normalize("LeakyReLU", {"name": "leaky", "alpha": 0.1})
    keras3 = normalize("LeakyReLU", {"name": "leaky", "negative_slope": 0.1})

    assert keras2 == keras3 == {"negative_slope": 0.1}


def test_dense_keeps_what_inference_needs() -> None:
    saved = {
        "name": "dense",
        "trainable": True,
        "dtype": "float32",
        "units": 4,
        "activation": "relu",
        "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform"},
        "kernel_regularizer": None,
        "quantization_config": None,
    }

    assert normalize("Dense", saved) == {
        "units": 4,
        "activation": "relu",
        "use_bias": True,
    }


def test_quantized_dense_is_unsupported_naming_the_key() -> None:
    with pytest.raises(UnsupportedConfigError, match="quantization_config="):
        normalize("Dense", {"units": 2, "quantization_config": {"mode": "int8"}})


@pytest.mark.parametrize(
    ("kind", "saved", "expected"),
    [
        ("Softmax", {"axis": -1}, {"axis": [-1]}),
        ("Softmax", {"axis": [1, 2]}, {"axis": [1, 2]}),
        ("ReLU", {}, {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}),
        ("PReLU", {"shared_axes": 1}, {"shared_axes": [1]}),
        ("Flatten", {"data_format": None}, {"data_format": "channels_last"}),
        ("Dropout", {"rate": 0.5, "seed": 3}, {}),
    ],
)
def test_defaults_are_filled_and_forms_unified(
    kind: str, saved: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert normalize(kind, saved) == expected


def test_unknown_kinds_keep_their_config_for_the_unsupported_report() -> None:
    saved = {"name": "conv", "trainable": True, "filters": 8, "kernel_size": [3, 3]}

    assert normalize("Mystery", saved) == {"filters": 8, "kernel_size": [3, 3]}


def test_embedding_keeps_sizes_and_mask_zero() -> None:
    saved = {
        "name": "embedding",
        "input_dim": 50,
        "output_dim": 4,
        "embeddings_initializer": {"class_name": "RandomUniform"},
        "mask_zero": True,
        "quantization_config": None,
    }

    assert normalize("Embedding", saved) == {
        "input_dim": 50,
        "output_dim": 4,
        "mask_zero": True,
    }


@pytest.mark.parametrize(
    "scale",
    [
        [0.5, 0.25],
        (0.5, 0.25),
        {"class_name": "__numpy__", "config": {"value": [0.5, 0.25]}},
    ],
)
def test_rescaling_reads_every_serialized_form_of_a_list(scale: Any) -> None:
    assert normalize("Rescaling", {"scale": scale, "offset": 1}) == {
        "scale": [0.5, 0.25],
        "offset": 1.0,
    }


def test_normalization_axis_none_keeps_no_axis() -> None:
    config = normalize("Normalization", {"axis": None, "mean": 2, "variance": 4})

    assert config == {"axis": [], "invert": False, "mean": 2.0, "variance": 4.0}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("interpolation", "lanczos3"),
        ("antialias", True),
        ("fill_mode", "reflect"),
    ],
)
def test_resizing_refuses_what_it_cannot_reproduce(key: str, value: Any) -> None:
    with pytest.raises(UnsupportedConfigError, match=rf"{key}={value!r}"):
        normalize("Resizing", {"height": 4, "width": 4, key: value})


def test_discretization_keeps_its_boundaries_and_mode() -> None:
    saved = {
        "bin_boundaries": [-1, 0.5],
        "num_bins": None,
        "epsilon": 0.01,
        "output_mode": "int",
        "sparse": False,
    }

    assert normalize("Discretization", saved) == {
        "bin_boundaries": [-1.0, 0.5],
        "output_mode": "int",
    }


@pytest.mark.parametrize(
    ("kind", "saved", "key"),
    [
        ("Discretization", {"bin_boundaries": None, "num_bins": 4}, "bin_boundaries"),
        ("Discretization", {"bin_boundaries": [1.0, 0.0]}, "bin_boundaries"),
        ("CategoryEncoding", {"num_tokens": 4, "output_mode": "int"}, "output_mode"),
        ("CategoryEncoding", {"num_tokens": 4, "sparse": True}, "sparse"),
        ("CategoryEncoding", {"num_tokens": None}, "num_tokens"),
        ("IntegerLookup", {"invert": True}, "invert"),
        ("IntegerLookup", {"num_oov_indices": 0}, "num_oov_indices"),
        ("IntegerLookup", {"output_mode": "tf_idf"}, "output_mode"),
        ("IntegerLookup", {"mask_token": 0, "output_mode": "one_hot"}, "mask_token"),
    ],
)
def test_categorical_configs_outside_the_converter_are_refused_by_key(
    kind: str, saved: dict[str, Any], key: str
) -> None:
    with pytest.raises(UnsupportedConfigError, match=key):
        normalize(kind, saved)
