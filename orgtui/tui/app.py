"""The cockpit: a full-screen Textual app over a running org.

Every agent's live terminal in a grid (read from tmux as `feed.py` says), titles from orgd's
status, takeover of a pane's keyboard, zoom, a full `tmux attach`, and the side panel. The app
is a client: quitting it leaves the org running.
"""

from __future__ import annotations

import getpass
import json
import os
import time
from functools import partial
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from orgtui.config.runtime import OrgRuntime, read_info
from orgtui.protocol.progress import ProgressReport
from orgtui.protocol.status import AgentStatus, OrgStatus
from orgtui.tmux.control import ControlClient
from orgtui.tmux.server import TmuxServer
from orgtui.tui.actions import KEYS, PALETTE
from orgtui.tui.agent_requests import AgentRequests
from orgtui.tui.attach import attach_window
from orgtui.tui.feed import PaneFeed
from orgtui.tui.grid import CockpitScreen, MainRow, PaneGrid
from orgtui.tui.latency import keep_pauses_from_keys
from orgtui.tui.notices import NoticesApp, place_notices
from orgtui.tui.orgfile import OrgFileEditor
from orgtui.tui.pane import AgentPane
from orgtui.tui.screens import HelpScreen, MessageScreen
from orgtui.tui.sidepanel import SidePanel, orgd_poster
from orgtui.tui.status import StatusPoller
from orgtui.tui.takeover import Takeover
from orgtui.tui.textual_private import app_started_at
from orgtui.tui.topbar import TopBar


class OrgApp(NoticesApp):
    """The cockpit over one running org."""

    CSS_PATH = "app.tcss"
    TITLE = "orgtui"
    BINDINGS = [
        Binding("q", "quit", "Quit (org keeps running)"),
        Binding("enter,t", "takeover", "Take over"),
        Binding("z", "zoom", "Zoom"),
        Binding("a", "attach", "Attach"),
        Binding("s", "send", "Send"),
        Binding("b", "broadcast", "Broadcast", show=False),
        Binding("r", "restart", "Restart", show=False),
        Binding("p", "panel", "Panel"),
        Binding("c", "section('comms')", "Comms", show=False),
        Binding("g", "section('branches')", "Branches", show=False),
        Binding("o", "section('jobs')", "Jobs", show=False),
        Binding("v", "section('progress')", "Progress", show=False),
        Binding("f", "section('org')", "Org file", show=False),
        Binding("e", "edit", "Edit org"),
        Binding("left,h", "move(-1, 0)", show=False),
        Binding("right,l", "move(1, 0)", show=False),
        Binding("up,k", "move(0, -1)", show=False),
        Binding("down,j", "move(0, 1)", show=False),
        Binding("left_square_bracket", "page(-1)", show=False),
        Binding("right_square_bracket", "page(1)", show=False),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self, rt: OrgRuntime, escape: str = "f12") -> None:
        super().__init__()
        self.rt = rt
        self.grid = PaneGrid(id="grid")
        self.takeover = Takeover(self, TmuxServer(rt.tmux_sock), escape, self.release, self.grid)
        # Shown in the footer while a pane has the keyboard (Takeover.forward acts on the key).
        self.bind(escape, "release", description="Give the keyboard back")
        self.commands: ControlClient | None = None
        self.front_commands: ControlClient | None = None
        self._remap_pending = False
        self.panel: SidePanel | None = None
        self.status: OrgStatus | None = None  # orgd's latest
        self.progress: ProgressReport | None = None  # orgd's latest progress report
        self.top_bar = TopBar(self, rt.name)
        self.agent_requests = AgentRequests(self, rt)
        self.org_file = OrgFileEditor(self, rt, self.redraw_panes)
        self.status_poller = StatusPoller(self, rt, self._jobs_shown, self._progress_shown)
        self.feed: PaneFeed | None = None

    # -- building ---------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return CockpitScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield Static(f" orgtui · {self.rt.name}", id="topbar")
        yield Static("", id="banner")
        with MainRow(id="main"):
            yield self.grid
        yield Footer()

    async def on_mount(self) -> None:
        self.sub_title = self.rt.name
        self.status_poller.start()
        sock, org = self.rt.tmux_sock, self.rt.name
        self.commands = await ControlClient.attach(
            sock, org, flags="no-output,ignore-size", on_notice=self._notice
        )
        self.front_commands = await ControlClient.attach(sock, org, flags="no-output,ignore-size")
        feed = self.feed = PaneFeed(
            self.commands, self.front_commands, sock, org, self._visible, self._front
        )
        await feed.start()
        self._watch_server(self.commands)
        keep_pauses_from_keys(self, lambda: feed.last_input)

    async def on_unmount(self) -> None:
        if self.feed:
            await self.feed.close()
        for client in (self.commands, self.front_commands):
            if client:
                await client.close()
        stats = os.environ.get("ORGTUI_TUI_STATS")
        if stats:  # for bench/cockpit.py: frames drawn per pane over the app's uptime
            frames = {agent: pane.frames for agent, pane in self.panes.items()}
            seconds = time.perf_counter() - app_started_at(self)
            with open(stats, "w") as f:
                json.dump({"seconds": seconds, "frames": frames}, f)

    async def on_status_poller_update(self, message: StatusPoller.Update) -> None:
        if not self.is_running or not self.grid.is_mounted:  # one that came as the app went
            return
        if message.status is None:
            self.top_bar.show_problem(f"orgd is not answering: {message.error}")
            return
        status = self.status = message.status
        agents = status.agents
        if [a.name for a in agents] != list(self.panes):
            await self._build_panes(agents)
            if self.panel is not None:  # the org file changed its agents
                self.panel.set_agents([(a.name, Path(a.worktree)) for a in agents])
        self.org_file.show_error(status.config.error)
        if message.progress is not None:
            self.progress = message.progress
            self.top_bar.show_progress(message.progress)
            if self.panel is not None:
                self.panel.progress.update_progress(message.progress)
        if self.panel is not None and self.panel.display and self.panel.section == "org":
            self.panel.org.update_org(status)
        for info in agents:
            self.panes[info.name].set_info(info, status.metric)
        if message.jobs is not None and self.panel is not None:
            self.panel.jobs.update_jobs(
                status.scheduler, message.jobs, status.metric, message.groups
            )
        self._update_bar()

    def _jobs_shown(self) -> bool:
        """Whether the side panel, which shows the latest jobs, is open."""
        return self.panel is not None and self.panel.display

    def _progress_shown(self) -> bool:
        """Whether the side panel shows the Progress section."""
        return self._jobs_shown() and self.panel is not None and self.panel.section == "progress"

    def _update_bar(self) -> None:
        place_notices(self, self.panel)
        if self.status is not None:
            taken = self.taken.agent if self.taken else None
            self.top_bar.show_status(self.status, taken, self.takeover.escape_label)

    async def _build_panes(self, agents: list[AgentStatus]) -> None:
        await self.grid.set_agents(agents)
        if self.panes and self.focused is None:
            next(iter(self.panes.values())).focus()
        await self._map_panes()

    async def _remap(self) -> None:
        self._remap_pending = False
        await self._map_panes()

    async def _map_panes(self) -> None:
        if self.feed:
            await self.feed.map_panes(self.panes)
            self._follow_front()

    def _follow_front(self) -> None:
        """Stream the front pane's output on its own (see focus.py)."""
        front = self.taken or self.focused
        if self.feed and isinstance(front, AgentPane):
            self.feed.focus.follow(front.window_id)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._follow_front()

    def _notice(self, line: str) -> None:
        if not self.is_running or not self.screen.is_mounted:
            return
        # Windows of the org's session came or went (the focus session's links are
        # `%unlinked-window-*` to this client, and need nothing).
        windows = line.startswith(("%window-add", "%window-close", "%window-renamed"))
        if windows and not self._remap_pending:
            self._remap_pending = True
            self.call_later(self._remap)

    @work(group="server")
    async def _watch_server(self, commands: ControlClient) -> None:
        await commands.closed.wait()
        if self.is_running and self.screen.is_mounted and self.feed and not self.feed.closed:
            self.top_bar.show_problem("the org's tmux server is gone")

    def _front(self) -> set[str]:
        """The panes drawn at the focused rate: the taken-over and the focused one."""
        return {
            p.pane_id for p in (self.taken, self.focused) if isinstance(p, AgentPane) and p.pane_id
        }

    # -- layout -----------------------------------------------------------------------------

    @property
    def panes(self) -> dict[str, AgentPane]:
        return self.grid.panes

    @property
    def zoomed(self) -> AgentPane | None:
        return self.grid.zoomed

    def _visible(self) -> list[AgentPane]:
        return self.grid.shown()

    def on_agent_pane_resized(self, message: AgentPane.Resized) -> None:
        if self.feed:
            self.feed.resize(message.pane)

    # -- takeover ---------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown) and self.feed:
            self.feed.reclaim(self._visible())
        if not self.takeover.forward(event, self.feed):
            await super().on_event(event)

    @property
    def taken(self) -> AgentPane | None:
        """The pane that has the keyboard."""
        return self.takeover.pane

    def action_takeover(self) -> None:
        pane = self.focused
        if isinstance(pane, AgentPane):
            self.takeover.take(pane)  # the top bar says who has it and what gives it back
            self._update_bar()
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "release":
            return self.taken is not None  # in the footer only while a pane is taken over
        return True

    def action_release(self) -> None:
        self.release()

    def release(self) -> None:
        self.takeover.release()
        self._update_bar()
        self.refresh_bindings()

    # -- actions ----------------------------------------------------------------------------

    def action_zoom(self) -> None:
        pane = self.focused
        self.grid.toggle_zoom(pane if isinstance(pane, AgentPane) else None)

    def action_move(self, dx: int, dy: int) -> None:
        visible = self._visible()
        if not visible:
            return
        current = visible.index(self.focused) if self.focused in visible else 0
        target = current + dx + dy * self.grid.columns
        if 0 <= target < len(visible):
            visible[target].focus()

    def action_page(self, step: int) -> None:
        self.grid.turn_page(step)
        if self._visible():
            self._visible()[0].focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(KEYS, self.takeover.escape_label))

    def _focused_agent(self) -> str | None:
        return self.focused.agent if isinstance(self.focused, AgentPane) else None

    def action_send(self) -> None:
        agent = self._focused_agent()
        if agent:
            self.push_screen(
                MessageScreen(f"Message to [b]{agent}[/b]"),
                lambda text: self.agent_requests.deliver([agent], text),
            )

    def action_broadcast(self) -> None:
        agents = list(self.panes)
        self.push_screen(
            MessageScreen(f"Message to all {len(agents)} agents"),
            lambda text: self.agent_requests.deliver(agents, text),
        )

    def action_restart(self) -> None:
        agent = self._focused_agent()
        if agent:
            self.agent_requests.restart(agent)

    def action_attach(self) -> None:
        """Step aside for a real tmux client on the agent's window; back on detach."""
        pane = self.focused
        if not isinstance(pane, AgentPane) or not pane.window_id:
            return
        with self.suspend():
            attach_window(
                self.rt.tmux_sock,
                self.rt.name,
                pane.window_id,
                pane.min_size,
                self.takeover.escape_tmux,
            )
        self.redraw_panes()

    def action_edit(self) -> None:
        self.org_file.edit(self.status.file if self.status else None)

    def redraw_panes(self) -> None:
        """Every pane drawn again whole (after the terminal was someone else's)."""
        if self.feed:
            for p in self._visible():
                self.feed.resize(p, force=True)

    async def _ensure_panel(self) -> SidePanel | None:
        if self.panel is None and self.status is not None:
            info = read_info(self.rt.dir) or {}
            workdir = Path(self.status.workdir)
            agents = [(a.name, Path(a.worktree)) for a in self.status.agents]
            author = os.environ.get("ORGTUI_AGENT") or getpass.getuser()
            self.panel = SidePanel(
                workdir / "comms",
                Path(info.get("repo", workdir)),
                self.status.program,
                agents,
                orgd_poster(self.rt.orgd_sock, author),
                id="side",
            )
            self.panel.display = False
            await self.query_one("#main", MainRow).mount(self.panel)
        return self.panel

    async def action_panel(self) -> None:
        panel = await self._ensure_panel()
        if panel is not None:
            panel.display = not panel.display
            place_notices(self, panel)
            if panel.display:
                panel.show_section(panel.section)
            elif isinstance(self.focused, AgentPane) or not self._visible():
                pass
            else:
                self._visible()[0].focus()

    async def action_section(self, name: str) -> None:
        panel = await self._ensure_panel()
        if panel is not None:
            panel.display = True
            place_notices(self, panel)
            panel.show_section(name)  # type: ignore[arg-type]
            if name == "progress" and self.progress is not None:  # not a poll's wait away
                panel.progress.update_progress(self.progress)

    def get_system_commands(self, screen: Screen[Any]):  # type: ignore[no-untyped-def]
        yield from super().get_system_commands(screen)
        for title, key, action in PALETTE:
            yield SystemCommand(title, f"key: {key}", partial(self.run_action, action))


def run_app(rt: OrgRuntime, escape: str = "f12") -> None:
    """Run the cockpit in this terminal; `escape` (a Textual key name) gives a taken-over
    pane's keyboard back."""
    OrgApp(rt, escape).run()
