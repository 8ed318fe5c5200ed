"""Attention layers, decomposed into MatMul, Softmax and element-wise nodes.

The normalized config names the role of each input under ``inputs`` (``query``,
``value``, ``key``, ``attention_mask``); ``key`` defaults to ``value``. A causal mask
needs the query and value lengths to be known when the model is saved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter
from stages.console import AirlockError

#: What TensorFlow writes over masked attention logits (``-0.7 * 3.38953e38``).
MASKED_LOGIT = -0.7 * 3.38953e38
#: What Keras's ``Attention`` subtracts from masked scores.
MASKED_SCORE_SHIFT = 1.0e9


def _by_role(layer: Layer, inputs: Sequence[Tensor]) -> dict[str, Tensor]:
    tensors = dict(zip(layer.config["inputs"], inputs, strict=True))
    tensors.setdefault("key", tensors["value"])
    return tensors


def _causal(layer: Layer, query: Tensor, value: Tensor, rank: int) -> np.ndarray:
    """Keras's causal mask, ``query position >= value position``, shaped to
    broadcast against scores of ``rank`` whose last two axes are ``(Tq, Tv)``."""
    steps, sources = query.shape[-2], value.shape[-2]
    if steps is None or sources is None:
        raise AirlockError(
            f"layer {layer.name!r}: use_causal_mask=True needs fixed query and value "
            f"lengths; received {steps} and {sources}"
        )
    mask = np.arange(steps)[:, None] >= np.arange(sources)[None, :]
    return mask.reshape((1,) * (rank - 2) + mask.shape)


def _heads(
    builder: GraphBuilder,
    x: Tensor,
    weights: Mapping[str, np.ndarray],
    name: str,
    use_bias: bool,
) -> str:
    """The EinsumDense projection ``name`` of a rank-3 ``x``: ``(B, T, N * H)``."""
    kernel = weights[f"{name}/kernel"]
    flat = kernel.reshape(kernel.shape[0], -1)
    value = builder.op1("MatMul", [x.name, builder.initializer(flat, f"{name}_kernel")])
    if use_bias:
        bias = weights[f"{name}/bias"].reshape(-1)
        value = builder.op1("Add", [value, builder.initializer(bias, f"{name}_bias")])
    return value


def _split_heads(builder: GraphBuilder, value: str, heads: int, perm: list[int]) -> str:
    """``(B, T, N * H)`` to ``(B, N, T, H)`` (or another ``perm`` of B, T, N, H)."""
    shaped = builder.op1("Reshape", [value, builder.int64s([0, 0, heads, -1], "heads")])
    return builder.op1("Transpose", [shaped], perm=perm)


@converter("MultiHeadAttention")
def convert_multi_head_attention(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``MultiHeadAttention`` on rank-3 inputs with the default attention axis;
    config keys ``inputs`` (roles: ``query``, ``value``, ``key``,
    ``attention_mask``), ``num_heads``, ``key_dim``, ``use_bias``, ``use_gate``,
    ``output_shape``, ``use_causal_mask``; weights ``query/kernel``, ``key/kernel``,
    ``value/kernel``, ``attention_output/kernel`` (and ``gate/kernel``), each with
    its ``bias`` when ``use_bias``.

    As TensorFlow computes it: the projections, ``softmax(q k^T / sqrt(key_dim))``
    per head with masked logits replaced by a large negative number, the weighted
    sum of the values, the (gated) output projection.
    """
    config = layer.config
    tensors = _by_role(layer, inputs)
    query, key, value = tensors["query"], tensors["key"], tensors["value"]
    if any(t.rank != 3 for t in (query, key, value)):
        raise AirlockError(
            f"layer {layer.name!r}: MultiHeadAttention is converted for rank-3 "
            f"query, key and value; received ranks {query.rank}, {key.rank}, "
            f"{value.rank}"
        )
    heads, use_bias = config["num_heads"], config["use_bias"]

    q = _split_heads(
        builder, _heads(builder, query, weights, "query", use_bias), heads, [0, 2, 1, 3]
    )
    k = _split_heads(
        builder, _heads(builder, key, weights, "key", use_bias), heads, [0, 2, 3, 1]
    )
    v = _split_heads(
        builder, _heads(builder, value, weights, "value", use_bias), heads, [0, 2, 1, 3]
    )
    logits = builder.op1("MatMul", [q, k])
    scale = 1.0 / math.sqrt(float(config["key_dim"]))
    logits = builder.op1("Mul", [logits, builder.scalar(scale, query.dtype, "scale")])

    mask = _attention_mask(layer, builder, tensors)
    if mask is not None:
        negative = builder.scalar(MASKED_LOGIT, query.dtype, "masked")
        logits = builder.op1("Where", [mask, logits, negative])
    probabilities = builder.op1("Softmax", [logits], axis=3)

    attended = builder.op1("MatMul", [probabilities, v])
    merged = builder.op1(
        "Reshape",
        [
            builder.op1("Transpose", [attended], perm=[0, 2, 1, 3]),
            builder.int64s([0, 0, -1], "merged"),
        ],
    )
    if config["use_gate"]:
        gate = builder.op1(
            "Sigmoid", [_heads(builder, query, weights, "gate", use_bias)]
        )
        merged = builder.op1("Mul", [merged, gate])

    kernel = weights["attention_output/kernel"]
    flat = kernel.reshape(-1, int(np.prod(kernel.shape[2:])))
    output = builder.op1("MatMul", [merged, builder.initializer(flat, "output_kernel")])
    if use_bias:
        bias = weights["attention_output/bias"].reshape(-1)
        output = builder.op1("Add", [output, builder.initializer(bias, "output_bias")])
    if len(kernel.shape) > 3:
        shape = builder.int64s([0, 0, *kernel.shape[2:]], "output_shape")
        output = builder.op1("Reshape", [output, shape])
    return [layer.output(output)]


def _attention_mask(
    layer: Layer, builder: GraphBuilder, tensors: Mapping[str, Tensor]
) -> str | None:
    """The boolean ``(B or 1, 1, T, S)`` mask of a MultiHeadAttention, or None:
    the ``attention_mask`` input (non-zero is kept), and the causal mask."""
    masks = []
    given = tensors.get("attention_mask")
    if given is not None:
        if given.rank != 3:
            raise AirlockError(
                f"layer {layer.name!r}: attention_mask of rank {given.rank} is not "
                "supported; pass a (batch, query, value) mask"
            )
        boolean = given.name
        if given.dtype != "bool":
            zero = builder.scalar(0, given.dtype, "zero")
            boolean = builder.op1("Not", [builder.op1("Equal", [given.name, zero])])
        masks.append(builder.op1("Unsqueeze", [boolean, builder.int64s([1], "axes")]))
    if layer.config["use_causal_mask"]:
        causal = _causal(layer, tensors["query"], tensors["value"], 4)
        masks.append(builder.initializer(causal, "causal_mask"))
    if not masks:
        return None
    if len(masks) == 2:
        return builder.op1("And", masks)
    return masks[0]


def _apply_scores(
    layer: Layer, builder: GraphBuilder, scores: str, tensors: Mapping[str, Tensor]
) -> list[Tensor]:
    """``softmax(scores) @ value`` as Keras's ``Attention._apply_scores``, with the
    causal mask subtracting 1e9 from the masked scores."""
    query, value = tensors["query"], tensors["value"]
    if layer.config["use_causal_mask"]:
        mask = builder.initializer(
            _causal(layer, query, value, query.rank), "causal_mask"
        )
        shift = builder.scalar(MASKED_SCORE_SHIFT, query.dtype, "shift")
        shifted = builder.op1("Sub", [scores, shift])
        scores = builder.op1("Where", [mask, scores, shifted])
    weights = builder.op1("Softmax", [scores], axis=query.rank - 1)
    return [layer.output(builder.op1("MatMul", [weights, value.name]))]


def _pairwise_sum(builder: GraphBuilder, query: Tensor, key: Tensor) -> str:
    """``query[..., :, None, :] + key[..., None, :, :]``: ``(..., Tq, Tv, dim)``."""
    rank = query.rank
    q = builder.op1("Unsqueeze", [query.name, builder.int64s([rank - 1], "axes")])
    k = builder.op1("Unsqueeze", [key.name, builder.int64s([rank - 2], "axes")])
    return builder.op1("Add", [q, k])


@converter("Attention")
def convert_attention(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Attention`` (Luong); config keys ``inputs`` (roles ``query``,
    ``value``, ``key``), ``score_mode`` (``dot`` or ``concat``), ``use_scale``,
    ``use_causal_mask``; weights ``scale`` and ``concat_score_weight``.

    ``dot``: ``scores = query @ key^T`` (times ``scale``). ``concat``:
    ``scores = concat_score_weight * sum(tanh(scale * (query + key)), -1)`` over
    every query/key pair.
    """
    config = layer.config
    tensors = _by_role(layer, inputs)
    query, key = tensors["query"], tensors["key"]
    scale = weights.get("scale") if config["use_scale"] else None

    if config["score_mode"] == "dot":
        order = [*range(key.rank - 2), key.rank - 1, key.rank - 2]
        transposed = builder.op1("Transpose", [key.name], perm=order)
        scores = builder.op1("MatMul", [query.name, transposed])
        if scale is not None:
            scores = builder.op1("Mul", [scores, builder.initializer(scale, "scale")])
        return _apply_scores(layer, builder, scores, tensors)

    pairs = _pairwise_sum(builder, query, key)
    if scale is not None:
        pairs = builder.op1("Mul", [pairs, builder.initializer(scale, "scale")])
    summed = builder.reduce("ReduceSum", builder.op1("Tanh", [pairs]), [-1], False)
    weight = builder.initializer(weights["concat_score_weight"], "concat_score_weight")
    scores = builder.op1("Mul", [summed, weight])
    return _apply_scores(layer, builder, scores, tensors)


@converter("AdditiveAttention")
def convert_additive_attention(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``AdditiveAttention`` (Bahdanau); config keys ``inputs`` (roles
    ``query``, ``value``, ``key``), ``use_scale``, ``use_causal_mask``; weight
    ``scale`` (one per feature).

    ``scores = sum(scale * tanh(query + key), -1)`` over every query/key pair.
    """
    tensors = _by_role(layer, inputs)
    pairs = builder.op1(
        "Tanh", [_pairwise_sum(builder, tensors["query"], tensors["key"])]
    )
    if layer.config["use_scale"]:
        pairs = builder.op1(
            "Mul", [pairs, builder.initializer(weights["scale"], "scale")]
        )
    scores = builder.reduce("ReduceSum", pairs, [-1], False)
    return _apply_scores(layer, builder, scores, tensors)
