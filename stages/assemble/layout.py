"""Physical layouts: where each Keras axis of a tensor sits in the ONNX graph.

Keras is channels-last, ONNX convolution and pooling are channels-first. A tensor in
the graph carries ``perm``, with ``physical = numpy.transpose(keras_order, perm)``;
``None`` means the Keras order. Converters that work in any layout keep the layout
of their input, so a run of convolutions, normalizations and activations needs no
Transpose between its layers; the builder converts only where a layer needs another
order (graph outputs, Flatten, Dense ...).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "Perm",
    "channels_first",
    "compose",
    "inverse",
    "is_identity",
    "physical_axis",
]

Perm = tuple[int, ...]


def channels_first(rank: int) -> Perm:
    """The perm that moves the last (channel) axis of a Keras tensor to axis 1."""
    return (0, rank - 1, *range(1, rank - 1))


def inverse(perm: Sequence[int]) -> Perm:
    """The perm that undoes ``perm``."""
    result = [0] * len(perm)
    for position, axis in enumerate(perm):
        result[axis] = position
    return tuple(result)


def compose(current: Perm | None, target: Perm | None, rank: int) -> Perm:
    """The Transpose perm from layout ``current`` to layout ``target``."""
    now = current or tuple(range(rank))
    wanted = target or tuple(range(rank))
    return tuple(now.index(axis) for axis in wanted)


def is_identity(perm: Sequence[int] | None) -> bool:
    return perm is None or tuple(perm) == tuple(range(len(perm)))


def physical_axis(perm: Perm | None, keras_axis: int, rank: int) -> int:
    """Where Keras axis ``keras_axis`` (negative counts from the end) sits."""
    axis = keras_axis % rank
    return axis if perm is None else perm.index(axis)
