"""Record the real Claude Code and Codex screens that readiness is tested on.

Each CLI runs in a pane of a private tmux server configured as an org's (orgtui's tmux.conf, an
agent's 80x24 window), with HOME (and CODEX_HOME) in a temporary folder, against the slow
stand-in API (`tests/support/standin_api.py`) on 127.0.0.1. The screens are captured as
message delivery reads them (`capture-pane -p -N`: the visible rows, as plain text) into
`tests/data/screens/<cli>-<state>.txt`, and `README.md` there gets a line per file:

- `ready`: its prompt, idle, after start;
- `busy`, `busy-later`: working on a slow answer (its first token 30 s away), 1.5 s apart;
- `streaming`: the slow answer arriving, a word a second;
- `done`: its prompt again, the answer on the screen;
- `permission`: the stand-in answered with a shell command, which the CLI asks to approve;
- `trust`: its first start in a folder it has never seen (no trust recorded).

Run: `python -m tests.support.record_screens --bin DIR` (DIR holds `claude` and `codex`, e.g.
`node_modules/.bin` after `npm install @anthropic-ai/claude-code @openai/codex`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from orgtui.tmux.server import render_config
from tests.support.standin_api import StandIn

OUT = Path(__file__).resolve().parent.parent / "data" / "screens"
API_KEY = "sk-ant-standin-0123456789abcdefghijklmn"
COLS, ROWS = 80, 24
THINK = 30.0


class Pane:
    """One CLI in a pane of its own tmux server."""

    def __init__(self, root: Path, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.socket = root / "tmux.sock"
        config = root / "tmux.conf"
        config.write_text(render_config("record"))
        words = [f"{k}={v}" for k, v in env.items()]
        self.tmux("-f", str(config), "new-session", "-d", "-s", "rec", "-x", str(COLS),
                  "-y", str(ROWS), "-c", str(cwd), "env", *words, *argv)  # fmt: skip

    def tmux(self, *args: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        return subprocess.run(["tmux", "-S", str(self.socket), *args], env=env, check=True,
                              capture_output=True, text=True).stdout  # fmt: skip

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-N", "-t", "rec")

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "rec", "-l", text)
        time.sleep(0.5)
        self.tmux("send-keys", "-t", "rec", "Enter")

    def key(self, key: str) -> None:
        self.tmux("send-keys", "-t", "rec", key)

    def wait(self, seen: Callable[[str], bool], what: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if seen(text):
                return text
            time.sleep(0.2)
        raise SystemExit(f"timed out waiting for {what}; the screen:\n{self.screen()}")

    def settled(self, seen: Callable[[str], bool], what: str, quiet: float = 2.0) -> str:
        """The screen once it shows `seen` and has not changed for `quiet` seconds."""
        text = self.wait(seen, what)
        while True:
            time.sleep(quiet)
            again = self.screen()
            if again == text and seen(again):
                return text
            text = self.wait(seen, what)

    def close(self) -> None:
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], capture_output=True)


# Its prompt line: Claude Code's under the prompt box's top rule, Codex's in its own colours.
PROMPTS = {"claude": re.compile(r"^─{8,}\s*\n❯", re.M), "codex": re.compile(r"^› ", re.M)}
WORKING = "esc to interrupt"


def _session(cli: str, pane: Pane, permission: str, save: Callable[[str, str, str], None]) -> None:
    def prompt(screen: str) -> bool:
        return PROMPTS[cli].search(screen) is not None

    save(cli, "ready", pane.settled(prompt, "its prompt"))
    pane.type("Please answer SLOW")
    sent = time.monotonic()
    save(cli, "busy", pane.wait(lambda s: WORKING in s, "its working screen"))
    time.sleep(1.5)
    save(cli, "busy-later", pane.screen())
    time.sleep(max(0.0, sent + THINK + 3.5 - time.monotonic()))  # three words in
    save(cli, "streaming", pane.screen())
    done = pane.settled(lambda s: "word9" in s and WORKING not in s and prompt(s), "the end")
    save(cli, "done", done)
    pane.type("Please use a TOOL")
    save(cli, "permission", pane.settled(lambda s: permission in s, "its permission question"))
    pane.key("Escape")


def record(bin_dir: Path, out: Path, clis: tuple[str, ...] = ("claude", "codex")) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="orgtui-screens-"))
    server = StandIn(0, slow=10, think=THINK, log=tmp / "api.log")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    versions = {cli: _version(bin_dir / cli) for cli in clis}
    readme = out / "README.md"
    old = readme.read_text().splitlines() if readme.exists() else []
    notes = {line.split("`")[1]: line for line in old if line.startswith("- `")}

    def save(cli: str, state: str, text: str) -> None:
        name = f"{cli}-{versions[cli]}/{state}.txt"
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text(text)
        notes[name] = f"- `{name}`: {HOW[state]}"
        print(f"saved {name}")

    base_env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "LANG": "C.UTF-8",
                "DISABLE_AUTOUPDATER": "1"}  # fmt: skip
    for cli in clis:
        root = tmp / cli
        home, work, untrusted = root / "home", root / "work", root / "new-folder"
        for folder in (home, work, untrusted):
            folder.mkdir(parents=True)
            subprocess.run(["git", "init", "-q", str(folder)], check=True)
        if cli == "claude":
            (home / ".claude.json").write_text(json.dumps({
                "hasCompletedOnboarding": True, "theme": "dark",
                "customApiKeyResponses": {"approved": [API_KEY[-20:]], "rejected": []},
                "projects": {str(work): {"hasTrustDialogAccepted": True}},
            }))  # fmt: skip
            env = {**base_env, "HOME": str(home), "ANTHROPIC_BASE_URL": url,
                   "ANTHROPIC_API_KEY": API_KEY}  # fmt: skip
            # The permission mode that asks (the newer default, auto, may decide alone).
            argv = ["claude", "--permission-mode", "default"]
            permission = "Do you want to proceed?"
        else:
            codex_home = home / ".codex"
            codex_home.mkdir()
            (codex_home / "config.toml").write_text(
                'model = "gpt-standin"\nmodel_provider = "standin"\n\n'
                f'[model_providers.standin]\nname = "Stand-in"\nbase_url = "{url}/v1"\n'
                'env_key = "STANDIN_API_KEY"\nwire_api = "responses"\n\n'
                f'[projects."{work}"]\ntrust_level = "trusted"\n'
            )
            env = {**base_env, "HOME": str(home), "CODEX_HOME": str(codex_home),
                   "STANDIN_API_KEY": "sk-standin"}  # fmt: skip
            argv, permission = ["codex"], "Would you like to run"
        pane = Pane(root, argv, work, env)
        try:
            _session(cli, pane, permission, save)
        finally:
            pane.close()
        (root / "t2").mkdir()
        pane = Pane(root / "t2", argv, untrusted, env)
        try:
            save(cli, "trust", pane.settled(lambda s: "trust" in s.lower(), "a trust question"))
        finally:
            pane.close()
    server.shutdown()
    stop_left_behind(tmp)
    lines = [
        "# Recorded screens",
        "",
        "Real CLI screens, one folder per CLI and its version (as `--version` says it; 80x24,",
        "`tmux capture-pane -p -N`:",
        "what message delivery reads), recorded by",
        "`python -m tests.support.record_screens --bin DIR [--cli claude|codex]` against the",
        "stand-in API (`tests/support/standin_api.py`) on 127.0.0.1, with a temporary HOME.",
        "Claude Code ran with `--permission-mode default` (the mode that asks), Codex with its",
        "defaults (the stand-in's command asks to run outside the sandbox).",
        "",
        *(notes[name] for name in sorted(notes)),
        "",
    ]
    readme.write_text("\n".join(lines))


def stop_left_behind(root: Path) -> None:
    """Stop what the CLIs left running from under `root` (Codex's detached `codex app-server`
    daemon, started from its home): found by their program's path, each by its pid."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv0 = (proc / "cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        if argv0.startswith(f"{root}/"):
            with contextlib.suppress(OSError):
                os.kill(int(proc.name), signal.SIGKILL)


def _version(program: Path) -> str:
    """`2.1.332` from `2.1.332 (Claude Code)`, `0.171.0` from `codex-cli 0.171.0`."""
    said = subprocess.run([str(program), "--version"], capture_output=True, text=True).stdout
    found = re.search(r"\d+\.\d+\.\d+", said)
    if found is None:
        raise SystemExit(f"{program} --version said {said!r}: no version in it")
    return found.group()


HOW = {
    "ready": "its prompt, idle, after start",
    "busy": "working on a slow answer (its first token 30 s away), just after the message",
    "busy-later": "working, 1.5 s after `busy.txt` (its spinner moved on)",
    "streaming": "33.5 s after the message: the slow answer arriving, a word a second",
    "done": "its prompt again after the answer",
    "permission": "asking the person to approve a shell command the stand-in asked for",
    "trust": "its first start in a folder with no trust recorded",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", type=Path, required=True, help="folder holding claude, codex")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--cli", action="append", choices=("claude", "codex"),
                        help="record only this one (repeatable; default: both)")  # fmt: skip
    args = parser.parse_args()
    record(args.bin.resolve(), args.out, tuple(args.cli or ("claude", "codex")))


if __name__ == "__main__":
    main()
