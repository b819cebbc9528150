"""Device discovery and telemetry with pynvml patched (no GPU here): no library, no GPU,
readings a GPU does not support, a GPU lost; and CPU slots."""

from __future__ import annotations

from types import SimpleNamespace

import pynvml
import pytest

from orgtui.scheduler import devices
from orgtui.scheduler.devices import DeviceError, cpu_slots, discover, sample


class FakeGpus:
    """pynvml's device calls over a list of fake GPUs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, gpus: list[dict]) -> None:
        self.gpus = gpus
        for name in ("nvmlInit", "nvmlDeviceGetCount", "nvmlDeviceGetHandleByIndex",
                     "nvmlDeviceGetName", "nvmlDeviceGetUUID", "nvmlDeviceGetMemoryInfo",
                     "nvmlDeviceGetUtilizationRates", "nvmlDeviceGetTemperature",
                     "nvmlDeviceGetPowerUsage"):  # fmt: skip
            monkeypatch.setattr(pynvml, name, getattr(self, name))

    def nvmlInit(self) -> None:
        pass

    def nvmlDeviceGetCount(self) -> int:
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, i: int) -> int:
        return i

    def _get(self, h: int, key: str):
        value = self.gpus[h][key]
        if isinstance(value, Exception):
            raise value
        return value

    def nvmlDeviceGetName(self, h: int) -> bytes:
        return self._get(h, "name").encode()

    def nvmlDeviceGetUUID(self, h: int) -> str:
        return f"GPU-{h:04d}"

    def nvmlDeviceGetMemoryInfo(self, h: int, version=None):
        assert version == pynvml.nvmlMemory_v2  # the v2 call
        return self._get(h, "memory")

    def nvmlDeviceGetUtilizationRates(self, h: int):
        return self._get(h, "util")

    def nvmlDeviceGetTemperature(self, h: int, sensor: int) -> int:
        return self._get(h, "temp")

    def nvmlDeviceGetPowerUsage(self, h: int) -> int:
        return self._get(h, "power")


def gpu(**over) -> dict:
    base = {"name": "NVIDIA H100", "memory": SimpleNamespace(total=80 * 2**30, used=2**30),
            "util": SimpleNamespace(gpu=37), "temp": 61, "power": 312_500}  # fmt: skip
    return {**base, **over}


def test_gpus_with_their_telemetry(monkeypatch) -> None:
    FakeGpus(monkeypatch, [gpu(), gpu(name="NVIDIA A100")])
    found, why = discover("auto", 2)
    assert [d.id for d in found] == ["gpu0", "gpu1"] and "2 GPUs" in why
    d = found[0]
    assert (d.name, d.uuid, d.memory_total_mb, d.memory_used_mb) == (
        "NVIDIA H100",
        "GPU-0000",
        81920,
        1024,
    )
    assert (d.utilization, d.temperature, d.power_w) == (37, 61, 312.5)
    assert found[1].name == "NVIDIA A100"
    assert "handle" not in d.to_json() and d.to_json()["uuid"] == "GPU-0000"


def test_unsupported_readings_are_na(monkeypatch) -> None:
    na = pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)
    FakeGpus(
        monkeypatch, [gpu(power=na, temp=na, util=pynvml.NVMLError(pynvml.NVML_ERROR_NO_DATA))]
    )
    (d,), _ = discover("auto", 2)
    assert d.power_w is None and d.temperature is None and d.utilization is None
    assert d.memory_used_mb == 1024 and not d.lost


def test_a_lost_gpu_leaves_the_pool(monkeypatch) -> None:
    fake = FakeGpus(monkeypatch, [gpu(), gpu()])
    found, _ = discover("auto", 2)
    fake.gpus[1]["memory"] = pynvml.NVMLError(pynvml.NVML_ERROR_GPU_IS_LOST)
    assert sample(found) == [found[1]]
    assert found[1].lost and not found[0].lost
    assert sample(found) == []  # reported once


def test_no_library_or_no_gpu_means_cpu_slots(monkeypatch) -> None:
    def missing() -> None:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)

    monkeypatch.setattr(pynvml, "nvmlInit", missing)
    found, why = discover("auto", 3)
    assert [d.id for d in found] == ["cpu0", "cpu1", "cpu2"] and "no NVML" in why
    FakeGpus(monkeypatch, [])
    found, why = discover("auto", 2)
    assert [d.kind for d in found] == ["cpu", "cpu"] and "sees no GPU" in why
    monkeypatch.setattr(devices, "pynvml", None)
    assert discover("auto", 1)[0][0].kind == "cpu"


def test_cpu_forced_and_gpus_picked_by_index_or_uuid(monkeypatch) -> None:
    FakeGpus(monkeypatch, [gpu(), gpu(), gpu()])
    assert [d.kind for d in discover("cpu", 2)[0]] == ["cpu", "cpu"]
    picked, _ = discover(("2", "GPU-0000"), 2)
    assert [d.id for d in picked] == ["gpu2", "gpu0"]
    with pytest.raises(DeviceError, match="no GPU '7'"):
        discover(("7",), 2)


def test_cpu_slots_split_the_cores() -> None:
    slots = cpu_slots(2, cores=[0, 1, 2, 3])
    assert [s.cores for s in slots] == [(0, 1), (2, 3)]
    assert [s.cores for s in cpu_slots(3, cores=[0, 1])] == [(0,), (1,), (0,)]
