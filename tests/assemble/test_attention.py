"""Attention layers against numpy versions of Keras's formulas."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from onnx.reference import ReferenceEvaluator

from stages import compat, interchange
from stages.assemble.model import assemble
from stages.interchange import Interchange

RTOL = 1e-5
ATOL = 1e-5
OPSETS = (compat.MIN_OPSET, compat.DEFAULT_OPSET, compat.MAX_OPSET)

BATCH, STEPS, SOURCES = 2, 4, 5


def _layer_graph(
    kind: str,
    config: dict[str, Any],
    inputs: dict[str, tuple[list[int | None], str]],
    output_shape: list[int | None],
    weights: dict[str, np.ndarray],
) -> Interchange:
    """An interchange file holding one layer that reads every input, in order."""
    members = {role: interchange.weight_member("layer", role) for role in weights}
    description = interchange.make_description(
        inputs=[
            {"name": name, "dtype": dtype, "shape": shape}
            for name, (shape, dtype) in inputs.items()
        ],
        layers=[
            {
                "name": "layer",
                "kind": kind,
                "config": config,
                "inputs": list(inputs),
                "outputs": ["layer"],
                "output_shapes": [output_shape],
                "output_dtypes": ["float32"],
                "weights": members,
            }
        ],
        outputs=[
            {"name": "y", "tensor": "layer", "dtype": "float32", "shape": output_shape}
        ],
        samples={"inputs": {}, "outputs": {}},
        provenance={"source": "layer.keras"},
    )
    return Interchange(
        description=description,
        weights={members[role]: array for role, array in weights.items()},
        sample_inputs={},
        sample_outputs={},
    )


def _run(data: Interchange, opset: int, feeds: dict[str, np.ndarray]) -> np.ndarray:
    (y,) = ReferenceEvaluator(assemble(data, opset, {})).run(None, feeds)
    return np.asarray(y)


def _random(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _causal(steps: int, sources: int) -> np.ndarray:
    return np.arange(steps)[:, None] >= np.arange(sources)[None, :]


def _mha_weights(
    dims: dict[str, int],
    heads: int,
    key_dim: int,
    value_dim: int,
    bias: bool,
    gate: bool,
) -> dict[str, np.ndarray]:
    sizes = {"query": key_dim, "key": key_dim, "value": value_dim}
    if gate:
        sizes["gate"] = value_dim
    weights = {}
    for seed, (name, size) in enumerate(sizes.items()):
        source = dims["query" if name == "gate" else name]
        weights[f"{name}/kernel"] = _random((source, heads, size), seed)
        if bias:
            weights[f"{name}/bias"] = _random((heads, size), seed + 10)
    weights["attention_output/kernel"] = _random((heads, value_dim, dims["query"]), 20)
    if bias:
        weights["attention_output/bias"] = _random((dims["query"],), 21)
    return weights


def _keras_mha(
    tensors: dict[str, np.ndarray],
    weights: dict[str, np.ndarray],
    key_dim: int,
    mask: np.ndarray | None,
) -> np.ndarray:
    """Keras's MultiHeadAttention with its einsum equations, in float64."""

    def project(name: str, x: np.ndarray) -> np.ndarray:
        y = np.einsum("abc,cde->abde", x, weights[f"{name}/kernel"].astype(np.float64))
        return y + weights.get(f"{name}/bias", 0.0)

    query = tensors["query"].astype(np.float64)
    q = project("query", query)
    k = project("key", tensors.get("key", tensors["value"]).astype(np.float64))
    v = project("value", tensors["value"].astype(np.float64))
    logits = np.einsum("aecd,abcd->acbe", k, q) / np.sqrt(key_dim)
    if mask is not None:
        logits = np.where(mask[:, None], logits, -1e30)
    attended = np.einsum("acbe,aecd->abcd", _softmax(logits), v)
    if "gate/kernel" in weights:
        attended = attended / (1.0 + np.exp(-project("gate", query)))
    output = np.einsum(
        "abcd,cde->abe", attended, weights["attention_output/kernel"].astype(np.float64)
    )
    return output + weights.get("attention_output/bias", 0.0)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(
    ("roles", "use_bias", "use_gate", "causal"),
    [
        (["query", "value"], True, False, False),
        (["query", "value", "key"], False, False, False),
        (["query", "value", "key", "attention_mask"], True, False, False),
        (["query", "value", "attention_mask"], True, True, True),
        (["query", "value"], False, True, True),
    ],
)
def test_multi_head_attention_matches_keras(
    roles: list[str], use_bias: bool, use_gate: bool, causal: bool, opset: int
) -> None:
    dims = {"query": 6, "value": 3, "key": 4 if "key" in roles else 3}
    heads, key_dim, value_dim = 2, 3, 5
    weights = _mha_weights(dims, heads, key_dim, value_dim, use_bias, use_gate)
    tensors = {
        "query": _random((BATCH, STEPS, 6), 30),
        "value": _random((BATCH, SOURCES, 3), 31),
        "key": _random((BATCH, SOURCES, 4), 32),
        "attention_mask": np.random.default_rng(33).random((BATCH, STEPS, SOURCES))
        < 0.7,
    }
    feeds = {role: tensors[role] for role in roles}
    config = {
        "inputs": roles,
        "num_heads": heads,
        "key_dim": key_dim,
        "value_dim": value_dim,
        "use_bias": use_bias,
        "use_gate": use_gate,
        "output_shape": None,
        "use_causal_mask": causal,
    }
    inputs = {
        role: ([None, *array.shape[1:]], str(array.dtype))
        for role, array in feeds.items()
    }
    data = _layer_graph("MultiHeadAttention", config, inputs, [None, STEPS, 6], weights)

    y = _run(data, opset, feeds)

    mask = feeds.get("attention_mask")
    if causal:
        lower = _causal(STEPS, SOURCES)[None]
        mask = lower if mask is None else mask & lower
    expected = _keras_mha(feeds, weights, key_dim, mask)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


def test_multi_head_attention_float_mask_keeps_non_zero_positions() -> None:
    weights = _mha_weights({"query": 6, "value": 6, "key": 6}, 1, 2, 2, True, False)
    mask = (np.random.default_rng(3).random((BATCH, STEPS, STEPS)) < 0.6).astype(
        np.float32
    ) * 2.0
    feeds = {"query": _random((BATCH, STEPS, 6), 1), "attention_mask": mask}
    config = _mha_config(["query", "value", "attention_mask"], causal=False)
    inputs = {
        "query": ([None, STEPS, 6], "float32"),
        "attention_mask": ([None, STEPS, STEPS], "float32"),
    }
    data = _layer_graph("MultiHeadAttention", config, inputs, [None, STEPS, 6], weights)
    data.description["layers"][0]["inputs"] = ["query", "query", "attention_mask"]

    y = _run(data, 17, feeds)

    tensors = {"query": feeds["query"], "value": feeds["query"]}
    expected = _keras_mha(tensors, weights, 2, mask != 0)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


def _mha_config(roles: list[str], causal: bool, heads: int = 1) -> dict[str, Any]:
    return {
        "inputs": roles,
        "num_heads": heads,
        "key_dim": 2,
        "value_dim": 2,
        "use_bias": True,
        "use_gate": False,
        "output_shape": None,
        "use_causal_mask": causal,
    }


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, compat.MAX_OPSET])
def test_causal_mask_of_unknown_lengths_comes_from_the_shapes(opset: int) -> None:
    weights = _mha_weights({"query": 6, "value": 6, "key": 6}, 2, 2, 2, True, False)
    feeds = {
        "query": _random((BATCH, STEPS, 6), 1),
        "value": _random((BATCH, SOURCES, 6), 2),
    }
    inputs = {
        "query": ([None, None, 6], "float32"),
        "value": ([None, None, 6], "float32"),
    }
    config = _mha_config(["query", "value"], causal=True, heads=2)
    data = _layer_graph("MultiHeadAttention", config, inputs, [None, None, 6], weights)

    y = _run(data, opset, feeds)

    expected = _keras_mha(feeds, weights, 2, _causal(STEPS, SOURCES)[None])
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset", [compat.MIN_OPSET, compat.MAX_OPSET])
def test_value_and_key_masks_hide_value_positions(opset: int) -> None:
    weights = _mha_weights({"query": 6, "value": 6, "key": 6}, 1, 2, 2, True, False)
    rng = np.random.default_rng(8)
    feeds = {
        "query": _random((BATCH, STEPS, 6), 1),
        "value": _random((BATCH, SOURCES, 6), 2),
        "value_mask": rng.random((BATCH, SOURCES)) < 0.7,
        "key_mask": (rng.random((BATCH, SOURCES)) < 0.8).astype(np.float32),
        "attention_mask": rng.random((BATCH, STEPS, SOURCES)) < 0.8,
    }
    inputs = {
        role: ([None, *array.shape[1:]], str(array.dtype))
        for role, array in feeds.items()
    }
    config = _mha_config(list(feeds), causal=True)
    data = _layer_graph("MultiHeadAttention", config, inputs, [None, STEPS, 6], weights)

    y = _run(data, opset, feeds)

    mask = (
        feeds["value_mask"][:, None]
        & (feeds["key_mask"][:, None] != 0)
        & feeds["attention_mask"]
        & _causal(STEPS, SOURCES)[None]
    )
    expected = _keras_mha(feeds, weights, 2, mask)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


def _keras_scores(
    kind: str,
    query: np.ndarray,
    key: np.ndarray,
    weights: dict[str, np.ndarray],
    score_mode: str,
) -> np.ndarray:
    q, k = query.astype(np.float64), key.astype(np.float64)
    if kind == "Attention" and score_mode == "dot":
        return (q @ np.swapaxes(k, -1, -2)) * weights.get("scale", 1.0)
    pairs = q[..., :, None, :] + k[..., None, :, :]
    if kind == "AdditiveAttention":
        return np.sum(weights.get("scale", 1.0) * np.tanh(pairs), axis=-1)
    summed = np.sum(np.tanh(weights.get("scale", 1.0) * pairs), axis=-1)
    return weights["concat_score_weight"] * summed


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("masks", [(), ("query_mask", "value_mask"), ("value_mask",)])
@pytest.mark.parametrize(
    ("kind", "score_mode", "use_scale", "with_key", "causal"),
    [
        ("Attention", "dot", False, False, False),
        ("Attention", "dot", True, True, False),
        ("Attention", "concat", False, True, True),
        ("Attention", "concat", True, False, False),
        ("Attention", "dot", True, False, True),
        ("AdditiveAttention", None, True, True, False),
        ("AdditiveAttention", None, False, False, True),
    ],
)
def test_attention_layers_match_keras(
    kind: str,
    score_mode: str | None,
    use_scale: bool,
    with_key: bool,
    causal: bool,
    masks: tuple[str, ...],
    opset: int,
) -> None:
    dim = 3
    rng = np.random.default_rng(44)
    feeds = {
        "query": _random((BATCH, STEPS, dim), 40),
        "value": _random((BATCH, SOURCES, dim), 41),
    }
    if with_key:
        feeds["key"] = _random((BATCH, SOURCES, dim), 42)
    if "query_mask" in masks:
        feeds["query_mask"] = rng.random((BATCH, STEPS)) < 0.7
    if "value_mask" in masks:
        # Keras requires a kept position in every row; the first one serves the
        # causal mask too.
        value_mask = rng.random((BATCH, SOURCES)) < 0.7
        value_mask[:, 0] = True
        feeds["value_mask"] = value_mask.astype(np.float32)
    weights: dict[str, np.ndarray] = {}
    if use_scale:
        shape = (dim,) if kind == "AdditiveAttention" else ()
        weights["scale"] = _random(shape, 43)
    if score_mode == "concat":
        weights["concat_score_weight"] = np.array(0.7, np.float32)
    config: dict[str, Any] = {
        "inputs": list(feeds),
        "use_scale": use_scale,
        "use_causal_mask": causal,
    }
    if kind == "Attention":
        config["score_mode"] = score_mode
    inputs = {role: ([None, *a.shape[1:]], str(a.dtype)) for role, a in feeds.items()}
    data = _layer_graph(kind, config, inputs, [None, STEPS, dim], weights)

    y = _run(data, opset, feeds)

    key = feeds.get("key", feeds["value"])
    scores = _keras_scores(kind, feeds["query"], key, weights, score_mode or "")
    keep = np.ones(scores.shape, bool)
    if causal:
        keep = keep & _causal(STEPS, SOURCES)
    if "value_mask" in feeds:
        keep = keep & (feeds["value_mask"][:, None] != 0)
    scores = np.where(keep, scores, scores - 1e9)
    expected = _softmax(scores) @ feeds["value"].astype(np.float64)
    if "query_mask" in feeds:
        expected = np.where(feeds["query_mask"][..., None], expected, 0.0)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)
