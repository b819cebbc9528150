"""The GPU check: NVML discovery, telemetry, a CUDA job's CUDA_VISIBLE_DEVICES through the
scheduler, and a real nanochat d4 run of a few steps on the GPU through the scheduler, in one
prepared run that fits in 10 minutes (issue 16, item 6).

    .venv/bin/python bench/gpu_check.py --nanochat ~/nanochat

1. `orgtui.scheduler.devices.discover("auto", ...)`: each GPU's index, name, UUID, memory
   (NVML's v2 call), utilization, temperature and power (n/a where the GPU does not say);
   a second sample a second later.
2. An org with `devices = "auto"`, `pane_devices = "none"`: a job submitted through the real
   CLI and orgd gets the GPU's UUID in CUDA_VISIBLE_DEVICES and, where torch with CUDA is
   installed, sees exactly one device, named as NVML names it, and runs a matmul on it.
3. With `--nanochat PATH`: an org made from that nanochat clone (`init = "nanochat"`, as a
   user's), whose `train` is upstream's base_train at depth 4 for a FLOPs budget of about 20
   steps, runs one job through orgd on the GPU: it must end ok, say `Autodetected device
   type: cuda`, and fill val_bpb and every compute field.

What it needs, on a fresh GPU box with no internet: this checkout with its .venv; a clone of
karpathy/nanochat (`--nanochat`, copied there beforehand) and a Python with nanochat's
packages (`--python`; default the clone's `.venv/bin/python`, made by nanochat's `uv sync
--extra gpu`, else this one): torch with CUDA, numpy, pyarrow, rustbpe, tiktoken, filelock,
psutil, requests, jinja2, pyyaml, wandb. Data: the shards and tokenizer under
`$NANOCHAT_BASE_DIR` when it has them; otherwise the check writes 4 tiny local shards (this
machine's Python sources, as parquet with one `text` column) and trains a 4096-token
tokenizer on them (`scripts.tok_train`, seconds), in a temporary folder.

With no GPU it says so; `--fake-nvml` then runs 1 and 2 against tests/fakes/nvml (one fake
H100: the UUID reaches the job, nothing runs on a GPU), and 3 on the CPU. Prints each check
with ok or FAILED, and exits 1 if one failed.
"""

from __future__ import annotations

import argparse
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


FAKE_NVML = ROOT / "tests" / "fakes" / "nvml"
FAKE_GPU = {"name": "NVIDIA H100 80GB HBM3 (fake)", "uuid": "GPU-0f0e0d0c-fake", "lost": False,
            "memory_total": 80 * 2**30, "memory_used": 2**30, "util": 0, "temp": 40,
            "power": 70_000}  # fmt: skip
D4 = ("{launch} scripts.base_train --depth=4 --head-dim=64 --window-pattern=L --max-seq-len=256 "
      "--device-batch-size=8 --total-batch-size=2048 --target-flops={flops} --eval-every=10 "
      "--eval-tokens=8192 --core-metric-every=-1 --sample-every=-1 --run=dummy "
      "--model-tag=orgtui-gpucheck")  # fmt: skip
D4_FLOPS = 1.2e12
"""About 20 steps of d4 at 2,048 tokens a step."""
# Tiny local shards, written by nanochat's python (it has pyarrow): documents of at most
# 3,000 characters cut from this machine's Python sources, row groups of 1,024 documents.
SHARDS = r"""
import glob, os, sys, sysconfig
import pyarrow as pa, pyarrow.parquet as pq
out = os.path.join(sys.argv[1], "base_data_climbmix"); os.makedirs(out, exist_ok=True)
docs = []
for path in sorted(glob.glob(sysconfig.get_paths()["stdlib"] + "/**/*.py", recursive=True)):
    text = open(path, errors="replace").read()
    docs += [text[i:i + 3000] for i in range(0, len(text), 3000)]
    if len(docs) >= 4 * 2048:
        break
for k in range(4):
    part = docs[k * 2048:(k + 1) * 2048]
    pq.write_table(pa.table({"text": part}), f"{out}/shard_{k:05d}.parquet", row_group_size=1024)
print(f"{len(docs)} documents in 4 shards")
"""


class Org:
    """A throwaway org run through the real CLI, in its own runtime folder."""

    def __init__(self, env: dict[str, str], file: Path) -> None:
        self.env, self.file = env, file

    def __call__(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "orgtui", *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout)  # fmt: skip

    def down(self) -> None:
        self("down", "--org", str(self.file))


def base_env(tmp: Path) -> dict[str, str]:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp / "run"), "GIT_AUTHOR_NAME": "g",
           "GIT_AUTHOR_EMAIL": "g@g", "GIT_COMMITTER_NAME": "g", "GIT_COMMITTER_EMAIL": "g@g"}  # fmt: skip
    for var in ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX"):
        env.pop(var, None)
    (tmp / "run").mkdir(mode=0o700, exist_ok=True)
    return env


def cuda_job(tmp: Path, env: dict[str, str], gpus: list, fake: bool) -> None:
    """2: a job through orgd sees its GPU's UUID (and, with torch and CUDA, that GPU)."""
    repo = tmp / "repo"
    repo.mkdir()
    (repo / "job.py").write_text(JOB)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "job"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)
    file = tmp / "gpu.toml"
    file.write_text(f'[org]\nname = "gpucheck"\nrepo = "{repo}"\n\n[[agent]]\nname = "a"\n'
                    'command = ["bash", "--norc"]\n\n[scheduler]\ndevices = "auto"\n'
                    'pane_devices = "none"\nnotify = false\n')  # fmt: skip
    org = Org(env, file)
    try:
        up = org("up", str(file))
        check("the org is up", up.returncode == 0, up.stderr.strip())
        status = json.loads(org("status", "--json").stdout)
        found = [d for d in status["scheduler"]["devices"] if d["kind"] == "gpu"]
        check("orgd found the GPUs", len(found) == len(gpus), status["scheduler"]["devices_from"])
        run = org("job", "submit", "--agent", "a", "--time", "2m", "--wait", "--",
                  sys.executable, "job.py")  # fmt: skip
        line = next((ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")), "")
        result = json.loads(line[7:]) if line else {}
        print(f"  job: {result}")
        check("the job ended ok", run.returncode == 0, run.stdout[-300:])
        check("CUDA_VISIBLE_DEVICES is the GPU's UUID",
              result.get("cuda_visible_devices") == gpus[0].uuid,
              f"{result.get('cuda_visible_devices')} vs {gpus[0].uuid}")  # fmt: skip
        check("CUDA_DEVICE_ORDER=PCI_BUS_ID", result.get("order") == "PCI_BUS_ID")
        if fake or result.get("torch") is None:
            print("  (no real GPU or no torch: the CUDA side was not checked)")
        else:
            check("torch sees one device", result.get("count") == 1, str(result.get("count")))
            check("named as NVML names it", result.get("name") == gpus[0].name,
                  f"{result.get('name')} vs {gpus[0].name}")  # fmt: skip
            check("a matmul ran on it", bool(result.get("matmul")))
    finally:
        org.down()


def nanochat_data(python: str, clone: Path, tmp: Path, env: dict[str, str]) -> Path:
    """NANOCHAT_BASE_DIR with shards and a tokenizer: the user's, else tiny local ones."""
    given = os.environ.get("NANOCHAT_BASE_DIR")
    if (
        given
        and list(Path(given).glob("base_data_climbmix/shard_*.parquet"))
        and (Path(given) / "tokenizer" / "tokenizer.pkl").exists()
    ):
        print(f"  data: {given} (NANOCHAT_BASE_DIR)")
        return Path(given)
    base = tmp / "nanochat-base"
    base.mkdir()
    began = time.time()
    shards = subprocess.run([python, "-c", SHARDS, str(base)], capture_output=True, text=True,
                            env=env, timeout=120)  # fmt: skip
    check(
        "tiny local shards written",
        shards.returncode == 0,
        (shards.stdout + shards.stderr)[-300:].strip(),
    )
    tok = subprocess.run([python, "-m", "scripts.tok_train", "--max-chars=5000000",
                          "--vocab-size=4096"], cwd=clone, capture_output=True, text=True,
                         env={**env, "NANOCHAT_BASE_DIR": str(base)}, timeout=180)  # fmt: skip
    check("a 4096-token tokenizer trained", tok.returncode == 0, tok.stderr[-300:].strip())
    print(f"  data: {base} ({time.time() - began:.0f}s to make)")
    return base


def nanochat_run(clone: Path, python: str, tmp: Path, env: dict[str, str], gpu: bool) -> None:
    """3: upstream's base_train, d4, a few steps, as a job of an org made from the clone."""
    env = {**env, "WANDB_MODE": "offline", "PYTHONUNBUFFERED": "1"}
    env["NANOCHAT_BASE_DIR"] = str(nanochat_data(python, clone, tmp, env))
    file = tmp / "nano.toml"
    file.write_text(f'[org]\nname = "gpucheck-nano"\nrepo = "{tmp / "research"}"\n'
                    f'init = "nanochat"\ninit_from = "{clone}"\n\n[research]\ntrain = "{D4}"\n'
                    f'path = "{Path(python).parent}"\n\n[[agent]]\nname = "a"\n'
                    'command = ["bash", "--norc"]\n\n[scheduler]\ndevices = "auto"\n'
                    f'flops_budget = {D4_FLOPS}\ntime_budget = "6m"\nnotify = false\n')  # fmt: skip
    org = Org(env, file)
    began = time.time()
    try:
        up = org("up", str(file))
        check("the nanochat org is up (its repo made from the clone)", up.returncode == 0,
              (up.stdout + up.stderr).strip()[-400:])  # fmt: skip
        out = org("job", "submit", "--agent", "a", "--kind", "other", "--json")
        check("the d4 job queued", out.returncode == 0, out.stderr.strip())
        ident = str(json.loads(out.stdout)["id"]) if out.returncode == 0 else "0"
        org("job", "wait", ident, timeout=480)
        job = json.loads(org("job", "show", ident, "--json").stdout or "{}")
        log = Path(job["log"]).read_text() if job.get("log") else out.stderr
        print(f"  job: {job.get('state')} on {job.get('device')} in {time.time() - began:.0f}s: "
              f"{' '.join(job.get('command', []))}")  # fmt: skip
        check("the d4 run ended ok", job.get("state") == "ok", log[-600:])
        device = "cuda" if gpu else "cpu"
        check(f"nanochat ran on {device}", f"Autodetected device type: {device}" in log)
        metrics, compute = job.get("metrics", {}), job.get("compute", {})
        print(f"  val_bpb {metrics.get('val_bpb')}, steps {metrics.get('num_steps')}, "
              f"mfu {metrics.get('mfu_percent')}, compute {compute}")  # fmt: skip
        check("val_bpb read from its log", isinstance(metrics.get("val_bpb"), float))
        check("every compute field filled", bool(compute) and all(v for v in compute.values()))
    finally:
        org.down()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nanochat", type=Path, help="a nanochat clone: run d4 through orgd")
    parser.add_argument("--python", help="nanochat's python (default: the clone's .venv)")
    parser.add_argument("--fake-nvml", action="store_true",
                        help="with no GPU: check against tests/fakes/nvml (one fake GPU)")  # fmt: skip
    args = parser.parse_args()
    fake = bool(os.environ.get("FAKE_NVML_GPUS"))  # this run is the NVML fake's (below)
    devices, why = discover("auto", 1)
    gpus = [d for d in devices if d.kind == "gpu"]
    real = bool(gpus) and not fake
    print(f"devices: {why}" + (" (the NVML fake)" if fake else ""))
    if not gpus:
        print("NO GPU on this machine: nothing here runs on a GPU.")
        if args.fake_nvml:  # again, against the NVML fake (orgd's environment has it too)
            with tempfile.TemporaryDirectory(prefix="ogn", dir="/tmp") as state_dir:
                state = Path(state_dir) / "nvml.json"
                state.write_text(json.dumps([FAKE_GPU]))
                path = os.pathsep.join(filter(None, [str(FAKE_NVML), os.environ.get("PYTHONPATH")]))
                env = {**os.environ, "PYTHONPATH": path, "FAKE_NVML_GPUS": str(state)}
                return subprocess.run([sys.executable, __file__, *sys.argv[1:]], env=env).returncode
    with tempfile.TemporaryDirectory(prefix="ogc", dir="/tmp") as tmp_name:
        tmp = Path(tmp_name)
        env = base_env(tmp)
        if gpus:
            print("1. NVML discovery and telemetry" + ("" if real else " (fake)"))
            time.sleep(1)
            sample(gpus)
            for d in gpus:
                print(f"  gpu{d.index}: {d.name} {d.uuid} mem {d.memory_used_mb}/"
                      f"{d.memory_total_mb} MiB util {d.utilization}% temp {d.temperature} C "
                      f"power {d.power_w} W")  # fmt: skip
            check("every GPU has a UUID", all(d.uuid and d.uuid.startswith("GPU-") for d in gpus))
            check("memory read (v2)", all(d.memory_total_mb for d in gpus))
            print("2. a CUDA job's CUDA_VISIBLE_DEVICES through the scheduler")
            cuda_job(tmp, env, gpus, fake=not real)
        if args.nanochat:
            clone = args.nanochat.expanduser().absolute()
            venv = clone / ".venv" / "bin" / "python"
            python = args.python or (str(venv) if venv.exists() else sys.executable)
            print(f"3. nanochat d4 through the scheduler ({'GPU' if real else 'CPU: no GPU'}),"
                  f" {clone} with {python}")  # fmt: skip
            nanochat_run(clone, python, tmp, env, gpu=real)
        elif real:
            print("3. nanochat: not run (give --nanochat PATH, a nanochat clone)")
    print(f"gpu check ({'GPU' if real else 'NO GPU'}): "
          + ("all ok" if not failed else f"{failed} FAILED"))  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
