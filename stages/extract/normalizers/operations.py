"""Normalizers: element-wise Keras operations on one tensor, written outside any
layer in a functional model."""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import Config, normalizer
from stages.operations import UNARY_OPERATIONS


@normalizer(*UNARY_OPERATIONS)
def _unary(config: Config) -> dict[str, Any]:
    # An operation's config holds its name only.
    return {}
