"""A real orgd on GPUs that NVML reports, the NVML library faked (tests/fakes/nvml: no GPU
here): discovery and telemetry in `status`, a job's CUDA_VISIBLE_DEVICES naming the UUID of
the GPU it holds, and a GPU that NVML reports lost mid-job: its job ends `lost`, it leaves
the pool, and the next job runs on the GPU that is left."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import agent_toml, org_toml, wait_for
from tests.integration.test_jobs import ended, show, submit

FAKE = Path(__file__).resolve().parent.parent / "fakes" / "nvml"

ORG = org_toml(
    "gpus",
    agent_toml("a"),
    agent_toml("b"),
    """
    [scheduler]
    mode = "pool"
    notify = false
    time_budget = "1m"
    max_time = "2m"
    grace = "1s"
    """,
)


def gpu(i: int, **over) -> dict:
    return {"name": "NVIDIA H100 80GB HBM3", "uuid": f"GPU-{i}a2b3c4d-fake", "lost": False,
            "memory_total": 80 * 2**30, "memory_used": (10 + i) * 2**30, "util": 40 + i,
            "temp": 50 + i, "power": 300_000 + i, **over}  # fmt: skip


def test_jobs_on_nvml_gpus_and_a_gpu_lost_mid_job(write_org, orgtui, tmp_path):
    state = tmp_path / "nvml.json"
    gpus = [gpu(0), gpu(1, power=None)]  # gpu1 does not report its power
    state.write_text(json.dumps(gpus))
    orgtui.env.update(PYTHONPATH=str(FAKE), FAKE_NVML_GPUS=str(state))
    orgtui("up", str(write_org(ORG)))
    sched = orgtui.status()["scheduler"]
    assert sched["devices_from"] == "2 GPUs from NVML"
    first, second = sched["devices"]
    assert (first["id"], first["kind"], first["uuid"]) == ("gpu0", "gpu", "GPU-0a2b3c4d-fake")
    assert first["name"] == "NVIDIA H100 80GB HBM3" and first["memory_total_mb"] == 80 * 1024
    assert (first["memory_used_mb"], first["utilization"], first["power_w"]) == (10240, 40, 300)
    assert second["power_w"] is None and second["temperature"] == 51  # n/a, the rest read

    # Each job sees exactly the GPU it holds, by UUID.
    show_env = ["--", "sh", "-c", 'echo "cuda=[$CUDA_VISIBLE_DEVICES] order=$CUDA_DEVICE_ORDER"']
    jobs = [submit(orgtui, "--agent", agent, *show_env)["id"] for agent in "ab"]
    for job in map(lambda j: ended(orgtui, j), jobs):
        assert job["state"] == "ok"
        uuid = {"gpu0": gpus[0]["uuid"], "gpu1": gpus[1]["uuid"]}[job["device"]]
        assert f"cuda=[{uuid}] order=PCI_BUS_ID" in Path(job["log"]).read_text()

    # gpu1 is lost while a job runs on it: the job ends lost, gpu1 takes no more jobs.
    held = [submit(orgtui, "--agent", a, "--", "sleep", "60")["id"] for a in "ab"]
    wait_for(lambda: all(show(orgtui, j)["state"] == "running" for j in held))
    on_gpu1 = next(j for j in held if show(orgtui, j)["device"] == "gpu1")
    on_gpu0 = next(j for j in held if j != on_gpu1)
    gpus[1]["lost"] = True
    state.write_text(json.dumps(gpus))
    lost = ended(orgtui, on_gpu1)
    assert lost["state"] == "lost" and lost["reason"] == "GPU gpu1 lost"
    devices = {d["id"]: d for d in orgtui.status()["scheduler"]["devices"]}
    assert devices["gpu1"]["lost"] is True and devices["gpu1"]["job"] is None
    assert show(orgtui, on_gpu0)["state"] == "running"  # the other GPU's job goes on
    after = submit(orgtui, "--agent", "b", *show_env)["id"]
    orgtui("job", "cancel", str(on_gpu0))
    done = ended(orgtui, after)
    assert done["state"] == "ok" and done["device"] == "gpu0"
    assert f"cuda=[{gpus[0]['uuid']}]" in Path(done["log"]).read_text()
