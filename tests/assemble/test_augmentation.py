"""The random augmentation layers pass images through at inference, in any layout,
casting integer images to the float type they declare."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import one_layer, run
from layouts import CHANNELS_FIRST, convert

from stages.augmentation import AUGMENTATION_KINDS


@pytest.mark.parametrize("kind", AUGMENTATION_KINDS)
def test_float_images_pass_through_without_a_node(kind: str) -> None:
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 3)).astype(np.float32)

    result = convert(kind, {}, [x], x.shape, 17, [CHANNELS_FIRST[4]])

    assert result.perm == CHANNELS_FIRST[4]
    assert [node.op_type for node in result.model.graph.node] == [
        "Transpose",  # to Keras order, for the graph output
        "Identity",
    ]
    np.testing.assert_array_equal(result.value, x)


@pytest.mark.parametrize("opset", [13, 17, 28])
def test_integer_images_become_the_declared_float_type(opset: int) -> None:
    x = np.random.default_rng(0).integers(0, 256, (2, 4, 5, 3)).astype(np.uint8)
    data = one_layer("RandomFlip", {}, [None, 4, 5, 3], input_dtype="uint8")

    y = run(data, opset, x)

    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, x.astype(np.float32))
