"""The layers keras.applications defines itself, against numpy versions of their
``call``, in Keras order and channels-first."""

from __future__ import annotations

import numpy as np
import pytest
from layouts import CHANNELS_FIRST, convert

from stages.console import AirlockError

# float32 evaluation against float64 formulas: a few units in the last place.
RTOL = 1e-5
ATOL = 1e-6
OPSETS = (13, 17, 28)
SHAPE = (2, 3, 4, 5)


def _random(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape).astype(np.float32) for shape in shapes]


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("perm", [None, CHANNELS_FIRST[4]])
def test_layer_scale_scales_each_channel(perm: tuple[int, ...], opset: int) -> None:
    x, gamma = _random(SHAPE, (5,))

    result = convert(
        "LayerScale",
        {"projection_dim": 5},
        [x],
        SHAPE,
        opset,
        [perm],
        weights={"variable": gamma},
    )

    assert result.perm == perm
    assert result.count("Transpose") == (0 if perm is None else 1)
    np.testing.assert_allclose(
        result.value, x.astype(np.float64) * gamma, rtol=RTOL, atol=ATOL
    )


def test_layer_scale_of_another_width_names_the_layer() -> None:
    x, gamma = _random(SHAPE, (4,))

    with pytest.raises(AirlockError, match=r"layer 'layer' \(LayerScale\).*\[4\]"):
        convert(
            "LayerScale", {"projection_dim": 4}, [x], SHAPE, 17, weights={"g": gamma}
        )


@pytest.mark.parametrize("perm", [None, CHANNELS_FIRST[4]])
def test_stochastic_depth_passes_data_through(perm: tuple[int, ...]) -> None:
    (x,) = _random(SHAPE)

    result = convert("StochasticDepth", {}, [x], SHAPE, 17, [perm])

    assert result.count("Transpose") == (0 if perm is None else 1)
    np.testing.assert_array_equal(result.value, x)


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize(
    "perms", [(None, None), (CHANNELS_FIRST[4],) * 2, (CHANNELS_FIRST[4], None)]
)
def test_custom_scale_adds_the_scaled_residual(
    perms: tuple[tuple[int, ...] | None, ...], opset: int
) -> None:
    shortcut, residual = _random(SHAPE, SHAPE)

    result = convert(
        "CustomScaleLayer", {"scale": 0.17}, [shortcut, residual], SHAPE, opset, perms
    )

    assert result.perm == perms[0]
    expected = shortcut.astype(np.float64) + residual.astype(np.float64) * 0.17
    np.testing.assert_allclose(result.value, expected, rtol=RTOL, atol=ATOL)
