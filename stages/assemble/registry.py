"""The converter registry: one converter per Keras layer kind.

A converter is registered with :func:`converter` and has one signature::

    def convert(layer: Layer, weights: Mapping[str, np.ndarray],
                inputs: Sequence[Tensor], builder: GraphBuilder) -> list[Tensor]

It receives the layer record, its weights by role, the tensors the layer reads and
the builder that knows the target opset, and returns the tensors the layer writes.
Registering a kind twice, or a function with another signature, is an error.

By default a converter receives its inputs in Keras order (``layout="keras"``). A
converter registered with ``layout="any"`` receives them as they are laid out in the
graph (see :mod:`stages.assemble.layout`) and must honour each tensor's ``perm``:
element-wise layers keep their input's layout, convolutions ask for channels-first.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.layout import Perm

__all__ = [
    "Converter",
    "Layer",
    "accepts_any_layout",
    "converter",
    "lookup",
    "supported_kinds",
]


@dataclass(frozen=True)
class Layer:
    """One layer record of the interchange description."""

    name: str
    kind: str
    config: Mapping[str, Any]
    output_shapes: tuple[tuple[int | None, ...], ...]
    output_dtypes: tuple[str, ...]

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Layer:
        return cls(
            name=record["name"],
            kind=record["kind"],
            config=record["config"],
            output_shapes=tuple(tuple(s) for s in record["output_shapes"]),
            output_dtypes=tuple(record["output_dtypes"]),
        )

    def output(self, name: str, index: int = 0, perm: Perm | None = None) -> Tensor:
        """The value ``name`` as the layer's ``index``-th output, shaped as Keras
        says, laid out as ``perm``."""
        return Tensor(name, self.output_dtypes[index], self.output_shapes[index], perm)


Converter = Callable[
    [Layer, Mapping[str, np.ndarray], Sequence[Tensor], GraphBuilder], list[Tensor]
]

_SIGNATURE = ("layer", "weights", "inputs", "builder")
_REGISTRY: dict[str, Converter] = {}
_LAYOUTS: dict[str, str] = {}


def converter(*kinds: str, layout: str = "keras") -> Callable[[Converter], Converter]:
    """Register the decorated function as the converter of ``kinds``; ``layout`` is
    ``"keras"`` (inputs arrive in Keras order) or ``"any"``."""
    if layout not in ("keras", "any"):
        raise ValueError(f"layout={layout!r}; expected 'keras' or 'any'")

    def register(function: Converter) -> Converter:
        parameters = tuple(inspect.signature(function).parameters)
        if parameters != _SIGNATURE:
            raise TypeError(
                f"converter {function.__qualname__} takes {parameters}; "
                f"converters take {_SIGNATURE}"
            )
        for kind in kinds:
            if kind in _REGISTRY:
                raise ValueError(
                    f"layer kind {kind!r} is registered twice: by "
                    f"{_REGISTRY[kind].__module__} and {function.__module__}"
                )
            _REGISTRY[kind] = function
            _LAYOUTS[kind] = layout
        return function

    return register


def lookup(kind: str) -> Converter | None:
    """The converter of ``kind``, or None."""
    return _REGISTRY.get(kind)


def accepts_any_layout(kind: str) -> bool:
    """Whether the converter of ``kind`` handles inputs in any physical layout."""
    return _LAYOUTS.get(kind) == "any"


def supported_kinds() -> dict[str, str]:
    """Every registered kind with the module (family) that converts it, sorted."""
    return {
        kind: _REGISTRY[kind].__module__.rsplit(".", 1)[-1]
        for kind in sorted(_REGISTRY)
    }
