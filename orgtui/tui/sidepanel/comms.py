"""`CommsView`: the org's comms folder as a tree, the selected file rendered as Markdown and
kept current, unread marks on files changed since they were last viewed, and a box to post to
the board or to an agent's inbox.

The view never writes comms files: a post goes through the `post(to, text)` callable it is
given (`orgd_poster` makes one that asks orgd, as `orgtui post` does). Changes are found by a
cheap poll: every `poll_interval` seconds each file under the folder is stat()ed, and only a
file that changed is read.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Markdown, Select, Tree
from textual.widgets.tree import TreeNode
from textual.worker import Worker

from orgtui.protocol.client import call
from orgtui.protocol.org import Post

PostFn = Callable[[str | None, str], Awaitable[None] | None]
"""Posts `text` to the board (`to` None) or to agent `to`'s inbox; raises to report failure."""

BOARD = ""
"""The compose box's target value for the board (agent names are never empty)."""

UNREAD_MARK = "● "
MAX_SHOWN_BYTES = 512 * 1024
"""A larger file shows only its end (comms files are append-only logs, newest last)."""

_Version = tuple[int, int]  # (st_mtime_ns, st_size): a file changed when this did
_NOT_SHOWN: _Version = (-1, -1)


def orgd_poster(sock_path: Path, author: str) -> Callable[[str | None, str], Awaitable[None]]:
    """A `post` callable that sends orgd's `post` request (from a thread, so the UI never
    waits on the socket); orgd's refusal or silence is raised as its exception."""

    async def post(to: str | None, text: str) -> None:
        await asyncio.to_thread(call, sock_path, Post(text=text, to=to, author=author))

    return post


def scan_comms(comms_dir: Path) -> dict[Path, _Version]:
    """Every regular file under `comms_dir` (paths relative to it; dot-files and dot-folders
    such as editors' swap files skipped), with its version."""
    found: dict[Path, _Version] = {}
    for top, dirs, files in os.walk(comms_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            path = Path(top, name)
            try:
                st = path.stat()
            except OSError:
                continue  # removed between the listing and the stat
            found[path.relative_to(comms_dir)] = (st.st_mtime_ns, st.st_size)
    return found


def _rank(rel: Path, folder: bool) -> tuple[int, str]:
    """Where a node sits among its siblings: the board first, then folders, then files."""
    return (0 if rel == Path("board.md") else 1 if folder else 2, rel.name)


def _node_rank(node: TreeNode[Path]) -> tuple[int, str]:
    return _rank(node.data or Path("."), node.allow_expand)


def read_tail(path: Path, limit: int = MAX_SHOWN_BYTES) -> str:
    """The file's text, or its last `limit` bytes with a note saying so; "" if unreadable."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - limit))
            data = f.read()
    except OSError as e:
        return f"*cannot read {path.name}: {e.strerror}*\n"
    text = data.decode("utf-8", errors="replace")
    if size > limit:
        text = text.partition("\n")[2]  # drop the partial first line
        text = f"*… showing the last {limit // 1024} KiB of {size // 1024} KiB*\n\n{text}"
    return text


class CommsTree(Tree[Path]):
    """The comms folder's tree; nodes whose path is in `marked` are drawn as unread."""

    COMPONENT_CLASSES = {"comms-tree--unread"}

    DEFAULT_CSS = """
    CommsTree > .comms-tree--unread {
        color: $text-accent;
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        self.marked: set[Path] = set()
        super().__init__("comms", Path("."), id=id)
        self.show_root = False
        self.guide_depth = 2

    def render_label(self, node: TreeNode[Path], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        if node.data in self.marked:
            label.stylize(self.get_component_rich_style("comms-tree--unread", partial=True))
        return label


class CommsView(Widget):
    """The comms folder: a tree, the selected file as Markdown, and a compose box."""

    DEFAULT_CSS = """
    CommsView {
        height: 1fr;
        layout: vertical;
        #comms-tree {
            height: auto;
            max-height: 35%;
            border-bottom: solid $panel-lighten-2;
        }
        #comms-doc { height: 1fr; }
        #comms-doc Markdown { padding: 0 1; }
        #comms-compose { height: auto; }
        #comms-to { width: 18; }
        #comms-input { width: 1fr; }
    }
    """

    BINDINGS = [
        Binding("i", "write", "Write", tooltip="Write a post"),
        Binding("escape", "leave_compose", "Back to files", show=False),
    ]

    class UnreadChanged(Message):
        """The number of unread comms files changed."""

        def __init__(self, view: CommsView, count: int) -> None:
            super().__init__()
            self.view = view
            self.count = count

        @property
        def control(self) -> CommsView:
            return self.view

    class _Scanned(Message):
        """A poll's result, from its thread."""

        def __init__(self, number: int, found: dict[Path, _Version]) -> None:
            super().__init__()
            self.number = number
            self.found = found

    def __init__(
        self,
        comms_dir: Path,
        agents: list[str],
        post: PostFn,
        *,
        poll_interval: float = 1.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.comms_dir = Path(comms_dir)
        self._agents = list(agents)
        self._post = post
        self._poll_interval = poll_interval
        self._versions: dict[Path, _Version] = {}
        self._seen: dict[Path, _Version] = {}
        self._by_path: dict[Path, TreeNode[Path]] = {}
        self._open: Path | None = None
        self._shown_version: _Version | None = _NOT_SHOWN
        self._unread_count = 0
        self._scanned = False
        self._scans = 0  # scans started
        self._applied = 0  # the newest scan applied
        self._poller: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield CommsTree(id="comms-tree")
        with VerticalScroll(id="comms-doc"):
            yield Markdown("*Select a file above (Enter) to read it.*", id="comms-markdown")
        with Horizontal(id="comms-compose"):
            yield Select(self._targets(), value=BOARD, allow_blank=False, id="comms-to")
            yield Input(placeholder="post… (Enter sends)", id="comms-input")

    def on_mount(self) -> None:
        self.scan()
        self.set_interval(self._poll_interval, self._poll)

    @property
    def open_path(self) -> Path | None:
        """The file being shown, relative to the comms folder."""
        return self._open

    @property
    def unread(self) -> set[Path]:
        """Files (relative to the comms folder) changed since they were last viewed. Files
        present when the view started count as read; files that appear later are unread."""
        return {p for p, v in self._versions.items() if self._seen.get(p) != v}

    def set_agents(self, agents: list[str]) -> None:
        """Change the agents the compose box can post to."""
        self._agents = list(agents)
        select: Select[str] = self.query_one("#comms-to", Select)
        keep = select.value if select.value in (BOARD, *self._agents) else BOARD
        select.set_options(self._targets())
        select.value = keep

    def open(self, rel: Path) -> None:
        """Show the file `rel` (relative to the comms folder) and mark it read."""
        self._open = rel
        self._shown_version = _NOT_SHOWN
        inbox_of = rel.stem if rel.parent == Path("inbox") else None
        if rel == Path("board.md") or inbox_of in self._agents:
            self.query_one("#comms-to", Select).value = inbox_of or BOARD
        self.scan()
        if rel in self._by_path:
            self.query_one(CommsTree).move_cursor(self._by_path[rel])

    def scan(self) -> None:
        """Look for new, removed and changed files now."""
        self._scans += 1
        self._apply(self._scans, scan_comms(self.comms_dir))

    def _poll(self) -> None:
        # Walking the folder runs in a thread: a large folder never delays a keystroke.
        if self._poller is not None and self._poller.is_running:
            return
        self._scans += 1
        number = self._scans
        self._poller = self.run_worker(
            lambda: self._scan_in_thread(number),
            thread=True,
            group="comms-poll",
            exit_on_error=False,
        )

    def _scan_in_thread(self, number: int) -> None:
        self.post_message(self._Scanned(number, scan_comms(self.comms_dir)))

    def on_comms_view__scanned(self, event: CommsView._Scanned) -> None:
        event.stop()
        self._apply(event.number, event.found)

    def _apply(self, number: int, found: dict[Path, _Version]) -> None:
        if number <= self._applied:
            return  # a slower, older scan
        self._applied = number
        first = not self._scanned
        if first:
            self._seen = dict(found)
            self._scanned = True
        if found.keys() != self._versions.keys():
            self._update_tree(set(found))
        self._versions = found
        if self._open is not None and found.get(self._open) != self._shown_version:
            just_opened = self._shown_version == _NOT_SHOWN
            self._shown_version = found.get(self._open)
            self._render_open(to_end=just_opened)
        if self._open in found and self._is_shown():
            self._seen[self._open] = found[self._open]
        self._update_labels()
        if first and self._open is None and Path("board.md") in found:
            self.open(Path("board.md"))

    def _is_shown(self) -> bool:
        return self.is_attached and self.screen.is_current and self.region.area > 0

    def on_show(self) -> None:
        self.scan()  # the open file counts as read once it is on screen again

    def _targets(self) -> list[tuple[str, str]]:
        return [("board", BOARD), *((f"→ {a}", a) for a in self._agents)]

    # The tree

    def _update_tree(self, files: set[Path]) -> None:
        folders = {d for f in files for d in f.parents if d != Path(".")}
        wanted = files | folders
        stale = {
            p
            for p, n in self._by_path.items()
            if p not in wanted or n.allow_expand != (p in folders)
        }
        for rel in sorted(stale, key=lambda p: -len(p.parts)):
            self._by_path.pop(rel).remove()  # deepest first: a folder's files are gone by then
        tree = self.query_one(CommsTree)
        for rel in sorted(wanted - self._by_path.keys(), key=lambda p: len(p.parts)):
            parent = tree.root if rel.parent == Path(".") else self._by_path[rel.parent]
            folder = rel in folders
            key = _rank(rel, folder)
            before = next((c for c in parent.children if _node_rank(c) > key), None)
            if folder:
                self._by_path[rel] = parent.add(
                    Text(f"{rel.name}/"), rel, before=before, expand=True
                )
            else:
                self._by_path[rel] = parent.add_leaf(Text(rel.name), rel, before=before)

    def _update_labels(self) -> None:
        unread = self.unread
        marked = unread | {d for p in unread for d in p.parents}
        tree = self.query_one(CommsTree)
        tree.marked = marked
        for rel, node in self._by_path.items():
            name = f"{rel.name}/" if node.allow_expand else rel.name
            label = UNREAD_MARK + name if rel in marked else name
            if str(node.label) != label:
                node.set_label(Text(label))
        if len(unread) != self._unread_count:
            self._unread_count = len(unread)
            self.post_message(self.UnreadChanged(self, len(unread)))

    def on_tree_node_selected(self, event: Tree.NodeSelected[Path]) -> None:
        event.stop()
        rel = event.node.data
        if rel is not None and not event.node.allow_expand:
            self.open(rel)

    # The document

    def _render_open(self, to_end: bool) -> None:
        assert self._open is not None
        path = self.comms_dir / self._open
        text = read_tail(path) if path.is_file() else f"*{self._open} is gone.*\n"
        doc = self.query_one("#comms-doc", VerticalScroll)
        # Newest posts are last: open at the end, and stay there while reading the end.
        to_end = to_end or doc.scroll_y >= doc.max_scroll_y - 1
        self.run_worker(self._show_markdown(text, to_end), group="render")

    async def _show_markdown(self, text: str, to_end: bool) -> None:
        await self.query_one("#comms-markdown", Markdown).update(text)
        if to_end:
            self.query_one("#comms-doc", VerticalScroll).scroll_end(animate=False)

    # The compose box

    def action_write(self) -> None:
        self.query_one("#comms-input", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_compose":  # elsewhere Escape stays the app's
            return self.query_one("#comms-input", Input).has_focus
        return True

    def action_leave_compose(self) -> None:
        self.query_one(CommsTree).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text:
            value = self.query_one("#comms-to", Select).value
            to = value if isinstance(value, str) and value != BOARD else None
            self.run_worker(self._send(to, text), group="post")

    async def _send(self, to: str | None, text: str) -> None:
        where = f"{to}'s inbox" if to else "the board"
        try:
            result = self._post(to, text)
            if inspect.isawaitable(result):
                await result
        except Exception as e:  # the callable's failure is the user's news, not a crash
            self.notify(f"not posted to {where}: {e}", title="post", severity="error")
            return
        box = self.query_one("#comms-input", Input)
        if box.value.strip() == text:  # kept on failure, so nothing typed is lost
            box.value = ""
        self.notify(f"posted to {where}", title="post", timeout=2)
        self.scan()
