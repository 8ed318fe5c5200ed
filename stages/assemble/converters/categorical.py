"""The preprocessing layers of structured data: ``Discretization`` (numbers to bin
indices), ``IntegerLookup`` (ids to vocabulary indices) and ``CategoryEncoding``
(category indices to one-hot, multi-hot or count vectors)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter
from stages.console import AirlockError


@converter("Discretization")
def convert_discretization(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Discretization``; config keys ``bin_boundaries`` and
    ``output_mode`` (``int``, ``one_hot``, ``multi_hot``, ``count``).

    The bin of ``x`` is the number of boundaries that are not greater than it, as
    ``numpy.digitize`` counts: ``x < b`` for each boundary, negated and summed.
    NaN lands in the last bin, as in TensorFlow. Integer inputs are compared as
    float32.
    """
    x = inputs[0]
    if x.dtype not in ("float16", "float32", "float64"):
        x = builder.cast(x, "float32")
    boundaries = np.asarray(layer.config["bin_boundaries"], dtype=x.dtype)
    below = builder.op1(
        "Less",
        [_column(x.name, builder), builder.initializer(boundaries, "bin_boundaries")],
    )
    not_below = builder.op1("Not", [below])
    passed = builder.op1("Cast", [not_below], to=builder.dtype_code("int64"))
    indices = Tensor(
        builder.reduce("ReduceSum", passed, [-1], keepdims=False),
        "int64",
        x.shape,
    )
    mode = layer.config["output_mode"]
    if mode == "int":
        return [layer.output(builder.cast(indices, layer.output_dtypes[0]).name)]
    return [layer.output(_encode(layer, indices, len(boundaries) + 1, builder))]


@converter("CategoryEncoding")
def convert_category_encoding(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``CategoryEncoding``; config keys ``num_tokens`` and ``output_mode``
    (``one_hot``, ``multi_hot``, ``count``). A token outside ``[0, num_tokens)``
    sets no position, as in TensorFlow."""
    ids = builder.cast(inputs[0], "int64")
    return [layer.output(_encode(layer, ids, layer.config["num_tokens"], builder))]


@converter("IntegerLookup")
def convert_integer_lookup(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``IntegerLookup``; config keys ``num_oov_indices``, ``mask_token`` and
    ``output_mode`` (``int``, ``one_hot``, ``multi_hot``, ``count``), and the
    ``vocabulary`` array the extract stage stores.

    Keras's indices put the mask token first (index 0, when there is one), then
    the out-of-vocabulary indices, then the vocabulary. An id in the vocabulary
    gets its position after those; any other id ``floormod(id, num_oov_indices)``
    after the mask, as Keras hashes it.
    """
    vocabulary = weights["vocabulary"].astype(np.int64)
    if vocabulary.size == 0:
        raise AirlockError(
            f"layer {layer.name!r} (IntegerLookup): the vocabulary is empty; adapt "
            "the layer or give it a vocabulary"
        )
    oov, mask = layer.config["num_oov_indices"], layer.config["mask_token"]
    reserved = oov + (0 if mask is None else 1)
    ids = builder.cast(inputs[0], "int64")
    found = builder.op1(
        "Equal",
        [_column(ids.name, builder), builder.initializer(vocabulary, "vocabulary")],
    )
    # float32: onnxruntime before 1.18 has no ArgMax on integers.
    hits = builder.op1("Cast", [found], to=builder.dtype_code("float32"))
    position = builder.op1("ArgMax", [hits], axis=-1, keepdims=0)
    known = builder.reduce("ReduceMax", hits, [-1], keepdims=False)
    in_vocabulary = builder.op1("Add", [position, builder.scalar(reserved, "int64")])
    hashed = builder.op1("Mod", [ids.name, builder.scalar(oov, "int64")])
    if mask is not None:
        hashed = builder.op1("Add", [hashed, builder.scalar(1, "int64")])
    is_known = builder.op1("Cast", [known], to=builder.dtype_code("bool"))
    index = builder.op1("Where", [is_known, in_vocabulary, hashed])
    if mask is not None:
        is_mask = builder.op1("Equal", [ids.name, builder.scalar(mask, "int64")])
        index = builder.op1("Where", [is_mask, builder.scalar(0, "int64"), index])
    indices = Tensor(index, "int64", ids.shape)
    if layer.config["output_mode"] == "int":
        return [layer.output(builder.cast(indices, layer.output_dtypes[0]).name)]
    depth = len(vocabulary) + reserved
    return [layer.output(_encode(layer, indices, depth, builder))]


def _encode(layer: Layer, ids: Tensor, depth: int, builder: GraphBuilder) -> str:
    """``ids`` (int64, Keras order) encoded as Keras's ``output_mode`` does.

    ``one_hot`` adds an axis of ``depth`` (replacing a last axis of size 1);
    ``multi_hot`` and ``count`` take ``(batch, tokens)`` and give ``(batch,
    depth)``, the most or the sum of each sample's one-hot rows.
    """
    mode = layer.config["output_mode"]
    value = ids.name
    if mode == "one_hot" and ids.rank > 1 and ids.shape[-1] == 1:
        value = builder.op1("Squeeze", [value, builder.int64s([-1], "axes")])
    elif mode != "one_hot" and ids.rank != 2:
        raise AirlockError(
            f"layer {layer.name!r} ({layer.kind}): output_mode={mode!r} on an input "
            f"of rank {ids.rank} is not supported; Keras encodes (batch, tokens) "
            "inputs per sample (give the input a shape of (tokens,))"
        )
    tokens = builder.initializer(np.arange(depth, dtype=np.int64), "tokens")
    equal = builder.op1("Equal", [_column(value, builder), tokens])
    hot = builder.op1("Cast", [equal], to=builder.dtype_code(layer.output_dtypes[0]))
    if mode == "one_hot":
        return hot
    reduction = "ReduceMax" if mode == "multi_hot" else "ReduceSum"
    return builder.reduce(reduction, hot, [1], keepdims=False)


def _column(value: str, builder: GraphBuilder) -> str:
    """``value`` with a last axis of size 1, to compare against a row of
    constants (boundaries, a vocabulary, the tokens)."""
    return builder.op1("Unsqueeze", [value, builder.int64s([-1], "axes")])
