"""Embedding: a lookup of rows of a weight matrix by integer id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from onnx import TensorProto

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.registry import Layer, converter

#: The index types ONNX Gather takes; Keras casts any other type to int32.
_INDEX_DTYPES = ("int32", "int64")


@converter("Embedding")
def convert_embedding(
    layer: Layer,
    weights: Mapping[str, np.ndarray],
    inputs: Sequence[Tensor],
    builder: GraphBuilder,
) -> list[Tensor]:
    """Keras ``Embedding`` on ids of any rank and dtype; weight ``embeddings``,
    config keys ``input_dim``, ``output_dim``, ``mask_zero``.

    Ids of another type than int32 or int64 are cast to int32 first, as Keras
    does (a float id is truncated towards zero). A negative id ``-k`` reads row
    ``input_dim - k`` in both Keras and ONNX Gather. An id outside
    ``[-input_dim, input_dim)`` is an error in both: TensorFlow on CPU raises
    ``InvalidArgumentError`` and onnxruntime's Gather fails the run.

    ``mask_zero=True`` leaves the output as it is; the mask Keras attaches for
    later layers is not carried by the ONNX graph, so a model whose later layers
    consume the mask (recurrent or attention layers, for instance) computes as
    if the mask were absent.
    """
    ids = inputs[0]
    indices = ids.name
    if ids.dtype not in _INDEX_DTYPES:
        indices = builder.op1("Cast", [indices], to=TensorProto.INT32)
    table = weights["embeddings"].astype(layer.output_dtypes[0], copy=False)
    values = builder.initializer(table, "embeddings")
    return [layer.output(builder.op1("Gather", [values, indices], axis=0))]
