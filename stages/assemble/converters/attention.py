"""Attention layers, decomposed into MatMul, Softmax and element-wise nodes.

The normalized config names the role of each input under ``inputs`` (``query``,
``value``, ``key`` and masks); ``key`` defaults to ``value``. A mask input keeps the
positions where it is non-zero (or true), as Keras casts it to bool.
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


def _causal(builder: GraphBuilder, query: Tensor, value: Tensor) -> str:
    """Keras's causal mask ``(Tq, Tv)``: query position >= value position.

    A constant when both lengths are known, otherwise built from the input shapes.
    It broadcasts against scores whose last two axes are ``(Tq, Tv)``.
    """
    steps, sources = query.shape[-2], value.shape[-2]
    if steps is not None and sources is not None:
        mask = np.arange(steps)[:, None] >= np.arange(sources)[None, :]
        return builder.initializer(mask, "causal_mask")

    def positions(tensor: Tensor) -> str:
        shape = builder.op1("Shape", [tensor.name])
        index = builder.initializer(np.array(tensor.rank - 2, np.int64), "length")
        length = builder.op1("Gather", [shape, index])
        start = builder.initializer(np.array(0, np.int64), "start")
        step = builder.initializer(np.array(1, np.int64), "step")
        return builder.op1("Range", [start, length, step])

    rows = builder.op1("Unsqueeze", [positions(query), builder.int64s([1], "axes")])
    return builder.op1("GreaterOrEqual", [rows, positions(value)])


def _boolean(builder: GraphBuilder, mask: Tensor) -> str:
    """A mask input as bool: non-zero is true."""
    if mask.dtype == "bool":
        return mask.name
    zero = builder.scalar(0, mask.dtype, "zero")
    return builder.op1("Not", [builder.op1("Equal", [mask.name, zero])])


def _all(builder: GraphBuilder, masks: Sequence[str]) -> str | None:
    """The logical and of ``masks`` (broadcast), or None for none."""
    if not masks:
        return None
    combined = masks[0]
    for mask in masks[1:]:
        combined = builder.op1("And", [combined, mask])
    return combined


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
    ``attention_mask``, ``value_mask``, ``key_mask``, and ``query_mask``, which
    Keras ignores in favour of the query's own Keras mask, and so does the
    converter), ``num_heads``, ``key_dim``, ``use_bias``, ``use_gate``,
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
    """The boolean mask of a MultiHeadAttention's logits ``(B, N, T, S)``, or None.

    As Keras's ``_compute_attention_mask``: ``value_mask`` and ``key_mask``
    ``(B, S)`` become ``(B, 1, S)``, the ``attention_mask`` is ``(B, T, S)``, the
    causal mask ``(T, S)``; all are and-ed, and a heads axis is inserted.
    """
    masks = []
    for role in ("value_mask", "key_mask"):
        if role in tensors:
            expanded = builder.int64s([1], "axes")
            boolean = _boolean(builder, tensors[role])
            masks.append(builder.op1("Unsqueeze", [boolean, expanded]))
    given = tensors.get("attention_mask")
    if given is not None:
        if given.rank != 3:
            raise AirlockError(
                f"layer {layer.name!r}: attention_mask of rank {given.rank} is not "
                "supported; pass a (batch, query, value) mask"
            )
        masks.append(_boolean(builder, given))
    if layer.config["use_causal_mask"]:
        masks.append(_causal(builder, tensors["query"], tensors["value"]))
    combined = _all(builder, masks)
    if combined is None or (len(masks) == 1 and layer.config["use_causal_mask"]):
        return combined  # the causal (T, S) mask alone broadcasts as it is
    return builder.op1("Unsqueeze", [combined, builder.int64s([1], "heads_axis")])


def _apply_scores(
    layer: Layer, builder: GraphBuilder, scores: str, tensors: Mapping[str, Tensor]
) -> list[Tensor]:
    """``softmax(scores) @ value`` as Keras's ``Attention._apply_scores``: scores
    where the value mask (``(B, Tv)``, as ``(B, 1, Tv)``) or the causal mask is
    false lose 1e9, and output rows where the query mask is false are zero."""
    query, value = tensors["query"], tensors["value"]
    masks = []
    if "value_mask" in tensors:
        boolean = _boolean(builder, tensors["value_mask"])
        axis = builder.int64s([tensors["value_mask"].rank - 1], "axes")
        masks.append(builder.op1("Unsqueeze", [boolean, axis]))
    if layer.config["use_causal_mask"]:
        masks.append(_causal(builder, query, value))
    mask = _all(builder, masks)
    if mask is not None:
        shift = builder.scalar(MASKED_SCORE_SHIFT, query.dtype, "shift")
        shifted = builder.op1("Sub", [scores, shift])
        scores = builder.op1("Where", [mask, scores, shifted])

    weights = builder.op1("Softmax", [scores], axis=query.rank - 1)
    output = builder.op1("MatMul", [weights, value.name])
    if "query_mask" in tensors:
        boolean = _boolean(builder, tensors["query_mask"])
        axis = builder.int64s([tensors["query_mask"].rank], "axes")
        keep = builder.op1("Unsqueeze", [boolean, axis])
        zero = builder.scalar(0.0, query.dtype, "zero")
        output = builder.op1("Where", [keep, output, zero])
    return [layer.output(output)]


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
    ``value``, ``key``, ``query_mask``, ``value_mask``), ``score_mode`` (``dot``
    or ``concat``), ``use_scale``, ``use_causal_mask``; weights ``scale`` and
    ``concat_score_weight``.

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
    ``query``, ``value``, ``key``, ``query_mask``, ``value_mask``), ``use_scale``,
    ``use_causal_mask``; weight ``scale`` (one per feature).

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
