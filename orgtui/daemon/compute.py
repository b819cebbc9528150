"""A job's compute, as the ledger records it: what the harness measured beside what the job
reported about itself.

Pure: a job's parsed metrics, its wrapper's status and its wall time in, the ledger's compute
columns out. The wall time and the device time (wall time times the devices the job held) are
measured; the tokens, FLOPs and parameter count are the job's own (`total_tokens`, `flops`,
`num_params`); the peak memory is the larger of the two figures known: the wrapper's
`max_rss_mb` (host memory, measured) and the job's `peak_mem_mb` (on a GPU, device memory,
which is larger and wins). A figure of 0 or none reported leaves the measured one standing:
nanochat on a CPU prints `Peak memory usage: 0.00MiB`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

COLUMNS = ("wall_seconds", "device_seconds", "tokens", "flops", "params", "peak_mem_mb")
"""The ledger's compute columns, the keys of `job_compute`'s answer."""


def _positive(value: object) -> float | None:
    """A memory figure worth keeping: a finite number above zero (else None)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def peak_memory(measured: object, reported: object) -> float | None:
    """The larger of the measured and the reported peak memory (MiB); None when neither is
    known (a 0 is not known: it is what a job prints that did not measure)."""
    known = [v for v in (_positive(measured), _positive(reported)) if v is not None]
    return max(known) if known else None


def job_compute(
    metrics: Mapping[str, float], status: Mapping[str, Any] | None, wall: float, devices: int
) -> dict[str, float | None]:
    """The ledger's compute columns for a job that ran `wall` seconds on `devices` devices,
    from its parsed `metrics` and its wrapper's `status` (None: its wrapper said nothing)."""
    measured = None if status is None else status.get("max_rss_mb")
    return {
        "wall_seconds": round(wall, 3),
        "device_seconds": round(wall * devices, 3),
        "tokens": metrics.get("total_tokens"),
        "flops": metrics.get("flops"),
        "params": metrics.get("num_params"),
        "peak_mem_mb": peak_memory(measured, metrics.get("peak_mem_mb")),
    }
