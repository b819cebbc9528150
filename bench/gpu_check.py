"""On a machine with a GPU: NVML discovery, telemetry, and a CUDA job's CUDA_VISIBLE_DEVICES,
in one short run (issue: GPU scheduler, jobs and the results ledger).

    .venv/bin/python bench/gpu_check.py

1. `orgtui.scheduler.devices.discover("auto", ...)`: each GPU's index, name, UUID, memory
   (NVML's v2 call), utilization, temperature and power (n/a where the GPU does not say);
   a second sample a second later.
2. An org with `devices = "auto"`, `pane_devices = "none"`: its pane sees
   `CUDA_VISIBLE_DEVICES=""`; a job submitted through the real CLI and orgd gets the GPU's
   UUID in CUDA_VISIBLE_DEVICES and, where torch with CUDA is installed, sees exactly one
   device, named as NVML names it, and runs a matmul on it.

Prints each check with ok or FAILED, and exits 1 if one failed; with no GPU it says so and
exits 0 (nothing to check here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtui.scheduler.devices import discover, sample  # noqa: E402

JOB = r"""
import json, os
out = {"cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
       "order": os.environ.get("CUDA_DEVICE_ORDER")}
try:
    import torch
    out["torch"] = torch.__version__
    out["count"] = torch.cuda.device_count()
    if out["count"]:
        out["name"] = torch.cuda.get_device_name(0)
        x = torch.randn(2048, 2048, device="cuda")
        out["matmul"] = float((x @ x).sum().item()) == float((x @ x).sum().item())
except ImportError:
    out["torch"] = None
print("RESULT " + json.dumps(out))
"""

failed = 0


def check(name: str, ok: bool, detail: str = "") -> None:
    global failed
    failed += not ok
    print(f"  {'ok    ' if ok else 'FAILED'} {name}" + (f": {detail}" if detail else ""))


def main() -> int:
    devices, why = discover("auto", 1)
    gpus = [d for d in devices if d.kind == "gpu"]
    print(f"devices: {why}")
    if not gpus:
        print("no GPU here: nothing to check (run this on a machine with one)")
        return 0
    time.sleep(1)
    sample(gpus)
    for d in gpus:
        print(f"  gpu{d.index}: {d.name} {d.uuid} mem {d.memory_used_mb}/{d.memory_total_mb} MiB "
              f"util {d.utilization}% temp {d.temperature} C power {d.power_w} W")  # fmt: skip
    check("every GPU has a UUID", all(d.uuid and d.uuid.startswith("GPU-") for d in gpus))
    check("memory read (v2)", all(d.memory_total_mb for d in gpus))
    with tempfile.TemporaryDirectory(prefix="ogc", dir="/tmp") as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp / "run"), "GIT_AUTHOR_NAME": "g",
               "GIT_AUTHOR_EMAIL": "g@g", "GIT_COMMITTER_NAME": "g", "GIT_COMMITTER_EMAIL": "g@g"}  # fmt: skip
        for var in ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX"):
            env.pop(var, None)
        (tmp / "run").mkdir(mode=0o700)
        repo = tmp / "repo"
        repo.mkdir()
        (repo / "job.py").write_text(JOB)
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "job"]):
            subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)
        org = tmp / "gpu.toml"
        org.write_text(f'[org]\nname = "gpucheck"\nrepo = "{repo}"\n\n[[agent]]\nname = "a"\n'
                       'command = ["bash", "--norc"]\n\n[scheduler]\ndevices = "auto"\n'
                       'pane_devices = "none"\nnotify = false\n')  # fmt: skip

        def orgtui(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "orgtui", *args], env=env,
                                  capture_output=True, text=True, timeout=300)  # fmt: skip

        try:
            up = orgtui("up", str(org))
            check("the org is up", up.returncode == 0, up.stderr.strip())
            status = json.loads(orgtui("status", "--json").stdout)
            found = [d for d in status["scheduler"]["devices"] if d["kind"] == "gpu"]
            check(
                "orgd found the GPUs", len(found) == len(gpus), status["scheduler"]["devices_from"]
            )
            run = orgtui("job", "submit", "--agent", "a", "--time", "2m", "--wait", "--",
                         sys.executable, "job.py")  # fmt: skip
            line = next((ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")), "")
            result = json.loads(line[7:]) if line else {}
            print(f"  job: {result}")
            check("the job ended ok", run.returncode == 0, run.stdout[-300:])
            check("CUDA_VISIBLE_DEVICES is the GPU's UUID",
                  result.get("cuda_visible_devices") == gpus[0].uuid,
                  f"{result.get('cuda_visible_devices')} vs {gpus[0].uuid}")  # fmt: skip
            check("CUDA_DEVICE_ORDER=PCI_BUS_ID", result.get("order") == "PCI_BUS_ID")
            if result.get("torch") is None:
                print("  (torch is not installed: the CUDA side was not checked)")
            else:
                check("torch sees one device", result.get("count") == 1, str(result.get("count")))
                check("named as NVML names it", result.get("name") == gpus[0].name,
                      f"{result.get('name')} vs {gpus[0].name}")  # fmt: skip
                check("a matmul ran on it", bool(result.get("matmul")))
        finally:
            orgtui("down", "--org", str(org))
    print("gpu check: " + ("all ok" if not failed else f"{failed} FAILED"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
