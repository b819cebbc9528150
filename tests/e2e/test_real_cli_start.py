"""The real Claude Code and Codex (from npm, at the versions scripts/install-clis.sh pins) start
unattended in an org's fresh worktrees: a real `orgtui up` brings each to its prompt, never to
a folder-trust question, because orgd recorded the worktrees as trusted in the user's own
configuration files, keeping everything else in them; `orgtui down` leaves no Codex
app-server behind.

The user is a fake one: HOME is a folder of the test's, holding what a person who has used
both CLIs has there: Claude Code's first-run onboarding done and its answer to "use this API
key?" (`customApiKeyResponses`, the key's last 20 characters, as the CLI records it), and a
Codex API-key login (`codex login --with-api-key`). The API key points at a closed port on
127.0.0.1: reaching the prompt needs no model. No registry, no test: the install fails loudly
when npm cannot reach its registry.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from orgtui.config.runtime import org_runtime
from tests.helpers import WaitTimeout, agent_toml, org_toml, wait_for

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools" / "node_modules" / ".bin"
KEY = "sk-ant-api03-orgtui-test-key-0123456789abcdefghij"
# What either CLI asks in a folder it has not been told to trust.
TRUST_QUESTION = re.compile(
    r"trust this folder|one you trust|Quick safety check|Folder access|Accessing workspace", re.I
)
CLAUDE_PROMPT = re.compile(r"^❯\s", re.M)  # then a no-break space
CODEX_PROMPT = re.compile(r"^›\s", re.M)

USER_CLAUDE = {
    "hasCompletedOnboarding": True,
    "lastOnboardingVersion": "2.1.332",
    "customApiKeyResponses": {"approved": [KEY[-20:]], "rejected": []},
    "projects": {"/home/ada/thesis": {"hasTrustDialogAccepted": True, "allowedTools": []}},
}
USER_CODEX = """\
# Ada's Codex settings
[history]
persistence = "save-all"

[projects."/home/ada/thesis"]
trust_level = "trusted"
"""


@pytest.fixture(scope="module")
def clis() -> Path:
    """The pinned CLIs in .tools/, installed now when they are not there yet."""
    subprocess.run([str(ROOT / "scripts" / "install-clis.sh")], check=True, timeout=240)
    return TOOLS


def processes_of(home: Path) -> list[tuple[int, str]]:
    """This user's processes started for the fake user `home` (HOME in their environment, or
    its path in their command line): (pid, command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if str(home) in cmdline or f"HOME={home}".encode() in environ:
                found.append((int(entry.name), cmdline))
    return found


@pytest.fixture
def home(tmp_path: Path, clis: Path):
    """A user's home with both CLIs set up, and the Codex daemons its login left stopped."""
    path = tmp_path / "home"
    path.mkdir()
    (path / ".claude.json").write_text(json.dumps(USER_CLAUDE, indent=2))
    (path / ".codex").mkdir()
    (path / ".codex" / "config.toml").write_text(USER_CODEX)
    env = {"PATH": os.environ["PATH"], "HOME": str(path)}
    login = subprocess.run(
        [str(clis / "codex"), "login", "--with-api-key"],
        input="sk-proj-orgtui-test-0123456789\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert login.returncode == 0, login.stderr
    assert (path / ".codex" / "auth.json").exists()
    stop_processes(path)
    yield path
    stop_processes(path)  # whatever a failed test left


def claude_probe(status: dict, agent: str, command: list[str]) -> str:
    """What `tmux COMMAND` says run as the agent's CLI runs it: with its pane's environment."""
    pid = next(a["pane_pid"] for a in status["agents"] if a["name"] == agent)
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    env = dict(v.decode().split("=", 1) for v in environ if b"=" in v)
    out = subprocess.run(["tmux", *command], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def stop_processes(home: Path) -> None:
    for pid, _ in processes_of(home):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_claude_code_and_codex_reach_their_prompts_in_fresh_worktrees(
    home: Path, write_org, orgtui, clis: Path, tmp_path: Path
) -> None:
    # `home` first: its teardown (killing what the fake user left) runs after `orgtui down`.
    started = time.monotonic()
    org = write_org(
        org_toml(
            "clis",
            agent_toml(
                "claude",
                str(clis / "claude"),
                size="150x40",
                env={
                    "ANTHROPIC_API_KEY": KEY,
                    "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
                    "DISABLE_AUTOUPDATER": "1",
                },
            ),
            agent_toml("codex", str(clis / "codex"), size="150x40"),
        )
    )
    orgtui("up", str(org), env={"HOME": str(home)})
    worktrees = tmp_path / ".orgtui" / "clis" / "worktrees"
    sock = org_runtime("clis", org).tmux_sock
    seen: dict[str, list[str]] = {"claude": [], "codex": []}

    def capture(window: str) -> str:
        screen = subprocess.run(
            ["tmux", "-S", str(sock), "capture-pane", "-p", "-t", f"=clis:={window}"],
            capture_output=True,
            text=True,
        ).stdout
        seen[window].append(screen)
        assert not TRUST_QUESTION.search(screen), f"{window} asked about trust:\n{screen}"
        return screen

    def at_prompts() -> bool:
        # Codex draws its prompt before its header's directory line (it says "loading" there
        # first): both CLIs are at their prompts when each also shows its worktree.
        claude, codex = capture("claude"), capture("codex")
        return bool(
            CLAUDE_PROMPT.search(claude)
            and CODEX_PROMPT.search(codex)
            and str(worktrees / "codex") in codex
            and str(worktrees / "claude") in claude
        )

    try:
        wait_for(at_prompts, timeout=40, interval=0.2, what="both CLIs at their prompts")
    except WaitTimeout as e:
        last = "\n".join(f"--- {w}:\n{screens[-1]}" for w, screens in seen.items())
        raise AssertionError(f"{e}; their screens:\n{last}") from None
    claude, codex = seen["claude"][-1], seen["codex"][-1]
    assert str(worktrees / "claude") in claude and "Not logged in" not in claude
    assert str(worktrees / "codex") in codex and "Ask Codex to do anything" in codex
    # Claude Code asks the tmux of its pane (`$TMUX`) for focus-events, and says "tmux
    # focus-events off" when they are: the org's tmux server has them on.
    assert not any("focus-events" in s for s in seen["claude"])
    assert claude_probe(orgtui.status(), "claude", ["show", "-gv", "focus-events"]) == "on"

    # The worktrees are trusted in the user's own files, and all that was there is still there.
    claude_config = json.loads((home / ".claude.json").read_text())
    assert claude_config["projects"][str(worktrees / "claude")]["hasTrustDialogAccepted"] is True
    assert str(worktrees / "codex") not in claude_config["projects"]
    for key in ("hasCompletedOnboarding", "lastOnboardingVersion", "customApiKeyResponses"):
        assert claude_config[key] == USER_CLAUDE[key]
    assert (
        claude_config["projects"]["/home/ada/thesis"] == USER_CLAUDE["projects"]["/home/ada/thesis"]
    )
    codex_text = (home / ".codex" / "config.toml").read_text()
    codex_config = tomllib.loads(codex_text)
    assert codex_config["projects"] == {
        "/home/ada/thesis": {"trust_level": "trusted"},
        str(worktrees / "codex"): {"trust_level": "trusted"},
    }
    assert codex_config["history"] == {"persistence": "save-all"}
    assert "# Ada's Codex settings" in codex_text
    assert (home / ".codex" / "auth.json").exists()  # the login is still the user's

    # Codex runs a detached app-server; `down` stops it with the rest of the org.
    wait_for(
        lambda: any("app-server" in cmd for _, cmd in processes_of(home)),
        timeout=15,
        what="Codex's app-server",
    )
    orgtui("down", "--org", "clis")
    wait_for(
        lambda: not processes_of(home),
        timeout=10,
        what="nothing of the org left after down (Codex's app-server above all)",
    )
    assert time.monotonic() - started < 60
