"""The cost of one CPU-slot telemetry sample, beside the GPU sampler's (issue 17, item 7).

    .venv/bin/python bench/cpu_telemetry.py [--samples 200] [--extra 300]

orgd samples its devices once a tick (1 s). With 2 and with 16 CPU slots each held by a job
(a process group of three: a shell and two sleeping children), it times
`CpuTelemetry.sample` (one pass over /proc, each slot's processes summed), then again with
--extra more processes on the machine (the pass grows with the machine's processes, not the
slots). The anchor: `devices.sample` over 1 and 8 GPUs, through NVML where a GPU answers,
else through tests/fakes/nvml (one JSON read per reading: a stand-in, said so in its line).
Each figure: the median and p95 of --samples samples, in ms, and the share of one core
that sampling once a second takes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FAKE_NVML = ROOT / "tests" / "fakes" / "nvml"


def real_nvml() -> bool:
    """Whether NVML answers with at least one GPU here (else the fake is put first)."""
    try:
        import pynvml

        pynvml.nvmlInit()
        return bool(pynvml.nvmlDeviceGetCount())
    except Exception:
        sys.modules.pop("pynvml", None)
        sys.path.insert(0, str(FAKE_NVML))
        return False


REAL = real_nvml()

from orgtui.scheduler import devices as devs  # noqa: E402
from orgtui.scheduler.cpu_telemetry import CpuTelemetry  # noqa: E402


def timed(work: Callable[[], object], samples: int) -> tuple[float, float]:
    """The median and p95 of `samples` runs of `work`, in ms."""
    work()  # warm
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def line(what: str, figures: tuple[float, float]) -> None:
    median, p95 = figures
    print(f"  {what:44} median {median:7.3f} ms  p95 {p95:7.3f} ms  "
          f"{median / 10:6.3f}% of a core at 1/s")  # fmt: skip


def jobs(n: int) -> list[subprocess.Popen[bytes]]:
    """`n` jobs, each a shell leading its own process group, with two children."""
    return [subprocess.Popen(["sh", "-c", "sleep 600 & sleep 600; wait"],
                             start_new_session=True) for _ in range(n)]  # fmt: skip


def cpu_figures(slots: int, samples: int) -> tuple[float, float]:
    held = jobs(slots)
    try:
        time.sleep(0.2)  # each job's child started
        devices = devs.cpu_slots(slots, cores=list(range(slots)))
        telemetry = CpuTelemetry()
        by_job = {d.id: i for i, d in enumerate(devices)}
        figures = timed(lambda: telemetry.sample(devices, by_job, lambda i: held[i].pid), samples)
        assert all(d.memory_used_mb for d in devices), "a slot's job was not found"
        return figures
    finally:
        stop(held)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        os.killpg(p.pid, 9)
    for p in procs:
        p.wait()


def gpu_figures(count: int, samples: int, folder: Path) -> tuple[tuple[float, float], int]:
    """The figures for up to `count` GPUs, and how many there were."""
    if not REAL:
        gpu = {"name": "fake", "uuid": "GPU-fake", "memory_total": 80 * 2**30,
               "memory_used": 2**30, "util": 50, "temp": 40, "power": 70_000, "lost": False}  # fmt: skip
        state = folder / f"gpus{count}.json"
        state.write_text(json.dumps([{**gpu, "uuid": f"GPU-fake-{i}"} for i in range(count)]))
        os.environ["FAKE_NVML_GPUS"] = str(state)
    found, _ = devs.discover("auto", 1)
    gpus = [d for d in found if d.kind == "gpu"][:count]
    return timed(lambda: devs.sample(gpus), samples), len(gpus)


def processes() -> int:
    return sum(name.isdigit() for name in os.listdir("/proc"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--extra", type=int, default=300, help="more processes, for scale")
    args = parser.parse_args()
    print(f"One telemetry sample (orgd takes one a tick, 1 s); {os.cpu_count()} CPUs")
    print(f"CPU slots, each held by a job of 3 processes ({processes()} processes here):")
    for slots in (2, 16):
        line(f"{slots} slots", cpu_figures(slots, args.samples))
    extra = jobs(args.extra // 3)
    try:
        time.sleep(0.5)
        print(f"with {args.extra} more processes ({processes()} in all):")
        for slots in (2, 16):
            line(f"{slots} slots", cpu_figures(slots, args.samples))
    finally:
        stop(extra)
    source = "NVML" if REAL else "tests/fakes/nvml, not a driver: a stand-in"
    print(f"Anchor: the GPU sampler ({source}):")
    with tempfile.TemporaryDirectory() as folder:
        for count in (1, 8):
            figures, n = gpu_figures(count, args.samples, Path(folder))
            line(f"{n} GPU{'s' if n != 1 else ''}", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
