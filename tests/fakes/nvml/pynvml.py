"""A fake of nvidia-ml-py's `pynvml`, for a real orgd on a machine without a GPU.

Put this folder first on PYTHONPATH and `FAKE_NVML_GPUS` at a JSON file: a list of GPUs,
each `{"name", "uuid", "memory_total", "memory_used" (bytes), "util", "temp", "power" (mW),
"lost"}`; a reading given as null is one the GPU does not support. The file is read on every
call, so a test changes the GPUs (loses one) while orgd runs. Only the calls and errors
`orgtui/scheduler/devices.py` uses are here, with the real module's names and behaviour.
"""

from __future__ import annotations

import json
import os
from types import SimpleNamespace
from typing import Any

NVML_TEMPERATURE_GPU = 0
nvmlMemory_v2 = 0x02000028  # the real module's value: sizeof(c_nvmlMemory_v2_t) | 2 << 24


class NVMLError(Exception):
    pass


class NVMLError_NotSupported(NVMLError):  # noqa: N801 - pynvml's names
    pass


class NVMLError_NoData(NVMLError):  # noqa: N801
    pass


class NVMLError_GpuIsLost(NVMLError):  # noqa: N801
    pass


class NVMLError_LibraryNotFound(NVMLError):  # noqa: N801
    pass


def _gpus() -> list[dict[str, Any]]:
    path = os.environ.get("FAKE_NVML_GPUS")
    if not path:
        raise NVMLError_LibraryNotFound("NVML Shared Library Not Found")
    with open(path) as f:
        return json.load(f)


def _reading(handle: int, key: str) -> Any:
    gpu = _gpus()[handle]
    if gpu.get("lost"):
        raise NVMLError_GpuIsLost("GPU is lost")
    value = gpu.get(key)
    if value is None:
        raise NVMLError_NotSupported("Not Supported")
    return value


def nvmlInit() -> None:  # noqa: N802
    _gpus()


def nvmlDeviceGetCount() -> int:  # noqa: N802
    return len(_gpus())


def nvmlDeviceGetHandleByIndex(index: int) -> int:  # noqa: N802
    return index


def nvmlDeviceGetName(handle: int) -> str:  # noqa: N802
    return _reading(handle, "name")


def nvmlDeviceGetUUID(handle: int) -> str:  # noqa: N802
    return _reading(handle, "uuid")


def nvmlDeviceGetMemoryInfo(handle: int, version: int | None = None) -> SimpleNamespace:  # noqa: N802
    if version != nvmlMemory_v2:
        raise NVMLError("the fake answers only the v2 call")
    total = _reading(handle, "memory_total")
    used = _reading(handle, "memory_used")
    return SimpleNamespace(total=total, used=used, free=total - used, reserved=0, version=version)


def nvmlDeviceGetUtilizationRates(handle: int) -> SimpleNamespace:  # noqa: N802
    return SimpleNamespace(gpu=_reading(handle, "util"), memory=0)


def nvmlDeviceGetTemperature(handle: int, sensor: int) -> int:  # noqa: N802
    return _reading(handle, "temp")


def nvmlDeviceGetPowerUsage(handle: int) -> int:  # noqa: N802
    return _reading(handle, "power")
