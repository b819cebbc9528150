"""The demo org's screenshot (SVG): `orgs/demo.toml` run fresh in a temporary folder, its four
built-in researchers at work, the Jobs section open.

    .venv/bin/python screenshots/demo.py [--wait 100]

It brings the demo up (its repo made through init), waits --wait seconds for the baseline
and the first experiments, drives the real cockpit with Textual's pilot at 160x48, saves
`demo.svg` and `org.svg` (the Org section) here, and stops the org.
"""

from __future__ import annotations

import argparse
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


async def shoot(rt) -> None:  # noqa: ANN001
    from orgtui.tui.app import OrgApp

    app = OrgApp(rt)
    async with app.run_test(size=(160, 48)) as pilot:

        async def settle(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                await pilot.pause(0.1)

        await settle(3.0)
        await pilot.press("o")
        await settle(3.0)
        app.save_screenshot("demo.svg", str(HERE))
        await pilot.press("f")
        await settle(2.0)
        app.save_screenshot("org.svg", str(HERE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wait", type=float, default=100)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="otd", dir="/tmp"))
    (tmp / "run").mkdir(mode=0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(tmp / "run")
    for var in ("ORGTUI_ORG", "ORGTUI_AGENT", "TMUX", "TMUX_PANE"):
        os.environ.pop(var, None)
    shutil.copy(ROOT / "orgs" / "demo.toml", tmp / "demo.toml")
    shutil.copytree(ROOT / "orgs" / "prompts", tmp / "prompts")
    org = tmp / "demo.toml"
    run = [sys.executable, "-m", "orgtui"]
    subprocess.run([*run, "up", str(org)], check=True, capture_output=True)
    try:
        time.sleep(args.wait)
        from orgtui.config.runtime import resolve

        asyncio.run(shoot(resolve(str(org))))
    finally:
        subprocess.run([*run, "down", "--org", str(org)], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"saved {HERE / 'demo.svg'} and {HERE / 'org.svg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
