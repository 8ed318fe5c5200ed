"""The graph builder that converters write ONNX nodes through.

Names are derived from layer names (``<layer>/<OpType>``, with a counter only when a
layer emits the same operator twice), and nodes and initializers are kept in the
order they were made, so the same description always gives the same graph. The
builder knows the target opset and offers helpers for the operators whose signature
changed between opsets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from stages.assemble.layout import Perm, compose, is_identity, physical_axis

__all__ = ["GraphBuilder", "Tensor"]


@dataclass(frozen=True)
class Tensor:
    """A value in the graph with the shape and dtype Keras gives it.

    ``shape`` is always in Keras order; ``perm`` says how the value is laid out
    physically (see :mod:`stages.assemble.layout`), ``None`` for Keras order.
    """

    name: str
    dtype: str
    shape: tuple[int | None, ...]
    perm: Perm | None = None

    @property
    def rank(self) -> int:
        return len(self.shape)

    def axis(self, keras_axis: int) -> int:
        """The physical position of Keras axis ``keras_axis``."""
        return physical_axis(self.perm, keras_axis, self.rank)

    def like(self, name: str) -> Tensor:
        """A tensor of the same shape, dtype and layout named ``name``."""
        return Tensor(name, self.dtype, self.shape, self.perm)


class GraphBuilder:
    """Collects the nodes and initializers of one ONNX graph."""

    def __init__(self, opset: int) -> None:
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: set[str] = set()
        self._scope = "graph"
        self._transposed: dict[tuple[str, Perm | None], str] = {}
        self._constants: dict[tuple[str, tuple[int, ...], bytes], str] = {}

    def reserve(self, name: str) -> None:
        """Mark a graph input name as taken."""
        self._names.add(name)

    def scope(self, layer_name: str) -> None:
        """Name what follows after ``layer_name``."""
        self._scope = layer_name

    def unique(self, hint: str) -> str:
        """A new value or node name in the current scope."""
        base = f"{self._scope}/{hint}"
        name, counter = base, 1
        while name in self._names:
            counter += 1
            name = f"{base}_{counter}"
        self._names.add(name)
        return name

    def op(
        self,
        op_type: str,
        inputs: Sequence[str],
        outputs: int = 1,
        **attributes: Any,
    ) -> list[str]:
        """Add a node of the default domain; return its output names."""
        node_name = self.unique(op_type)
        names = (
            [node_name]
            if outputs == 1
            else [f"{node_name}:{index}" for index in range(outputs)]
        )
        self._names.update(names)
        self.nodes.append(
            helper.make_node(op_type, list(inputs), names, name=node_name, **attributes)
        )
        return names

    def op1(self, op_type: str, inputs: Sequence[str], **attributes: Any) -> str:
        """Add a node with one output; return its name."""
        return self.op(op_type, inputs, **attributes)[0]

    def initializer(self, array: np.ndarray, hint: str) -> str:
        """Add a constant tensor; return its name.

        Equal constants are stored once: a layer called several times (shared
        weights) and repeated scalars reuse the first initializer.
        """
        array = np.ascontiguousarray(array)
        key = (array.dtype.str, array.shape, hashlib.sha256(array.tobytes()).digest())
        if key not in self._constants:
            name = self.unique(hint)
            self.initializers.append(numpy_helper.from_array(array, name))
            self._constants[key] = name
        return self._constants[key]

    def scalar(self, value: float, dtype: str, hint: str = "const") -> str:
        """A scalar constant of ``dtype``."""
        return self.initializer(np.array(value, dtype=dtype), hint)

    def int64s(self, values: Sequence[int], hint: str) -> str:
        """A 1-D int64 constant, for shapes and axes."""
        return self.initializer(np.array(list(values), dtype=np.int64), hint)

    def in_layout(self, tensor: Tensor, perm: Perm | None) -> str:
        """``tensor`` as a value laid out as ``perm`` (``None``: Keras order).

        One Transpose per tensor and layout, shared by every layer that asks.
        """
        current = None if is_identity(tensor.perm) else tensor.perm
        wanted = None if is_identity(perm) else perm
        if current == wanted:
            return tensor.name
        key = (tensor.name, wanted)
        if key not in self._transposed:
            order = compose(current, wanted, tensor.rank)
            self._transposed[key] = self.op1(
                "Transpose", [tensor.name], perm=list(order)
            )
        return self._transposed[key]

    def cast(self, tensor: Tensor, dtype: str) -> Tensor:
        """``tensor`` as ``dtype``, in its layout; no node when it already is."""
        if tensor.dtype == dtype:
            return tensor
        name = self.op1("Cast", [tensor.name], to=self.dtype_code(dtype))
        return Tensor(name, dtype, tensor.shape, tensor.perm)

    @staticmethod
    def dtype_code(dtype: str) -> int:
        """The ONNX element type of numpy ``dtype``, as ``Cast`` takes it."""
        return int(helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))

    def keras(self, tensor: Tensor) -> Tensor:
        """``tensor`` in Keras order."""
        return Tensor(self.in_layout(tensor, None), tensor.dtype, tensor.shape)

    def reduce(
        self, op_type: str, data: str, axes: Sequence[int], keepdims: bool = True
    ) -> str:
        """A Reduce* node; axes move from an attribute to an input at opset 18
        (ReduceSum at 13)."""
        axes_as_input = self.opset >= 18 or op_type == "ReduceSum"
        if axes_as_input:
            return self.op1(
                op_type,
                [data, self.int64s(axes, "axes")],
                keepdims=int(keepdims),
            )
        return self.op1(op_type, [data], axes=list(axes), keepdims=int(keepdims))
