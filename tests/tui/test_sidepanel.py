"""The side panel in a small app over a real comms folder and a real git repository: the comms
tree, live Markdown, unread marks, the compose box, the branches table, the diff screen, and
switching sections. Each test runs its pilot with `asyncio.run` (no async test plugin)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Markdown, RichLog, Select, TabbedContent
from textual.widgets.markdown import MarkdownBlock

from orgtui.daemon import comms
from orgtui.tui.sidepanel import DiffScreen, SidePanel
from orgtui.tui.sidepanel.branches import PROGRAM_ROW, format_age
from orgtui.tui.sidepanel.comms import CommsTree, CommsView
from orgtui.tui.sidepanel.diff_screen import styled_diff
from orgtui.workspace import ensure_agent, ensure_program
from tests.conftest import git
from tests.helpers import wait_for_async

PROGRAM = "program/softcap"
AGENTS = ("alice", "bob")


@dataclass
class Org:
    repo: Path
    comms: Path
    agents: list[tuple[str, Path]]
    posts: list[tuple[str | None, str]] = field(default_factory=list)
    fail_with: str | None = None

    async def post(self, to: str | None, text: str) -> None:
        """What orgd's `post` does, recorded."""
        await asyncio.sleep(0)
        if self.fail_with:
            raise RuntimeError(self.fail_with)
        self.posts.append((to, text))
        comms.post(self.comms, "you", to, text)


@pytest.fixture
def org(repo: Path, tmp_path: Path) -> Org:
    ensure_program(repo, "main", PROGRAM)
    work = tmp_path / "work"
    agents = [(a, ensure_agent(repo, PROGRAM, work, a).worktree) for a in AGENTS]
    comms.ensure(work / "comms", "softcap", AGENTS)
    comms.post(work / "comms", "chief", None, "Baseline: **val_bpb 0.998**")
    return Org(repo, work / "comms", agents)


class PanelApp(App[None]):
    BINDINGS = [("escape", "count_escape")]

    def __init__(self, org: Org) -> None:
        super().__init__()
        self.org = org
        self.escapes = 0

    def action_count_escape(self) -> None:
        self.escapes += 1

    def compose(self) -> ComposeResult:
        yield SidePanel(
            self.org.comms,
            self.org.repo,
            PROGRAM,
            self.org.agents,
            self.org.post,
            comms_poll=0.1,
            branches_refresh=0.2,
        )


def run_panel(org: Org, test: Callable[[PanelApp, Pilot[None]], Awaitable[None]]) -> None:
    async def main() -> None:
        app = PanelApp(org)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await test(app, pilot)

    asyncio.run(main())


def labels(app: App[None]) -> list[str]:
    tree = app.query_one(CommsTree)
    found: list[str] = []

    def walk(node):  # type: ignore[no-untyped-def]
        for child in node.children:
            found.append(str(child.label))
            walk(child)

    walk(tree.root)
    return found


def shown_text(app: App[None]) -> str:
    md = app.query_one("#comms-markdown", Markdown)
    return " ".join(str(block.content) for block in md.query(MarkdownBlock))


async def open_file(app: App[None], pilot: Pilot[None], name: str) -> None:
    """Move the tree's cursor to `name` and press Enter, as a person would."""
    tree = app.query_one(CommsTree)
    tree.focus()
    while str(tree.cursor_node.label if tree.cursor_node else "").removeprefix("● ") != name:
        before = tree.cursor_line
        await pilot.press("down")
        assert tree.cursor_line != before, f"{name} is not in the tree"
    await pilot.press("enter")


def test_tree_lists_the_comms_files_and_opens_the_board(org: Org) -> None:
    async def test(app: PanelApp, pilot: Pilot[None]) -> None:
        assert labels(app) == ["board.md", "inbox/", "alice.md", "bob.md"]
        await wait_for_async(
            lambda: "val_bpb 0.998" in shown_text(app), pilot.pause, what="the board shown"
        )
        assert "softcap board" in shown_text(app)
        assert app.query_one(CommsView).open_path == Path("board.md")
        assert not app.query_one(CommsView).unread

    run_panel(org, test)


def test_selecting_a_file_renders_it_and_follows_its_changes(org: Org) -> None:
    comms.post(org.comms, "chief", "bob", "Rerun with **three** seeds")

    async def test(app: PanelApp, pilot: Pilot[None]) -> None:
        await open_file(app, pilot, "bob.md")
        await wait_for_async(
            lambda: "Rerun with three seeds" in shown_text(app), pilot.pause, what="bob's inbox"
        )
        assert "Inbox of bob" in shown_text(app)
        assert app.query_one("#comms-to", Select).value == "bob"  # replies go where you read

        comms.post(org.comms, "alice", "bob", "Done: see my branch")
        await wait_for_async(
            lambda: "Done: see my branch" in shown_text(app), pilot.pause, what="the new post"
        )
        assert not app.query_one(CommsView).unread  # the open file is read

    run_panel(org, test)


def test_changed_and_new_files_are_unread_until_viewed(org: Org) -> None:
    async def test(app: PanelApp, pilot: Pilot[None]) -> None:
        view = app.query_one(CommsView)
        comms.post(org.comms, "chief", "alice", "Please try softcap 15")
        await wait_for_async(
            lambda: "● alice.md" in labels(app), pilot.pause, what="alice.md marked unread"
        )
        assert view.unread == {Path("inbox/alice.md")}
        assert "● inbox/" in labels(app) and "bob.md" in labels(app)
        tab = app.query_one(TabbedContent).get_tab("side-comms")
        await wait_for_async(
            lambda: "Comms ● 1" in tab.label.plain, pilot.pause, what="the tab's count"
        )

        standup = org.comms / "standup" / "2025-11-26"
        standup.mkdir(parents=True)
        (standup / "bob.md").write_text("# bob\n\ndone: a baseline\n")
        await wait_for_async(
            lambda: "● 2025-11-26/" in labels(app), pilot.pause, what="a new standup note"
        )
        assert labels(app)[-3:] == ["● standup/", "● 2025-11-26/", "● bob.md"]
        assert view.unread == {Path("inbox/alice.md"), Path("standup/2025-11-26/bob.md")}

        await open_file(app, pilot, "alice.md")
        await wait_for_async(lambda: "alice.md" in labels(app), pilot.pause, what="alice.md read")
        assert "● inbox/" not in labels(app)
        assert view.unread == {Path("standup/2025-11-26/bob.md")}
        await wait_for_async(
            lambda: tab.label.plain == "Comms ● 1", pilot.pause, what="the count after reading"
        )

        (standup / "bob.md").unlink()
        standup.rmdir()
        (org.comms / "standup").rmdir()
        (org.comms / "standup").write_text("a file where the folder was\n")
        await wait_for_async(
            lambda: labels(app)[-1] == "● standup", pilot.pause, what="the folder gone"
        )
        assert labels(app) == ["board.md", "inbox/", "alice.md", "bob.md", "● standup"]

    run_panel(org, test)


def test_compose_box_posts_to_the_board_and_to_an_agent(org: Org) -> None:
    async def test(app: PanelApp, pilot: Pilot[None]) -> None:
        app.query_one(CommsTree).focus()
        await pilot.press("i")  # from the file tree, `i` goes to the compose box
        box = app.query_one("#comms-input", Input)
        assert box.has_focus
        await pilot.press(*"hi org", "enter")  # an `i` typed in the box stays in the box
        await wait_for_async(lambda: org.posts, pilot.pause, what="the board post")
        assert org.posts == [(None, "hi org")]
        await wait_for_async(lambda: box.value == "", pilot.pause, what="the box cleared")
        await wait_for_async(
            lambda: "hi org" in shown_text(app), pilot.pause, what="the post on the board"
        )
        await pilot.press("escape")
        assert app.query_one(CommsTree).has_focus
        await pilot.press("escape")  # not the panel's outside the compose box
        assert app.escapes == 1

        app.query_one("#comms-to", Select).value = "alice"
        box.focus()
        await pilot.press(*"try 3 seeds", "enter")
        await wait_for_async(lambda: len(org.posts) == 2, pilot.pause, what="the inbox post")
        assert org.posts[1] == ("alice", "try 3 seeds")
        assert "try 3 seeds" in (org.comms / "inbox" / "alice.md").read_text()

        org.fail_with = "orgd is not answering"
        await pilot.press(*"lost?", "enter")
        await wait_for_async(lambda: app._notifications, pilot.pause, what="a notification")
        messages = [n.message for n in app._notifications]
        assert any("not posted to alice's inbox: orgd is not answering" in m for m in messages)
        assert box.value == "lost?"  # kept, so it can be sent again
        assert len(org.posts) == 2

    run_panel(org, test)


def test_branches_show_counts_and_dirt_and_enter_opens_the_diff(org: Org) -> None:
    alice = dict(org.agents)["alice"]
    (alice / "train.py").write_text("print('val_bpb: 0.9')\n")
    git(alice, "commit", "-q", "-am", "try softcap 15")
    (dict(org.agents)["bob"] / "scratch.py").write_text("x = 1\n")

    async def test(app: PanelApp, pilot: Pilot[None]) -> None:
        app.query_one(SidePanel).show_section("branches")
        table = app.query_one("#branches-table", DataTable)
        await wait_for_async(lambda: table.row_count == 3, pilot.pause, what="the branch rows")

        def row(key: str) -> list[str]:
            return [str(cell) for cell in table.get_row(key)]

        assert row(PROGRAM_ROW)[0] == PROGRAM and row(PROGRAM_ROW)[4] == "initial"
        assert row("alice")[:3] == ["├ alice", "+1 −0", "clean"]
        assert row("alice")[4] == "try softcap 15" and row("alice")[3].endswith("s ago")
        assert row("bob")[:3] == ["└ bob", "+0 −0", "dirty"]

        git(org.repo, "checkout", "-q", PROGRAM)
        (org.repo / "later.py").write_text("y = 2\n")
        git(org.repo, "add", "later.py")
        git(org.repo, "commit", "-q", "-m", "promote")
        await wait_for_async(
            lambda: row("alice")[1] == "+1 −1", pilot.pause, what="the program moving on"
        )

        assert table.has_focus
        await pilot.press("down", "enter")
        assert isinstance(app.screen, DiffScreen)
        screen = app.screen
        await wait_for_async(lambda: screen.diff_text is not None, pilot.pause, what="the diff")
        assert screen.diff_text is not None
        assert "+print('val_bpb: 0.9')" in screen.diff_text and "later.py" not in screen.diff_text
        log = screen.query_one(RichLog)
        await wait_for_async(lambda: len(log.lines) > 5, pilot.pause, what="the diff drawn")
        drawn = "\n".join(line.text for line in log.lines)
        assert "-print('val_bpb: 1.0')" in drawn and "# uncommitted:" in drawn
        await pilot.press("escape")
        assert not isinstance(app.screen, DiffScreen)

    run_panel(org, test)


def test_show_section_switches_and_focuses(org: Org) -> None:
    async def test(app: PanelApp, pilot: Pilot[None]) -> None:
        panel = app.query_one(SidePanel)
        assert panel.section == "comms"
        panel.show_section("branches")
        await pilot.pause()
        assert panel.section == "branches"
        assert app.query_one("#branches-table", DataTable).has_focus
        panel.show_section("comms")
        await pilot.pause()
        assert panel.section == "comms" and app.query_one(CommsTree).has_focus
        panel.show_section("jobs")
        await pilot.pause()
        assert panel.section == "jobs" and panel.jobs.has_focus
        panel.show_section("progress")
        await pilot.pause()
        assert panel.section == "progress" and panel.progress.has_focus
        with pytest.raises(ValueError, match="no section 'nope'"):
            panel.show_section("nope")  # type: ignore[arg-type]

    run_panel(org, test)


def test_set_agents_changes_targets_and_rows(org: Org, tmp_path: Path) -> None:
    async def test(app: PanelApp, pilot: Pilot[None]) -> None:
        panel = app.query_one(SidePanel)
        panel.show_section("branches")
        table = app.query_one("#branches-table", DataTable)
        await wait_for_async(lambda: table.row_count == 3, pilot.pause, what="the branch rows")
        panel.set_agents([*org.agents, ("carol", tmp_path / "work" / "worktrees" / "carol")])
        await wait_for_async(lambda: table.row_count == 4, pilot.pause, what="carol's row")
        assert [str(c) for c in table.get_row("carol")][:3] == ["└ carol", "no branch", "—"]
        select = app.query_one("#comms-to", Select)
        select.value = "carol"
        assert select.value == "carol"

    run_panel(org, test)


def test_format_age() -> None:
    assert format_age(None, 100.0) == ""
    assert format_age(100.0, 140.0) == "40s ago"
    assert format_age(0.0, 180.0) == "3m ago"
    assert format_age(0.0, 5 * 3600 + 59) == "5h ago"
    assert format_age(0.0, 2 * 86400) == "2d ago"
    assert format_age(200.0, 100.0) == "0s ago"  # a clock skewed into the future


def test_styled_diff_colours_lines_and_caps_them() -> None:
    text = styled_diff("# committed\n@@ -1 +1 @@\n-old\n+new\n same\n")
    styles = {text.plain[s.start : s.end].strip(): str(s.style) for s in text.spans}
    assert styles == {
        "# committed": "bold magenta",
        "@@ -1 +1 @@": "cyan",
        "-old": "red",
        "+new": "green",
    }
    capped = styled_diff("+x\n" * 10, max_lines=3)
    assert capped.plain.count("+x") == 3 and "7 more lines not shown" in capped.plain
