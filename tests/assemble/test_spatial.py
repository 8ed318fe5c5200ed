"""Layout permutations and TensorFlow's SAME padding."""

from __future__ import annotations

import numpy as np
import pytest

from stages.assemble.layout import channels_first, compose, inverse, physical_axis
from stages.assemble.spatial import same_pads


@pytest.mark.parametrize("rank", [3, 4, 5])
def test_channels_first_moves_the_last_axis_to_one(rank: int) -> None:
    keras_order = np.zeros(tuple(range(2, rank + 2)))

    physical = np.transpose(keras_order, channels_first(rank))

    assert physical.shape == (2, rank + 1, *range(3, rank + 1))


def test_compose_and_inverse_undo_each_other() -> None:
    x = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    perm = channels_first(4)
    physical = np.transpose(x, perm)

    back = np.transpose(physical, compose(perm, None, 4))

    np.testing.assert_array_equal(back, x)
    assert compose(perm, None, 4) == inverse(perm)
    assert physical_axis(perm, -1, 4) == 1


@pytest.mark.parametrize(
    ("sizes", "kernel", "strides", "dilations", "pads"),
    [
        ([5], [3], [1], [1], [1, 1]),
        ([6], [3], [2], [1], [0, 1]),
        ([7, 8], [3, 2], [2, 3], [1, 1], [1, 0, 1, 0]),
        ([9], [3], [1], [2], [2, 2]),
        ([4], [1], [2], [1], [0, 0]),
    ],
)
def test_same_pads_put_odd_padding_at_the_end(
    sizes: list[int],
    kernel: list[int],
    strides: list[int],
    dilations: list[int],
    pads: list[int],
) -> None:
    assert same_pads(sizes, kernel, strides, dilations) == pads


def test_same_pads_need_static_sizes() -> None:
    assert same_pads([None, 4], [3, 3], [1, 1], [1, 1]) is None
