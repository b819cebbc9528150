"""Skills, tools, setup and copy on a real orgd with shell agents in a real tmux: skills land
where each kind's CLI reads them (`.claude/skills/` for a Claude Code agent, `.agents/skills/`
listed in `AGENTS.md` for the others) and out of `git status`; each pane's PATH has its own
tools only (asked with `command -v` in the pane itself); a saved skill or tool is installed
again within 2 s; setup runs once per worktree, in the agent's log, a failure shown in
`status`; `copy` brings untracked files from the repository."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.conftest import git
from tests.helpers import agent_toml, org_toml, wait_for

SKILL = "---\nname: alpha\ndescription: {description}\n---\n# Alpha\n\nDo the thing.\n"


def write_skill(folder: Path, description: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(SKILL.format(description=description))


def org_files(tmp_path: Path, repo: Path) -> None:
    write_skill(tmp_path / "skills" / "alpha", "Use alpha when testing skills.")
    (tmp_path / "skills" / "alpha" / "run.sh").write_text("#!/bin/sh\necho alpha\n")
    (tmp_path / "skills" / "alpha" / "run.sh").chmod(0o755)
    (tmp_path / "tools").mkdir()
    for name in ("hello.sh", "other.sh"):
        (tmp_path / "tools" / name).write_text(f"#!/bin/sh\necho {name} v1\n")
    (repo / ".env").write_text("SECRET_TOKEN=from-the-repo\n")  # untracked: not committed


ORG = org_toml(
    "skilled",
    agent_toml(
        "cc",
        kind="claude",
        skills=["skills/alpha"],
        tools=["tools/hello.sh"],
        setup="echo setting-up; echo ran >> setup-count.txt",
        copy=[".env"],
    ),  # fmt: skip
    agent_toml("cx", skills=["skills/alpha"], tools=["tools/other.sh"]),
    agent_toml("bad", setup="echo broken-setup; exit 3"),
    '[scheduler]\ndevices = "cpu"\ncpu_slots = 1\n',
)


def agents(orgtui) -> dict[str, dict]:
    return {a["name"]: a for a in orgtui.status()["agents"]}


def in_pane(status: dict, agent: str, command: str, out: Path) -> str:
    """Type `command > out` into the agent's real pane (a bash) and return what it wrote,
    typing again if the shell was not reading yet."""

    def ran() -> str | None:
        if not out.exists():
            subprocess.run(["tmux", "-S", status["tmux_socket"], "send-keys", "-t",
                            f"=skilled:{agent}", f"{command} > {out}.tmp; mv {out}.tmp {out}",
                            "Enter"], check=True)  # fmt: skip
            deadline = time.monotonic() + 2
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return out.read_text() if out.exists() else None

    return wait_for(ran, timeout=20, interval=0, what=f"{command} in {agent}'s pane")


def test_skills_tools_setup_and_copy(write_org, orgtui, tmp_path: Path, repo: Path) -> None:
    org_files(tmp_path, repo)
    org = write_org(ORG)
    orgtui("up", str(org))
    workdir = tmp_path / ".orgtui" / "skilled"
    cc, cx = workdir / "worktrees" / "cc", workdir / "worktrees" / "cx"
    source = tmp_path / "skills" / "alpha"

    # Setup: cc's ran once before its shell, in its log; bad's failure is in status.
    wait_for(lambda: agents(orgtui)["cc"]["setup"] == "ok", timeout=20, what="cc's setup")
    failed = wait_for(lambda: agents(orgtui)["bad"]["setup"] != "running"
                      and agents(orgtui)["bad"]["setup"], what="bad's setup")  # fmt: skip
    assert failed == "failed (exit 3)"
    assert agents(orgtui)["cx"]["setup"] is None  # nothing to set up
    table = orgtui("status").stdout
    assert "setup failed (exit 3)" in next(line for line in table.splitlines() if "bad" in line)
    wait_for(lambda: "broken-setup" in (workdir / "logs" / "bad.log").read_text(errors="replace"))
    assert "setting-up" in (workdir / "logs" / "cc.log").read_text(errors="replace")
    assert (cc / "setup-count.txt").read_text() == "ran\n"

    # Copy: the repository's untracked .env, in cc's worktree only.
    assert (cc / ".env").read_text() == "SECRET_TOKEN=from-the-repo\n"
    assert not (cx / ".env").exists()

    # Skills: Claude Code's place for cc, AGENTS.md's for cx; out of git status.
    for installed in (cc / ".claude" / "skills" / "alpha", cx / ".agents" / "skills" / "alpha"):
        assert (installed / "SKILL.md").read_text() == (source / "SKILL.md").read_text()
        assert (installed / "run.sh").stat().st_mode & 0o100
    assert not (cc / ".agents").exists() and not (cx / ".claude").exists()
    listed = "- `alpha` (`.agents/skills/alpha/SKILL.md`): Use alpha when testing skills."
    assert listed in (cx / "AGENTS.md").read_text()
    assert "alpha" not in (cc / "CLAUDE.md").read_text()  # Claude Code finds its skills itself
    assert "`hello.sh`" in (cc / "CLAUDE.md").read_text()
    for worktree in (cc, cx):
        status = git(worktree, "status", "--porcelain")
        assert ".claude" not in status and ".agents" not in status, status

    # Tools: each pane's PATH has its own tools and orgtui, and nobody else's.
    status = orgtui.status()
    seen = {name: in_pane(status, name, "command -v orgtui hello.sh other.sh",
                          tmp_path / f"{name}.which").split()
            for name in ("cc", "cx")}  # fmt: skip
    assert seen["cc"] == [str(workdir / "bin" / "cc" / "orgtui"), str(workdir / "bin/cc/hello.sh")]
    assert seen["cx"] == [str(workdir / "bin" / "cx" / "orgtui"), str(workdir / "bin/cx/other.sh")]
    said = in_pane(status, "cc", "hello.sh", tmp_path / "hello.out")
    assert said == "hello.sh v1\n"

    # A saved skill and a saved tool are installed again within 2 s.
    saved = time.monotonic()
    write_skill(source, "Use alpha, edited, when testing skills.")
    (source / "notes.md").write_text("more\n")
    (tmp_path / "tools" / "hello.sh").write_text("#!/bin/sh\necho hello.sh v2\n")

    def reinstalled() -> bool:
        skill = cc / ".claude" / "skills" / "alpha"
        return (
            "edited" in (skill / "SKILL.md").read_text()
            and (skill / "notes.md").exists()
            and (cx / ".agents" / "skills" / "alpha" / "notes.md").exists()
            and "alpha, edited," in (cx / "AGENTS.md").read_text()
            and "v2" in (workdir / "bin" / "cc" / "hello.sh").read_text()
        )

    wait_for(reinstalled, timeout=5, interval=0.02, what="the edit installed")
    took = time.monotonic() - saved
    assert took < 2.0, f"re-installed {took:.2f}s after the save"
    assert not (workdir / "bin" / "cx" / "hello.sh").exists()
    pids = {name: a["pane_pid"] for name, a in agents(orgtui).items()}

    # A skill removed from an agent is removed from its worktree; its pane keeps running.
    text = org.read_text().replace('skills = ["skills/alpha"]\ntools = ["tools/other.sh"]',
                                   'tools = ["tools/other.sh"]')  # fmt: skip
    assert text != org.read_text()
    org.write_text(text)
    wait_for(lambda: not (cx / ".agents" / "skills" / "alpha").exists(), timeout=5)
    wait_for(lambda: "## Skills" not in (cx / "AGENTS.md").read_text(), timeout=5)
    assert agents(orgtui)["cx"]["pane_pid"] == pids["cx"]

    # Setup runs once per worktree: not again at a restart, nor at the next `up`.
    orgtui("restart", "cc")
    orgtui("down", str(org))
    orgtui("up", str(org))
    wait_for(lambda: agents(orgtui)["cc"]["state"] == "running", what="cc running again")
    assert agents(orgtui)["cc"]["setup"] == "ok"
    assert (cc / "setup-count.txt").read_text() == "ran\n"
    # bad's setup runs again at each start until it succeeds.
    log = workdir / "logs" / "bad.log"
    wait_for(lambda: log.read_text(errors="replace").count("broken-setup") >= 2, timeout=10)


def test_down_clean_then_up_sets_a_new_worktree_up_again(
    write_org, orgtui, tmp_path: Path, repo: Path
) -> None:
    org_files(tmp_path, repo)
    count = tmp_path / "setups.txt"
    org = write_org(org_toml("skilled", agent_toml(
        "cc", kind="claude", skills=["skills/alpha"], copy=[".env"],
        setup=f"echo ran >> {count}; rm .env")))  # fmt: skip
    orgtui("up", str(org))
    worktree = tmp_path / ".orgtui" / "skilled" / "worktrees" / "cc"
    wait_for(lambda: agents(orgtui)["cc"]["setup"] == "ok", timeout=20, what="cc's setup")
    assert (worktree / ".claude" / "skills" / "alpha" / "SKILL.md").exists()

    # orgtui's skill copies are not work: --clean removes the worktree without --force.
    done = orgtui("down", str(org), "--clean")
    assert "removed worktree" in done.stdout, done.stdout + done.stderr
    assert not worktree.exists()
    orgtui("up", str(org))
    wait_for(lambda: agents(orgtui)["cc"]["setup"] == "ok", timeout=20, what="cc's setup")
    assert count.read_text() == "ran\nran\n"
    assert (worktree / ".claude" / "skills" / "alpha" / "SKILL.md").exists()
