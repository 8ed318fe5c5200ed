"""Batch-1 latency of an onnxruntime session."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["measure_latency"]

WARMUP_RUNS = 10
MAX_RUNS = 200
MAX_SECONDS = 2.0


def measure_latency(session: Any, inputs: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Median and 90th percentile of single-row inference times, in milliseconds.

    The first row of every input is run ``WARMUP_RUNS`` times untimed, then up to
    ``MAX_RUNS`` times or for ``MAX_SECONDS``, whichever ends first.
    """
    feed = {name: np.ascontiguousarray(array[:1]) for name, array in inputs.items()}
    for _ in range(WARMUP_RUNS):
        session.run(None, feed)

    timings: list[float] = []
    deadline = time.perf_counter() + MAX_SECONDS
    while len(timings) < MAX_RUNS and time.perf_counter() < deadline:
        start = time.perf_counter()
        session.run(None, feed)
        timings.append((time.perf_counter() - start) * 1000.0)
    return {
        "batch": 1,
        "runs": len(timings),
        "median_ms": float(np.median(timings)),
        "p90_ms": float(np.percentile(timings, 90)),
    }
