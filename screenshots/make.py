"""Regenerate the cockpit's screenshots (SVG) from a real org: the grid, a takeover, a zoom and
the side panel.

    .venv/bin/python screenshots/make.py

It brings up a small org of stand-in agents in a temporary folder (its own runtime folder),
drives the real cockpit with Textual's pilot at 160x48, saves the SVGs here, and stops the org.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

GIT = {"GIT_AUTHOR_NAME": "demo", "GIT_AUTHOR_EMAIL": "demo@example.com",
       "GIT_COMMITTER_NAME": "demo", "GIT_COMMITTER_EMAIL": "demo@example.com"}  # fmt: skip

ORG = """
[org]
name = "softcap"
repo = "{repo}"
brief = "Remove the logit soft-cap without a regression in val_bpb."

[[agent]]
name = "claude-1"
kind = "claude"
command = ["{python}", "{agents}/trainer.py", "1"]

[[agent]]
name = "codex-1"
kind = "codex"
role = "solo"
command = ["{python}", "{tests}/fullscreen.py"]

[[agent]]
name = "claude-2"
kind = "claude"
command = ["{python}", "{agents}/trainer.py", "2"]

[[agent]]
name = "shell"
command = ["bash", "--norc", "--noprofile"]
env = {{ PS1 = "\\\\[\\\\e[32m\\\\]shell\\\\[\\\\e[0m\\\\]:\\\\W$ " }}
"""


def sh(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env, cwd=cwd).stdout


async def shoot(rt) -> None:  # noqa: ANN001
    from orgtui.tui.app import OrgApp

    app = OrgApp(rt)
    async with app.run_test(size=(160, 48)) as pilot:

        async def settle(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                await pilot.pause(0.1)

        await settle(3.0)
        app.save_screenshot("grid.svg", str(HERE))
        app.panes["shell"].focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.press(*"git log --oneline --graph --all | head -5", "enter")
        await settle(1.5)
        app.save_screenshot("takeover.svg", str(HERE))
        await pilot.press("f12")
        app.panes["claude-1"].focus()
        await pilot.pause()
        await pilot.press("z")
        await settle(2.0)
        app.save_screenshot("zoom.svg", str(HERE))
        await pilot.press("z")
        await pilot.press("c")
        await settle(2.5)
        app.save_screenshot("panel.svg", str(HERE))


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="ots", dir="/tmp"))
    runtime = tmp / "run"
    runtime.mkdir(mode=0o700)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ORGTUI_") and k not in ("TMUX", "TMUX_PANE")
    }
    env.update(GIT, XDG_RUNTIME_DIR=str(runtime), COLORTERM="truecolor")
    os.environ.update(XDG_RUNTIME_DIR=str(runtime), COLORTERM="truecolor")
    repo = tmp / "nanochat"
    repo.mkdir()
    sh("git", "init", "-q", "-b", "master", str(repo))
    (repo / "train.py").write_text("SOFTCAP = 15.0\n")
    sh("git", "-C", str(repo), "add", ".", env=env)
    sh("git", "-C", str(repo), "commit", "-qm", "baseline: d384 L6, softcap 15", env=env)
    org = tmp / "softcap.toml"
    org.write_text(
        ORG.format(
            repo=repo,
            python=sys.executable,
            agents=HERE / "agents",
            tests=ROOT / "tests" / "agents",
        ).replace('name = "softcap"', 'name = "softcap"\nbase = "master"')
    )
    org.chmod(0o644)
    orgtui = [sys.executable, "-m", "orgtui"]
    try:
        sh(*orgtui, "up", str(org), env=env)
        wt = tmp / ".orgtui" / "softcap" / "worktrees" / "claude-1"
        (wt / "train.py").write_text("SOFTCAP = None  # removed\n")
        sh("git", "-C", str(wt), "commit", "-qam", "remove the logit soft-cap", env=env)
        (wt / "notes.md").write_text("uncommitted notes\n")
        for who, to, text in [
            (
                "claude-1",
                None,
                "**Result**: softcap removed, val_bpb 0.9981 vs baseline 0.9994 (3 seeds, same FLOPs).",
            ),
            ("codex-1", None, "Trying rotary base 50k next; baseline spread is ±0.0011."),
            ("claude-2", "claude-1", "Can you rerun your win with seed 4 as a verification?"),
        ]:
            args = [*orgtui, "post", text] + (["--to", to] if to else [])
            sh(*args, env={**env, "ORGTUI_AGENT": who})
        from orgtui.config.runtime import resolve

        asyncio.run(shoot(resolve("softcap")))
    finally:
        subprocess.run([*orgtui, "down", "softcap"], env=env, capture_output=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print("wrote", ", ".join(sorted(p.name for p in HERE.glob("*.svg"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
