"""The org file edited while the org runs, on a real orgd and tmux: each kind of edit changes
what it names and nothing else (untouched agents keep their pane and pid), an invalid edit
changes nothing and is reported until it is fixed, and `reload [--dry-run]`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import git
from tests.helpers import agent_toml, org_toml, wait_for

SHELL = 'command = ["bash", "--norc", "--noprofile"]'  # the line agent_toml() writes: edits find it
SCHEDULER = """
[scheduler]
devices = "cpu"
cpu_slots = 1
time_budget = "30s"
"""


def org_text(ann: dict | None = None, bob: dict | None = None) -> str:
    """ann, bob and cy (2 of them): shells; `ann`, `bob`: more of their keys."""
    return org_toml(
        "live",
        agent_toml("ann", **(ann or {})),
        agent_toml("bob", **(bob or {})),
        agent_toml("cy", count=2),
        SCHEDULER,
    )


ORG = org_text()


def pids(status: dict) -> dict[str, int]:
    return {a["name"]: a["pane_pid"] for a in status["agents"] if a["state"] != "stopped"}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in the org file"
    path.write_text(text.replace(old, new, 1))


def applied(orgtui, check) -> dict:
    """The status once the saved file is applied and `check(status)` holds."""

    def ready():
        status = orgtui.status()
        ok = status["config"]["error"] is None and status["config"]["plan"] and check(status)
        return ok and status

    return wait_for(ready, timeout=15, what="the edit applied")


def window_names(status: dict) -> list[str]:
    out = subprocess.run(["tmux", "-S", status["tmux_socket"], "list-windows", "-t", "=live",
                          "-F", "#{window_name}"], capture_output=True, text=True)  # fmt: skip
    return out.stdout.split()


def test_add_remove_and_rename_touch_only_those_agents(write_org, orgtui, tmp_path, repo):
    org = write_org(ORG)
    orgtui("up", str(org))
    before = pids(orgtui.status())
    assert set(before) == {"ann", "bob", "cy-1", "cy-2"}
    workdir = tmp_path / ".orgtui" / "live"
    (workdir / "worktrees" / "bob" / "notes.txt").write_text("bob's work\n")

    # add dee, remove bob, rename ann to ada: one save
    edit(org, 'name = "bob"\n' + SHELL + "\n", 'name = "dee"\n' + SHELL + "\n")
    edit(org, 'name = "ann"', 'name = "ada"')
    status = applied(orgtui, lambda s: "dee" in pids(s) and "ada" in pids(s))
    plan = status["config"]["plan"]
    assert sorted(plan["add"]) == ["ada", "dee"] and sorted(plan["remove"]) == ["ann", "bob"]
    after = pids(status)
    assert set(after) == {"ada", "dee", "cy-1", "cy-2"}
    assert after["cy-1"] == before["cy-1"] and after["cy-2"] == before["cy-2"]  # untouched
    assert [a["name"] for a in status["agents"]] == ["ada", "dee", "cy-1", "cy-2"]
    assert sorted(window_names(status)) == ["ada", "cy-1", "cy-2", "dee"]
    # Removed agents' branches and worktrees stay, with what they wrote.
    assert (workdir / "worktrees" / "bob" / "notes.txt").read_text() == "bob's work\n"
    branches = git(repo, "branch", "--list")
    assert "program/live--bob" in branches and "program/live--ann" in branches
    dee = next(a for a in status["agents"] if a["name"] == "dee")
    assert Path(dee["worktree"], "AGENTS.md").exists() and dee["state"] in ("starting", "running")


def test_a_changed_command_or_count_restarts_or_adds_only_that(write_org, orgtui):
    org = write_org(ORG)
    orgtui("up", str(org))
    before = pids(orgtui.status())
    edit(org, 'name = "bob"\n' + SHELL, 'name = "bob"\ncommand = ["sh"]')
    status = applied(orgtui, lambda s: pids(s)["bob"] != before["bob"])
    assert status["config"]["plan"]["restart"] == {"bob": ["command"]}
    after = pids(status)
    assert {k: v for k, v in after.items() if k != "bob"} == {
        k: v for k, v in before.items() if k != "bob"
    }
    cmd = subprocess.run(["ps", "-o", "args=", "-p", str(after["bob"])], capture_output=True,
                         text=True).stdout.strip()  # fmt: skip
    assert cmd == "sh"

    edit(org, "count = 2", "count = 3")
    status = applied(orgtui, lambda s: "cy-3" in pids(s))
    assert status["config"]["plan"]["add"] == ["cy-3"]
    assert {k: v for k, v in pids(status).items() if k != "cy-3"} == after
    edit(org, "count = 3", "count = 1")  # cy-1 .. cy-3 become the single "cy"
    status = applied(orgtui, lambda s: set(pids(s)) == {"ann", "bob", "cy"})
    assert sorted(status["config"]["plan"]["remove"]) == ["cy-1", "cy-2", "cy-3"]
    assert pids(status)["ann"] == before["ann"]


def test_a_changed_prompt_is_rewritten_and_sent_where_asked(write_org, orgtui, tmp_path):
    prompt = tmp_path / "role.md"
    prompt.write_text("Try the learning rate first.\n")
    org = write_org(
        org_text(
            ann={"prompt": str(prompt), "on_prompt_change": "send"}, bob={"prompt": str(prompt)}
        )
    )
    orgtui("up", str(org))
    status = orgtui.status()
    before = pids(status)
    trees = {a["name"]: Path(a["worktree"]) for a in status["agents"]}
    assert "learning rate" in (trees["ann"] / "AGENTS.md").read_text()

    prompt.write_text("Now try removing the soft-cap.\n")  # only the prompt file changes
    status = applied(orgtui, lambda s: True)
    assert sorted(status["config"]["plan"]["prompts"]) == ["ann", "bob"]
    for name in ("ann", "bob"):
        assert "removing the soft-cap" in (trees[name] / "AGENTS.md").read_text()
    assert "soft-cap" not in (trees["cy-1"] / "AGENTS.md").read_text()
    assert pids(status) == before  # nobody restarted

    def screen(agent: str) -> str:
        return subprocess.run(["tmux", "-S", status["tmux_socket"], "capture-pane", "-p", "-J",
                               "-t", f"=live:={agent}"], capture_output=True, text=True).stdout  # fmt: skip

    wait_for(lambda: "# Now try removing the soft-cap." in screen("ann"), timeout=20,
             what="ann told its new prompt")  # fmt: skip
    assert "soft-cap" not in screen("bob")  # on_prompt_change = "keep"


def test_rituals_and_scheduler_changes_apply(write_org, orgtui, repo):
    org = write_org(ORG)
    orgtui("up", str(org))
    before = pids(orgtui.status())
    with org.open("a") as f:
        f.write('\n[[process]]\nname = "hello"\nkind = "send"\nevery = "1h"\nto = ["bob"]\n'
                'send = "hello {agent}"\n')  # fmt: skip
    status = applied(orgtui, lambda s: s["processes"])
    assert status["config"]["plan"]["processes"] == ["added hello"]
    (ritual,) = status["processes"]
    assert ritual["name"] == "hello" and ritual["kind"] == "send" and ritual["last_run"] is None
    assert 3590 < ritual["next_run"] - status["config"]["applied_at"] < 3610
    edit(org, 'every = "1h"', 'every = "2h"')
    status = applied(orgtui, lambda s: s["processes"][0]["next_run"] - ritual["next_run"] > 3000)
    assert status["config"]["plan"]["processes"] == ["changed hello"]

    edit(org, 'time_budget = "30s"', 'time_budget = "45s"')
    status = applied(orgtui, lambda s: s["config"]["plan"]["scheduler"] == ["time_budget"])
    job = json.loads(orgtui("job", "submit", "--json", "--agent", "ann", "--", "true").stdout)
    assert job["budget"]["time"] == 45
    assert pids(status) == before


def test_an_invalid_edit_changes_nothing_until_it_is_fixed(write_org, orgtui):
    org = write_org(ORG)
    orgtui("up", str(org))
    status = orgtui.status()
    before, version = pids(status), status["config"]["hash"]
    assert status["config"]["error"] is None
    good = org.read_text()
    org.write_text(good.replace("[[agent]]", "[[agent]", 1))  # a syntax error
    error = wait_for(lambda: orgtui.status()["config"]["error"], timeout=15, what="the error")
    line = good.splitlines().index("[[agent]]") + 1
    assert error.startswith(f"{org}:{line}:8: invalid TOML: Expected ']]'"), error
    org.write_text(good)
    wait_for(lambda: orgtui.status()["config"]["error"] is None, timeout=15, what="no error")
    edit(org, 'name = "bob"', 'name = "bob"\ncount = "two"')
    error = wait_for(lambda: orgtui.status()["config"]["error"], timeout=15, what="the error")
    line = org.read_text().splitlines().index('count = "two"') + 1
    assert error.startswith(f"{org}:{line}:9: ") and "count" in error
    out = orgtui("reload", check=False)
    assert out.returncode == 2 and f"{org}:{line}:9" in out.stderr
    status = orgtui.status()
    assert pids(status) == before and status["config"]["hash"] == version

    edit(org, 'name = "bob"\ncount = "two"', 'name = "cy"')  # a name clash now
    wait_for(lambda: "already" in (orgtui.status()["config"]["error"] or ""), timeout=15)
    edit(org, 'name = "cy"\n' + SHELL + "\n\n[[agent]]", 'name = "bob"\n' + SHELL + "\n\n[[agent]]")
    os.chmod(org, 0o666)  # writable by others: refused, orgd runs what it names
    wait_for(lambda: "writable by" in (orgtui.status()["config"]["error"] or ""), timeout=15)
    os.chmod(org, 0o644)
    edit(org, 'time_budget = "30s"', 'time_budget = "40s"')
    status = applied(orgtui, lambda s: s["config"]["hash"] != version)
    assert pids(status) == before
    assert status["config"]["plan"]["scheduler"] == ["time_budget"]


def test_reload_dry_run_prints_the_plan_and_reload_applies_it(write_org, orgtui):
    org = write_org(ORG)
    orgtui("up", str(org))
    before = pids(orgtui.status())
    # An edit the watcher cannot see (same size, inode and mtime: a filesystem whose
    # timestamps do not move); `reload` is how it gets applied.
    stat = org.stat()
    other = 'command = ["bash", "--norc", "-i"]'
    edit(org, 'name = "bob"\n' + SHELL, 'name = "bob"\n' + other.ljust(len(SHELL)))
    assert org.stat().st_size == stat.st_size
    os.utime(org, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    dry = orgtui("reload", "--dry-run")
    assert "restart bob (command changed)" in dry.stdout and "not applied" in dry.stdout
    assert pids(orgtui.status()) == before
    done = orgtui("reload")
    assert "restart bob (command changed)" in done.stdout
    after = pids(orgtui.status())
    assert after["bob"] != before["bob"] and after["ann"] == before["ann"]
    assert "nothing to change" in orgtui("reload", "--dry-run").stdout
    # [org] cannot change while the org runs
    edit(org, 'name = "live"', 'name = "dead"')
    out = orgtui("reload", check=False)
    assert out.returncode == 2 and "[org] name cannot change while the org runs" in out.stderr
    edit(org, 'name = "dead"', 'name = "live"')
