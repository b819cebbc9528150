"""`OrgView`: the org file as orgd runs it. The version applied and when, the error of a saved
version that did not apply (the org runs the one before), the plan of the last change, and
each ritual with its last and next run. `render_org(file, config, processes, now)` is the pure
part."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from orgtui.protocol.status import ConfigStatus, OrgStatus, RitualStatus


def _clock(when: float | None, now: float) -> str:
    if not when:
        return "-"
    fmt = "%H:%M:%S" if abs(when - now) < 86400 else "%m-%d %H:%M"
    return time.strftime(fmt, time.localtime(when))


def _until(when: float, now: float) -> str:
    left = when - now
    if left <= 0:
        return "now"
    if left < 120:
        return f"in {left:.0f}s"
    if left < 7200:
        return f"in {left / 60:.0f}m"
    return f"in {left / 3600:.1f}h"


def render_org(
    file: str, config: ConfigStatus, processes: Sequence[RitualStatus], now: float
) -> Text:
    """The org `file`, the version of it that runs (`config`) and its rituals (`processes`),
    as of `now`."""
    out = Text()
    out.append("Org file\n", style="bold")
    out.append(f"  {file}\n", style="dim")
    out.append(f"  version {config.hash[:12]}, applied ")
    out.append(f"{_clock(config.applied_at, now)}\n")
    if config.error:
        out.append("  NOT APPLIED: ", style="bold red")
        out.append(f"{config.error}\n", style="red")
        out.append("  the org runs the version above until a good one is saved\n", style="dim")
    if config.plan:
        out.append("\nLast change\n", style="bold")
        for line in config.plan.lines:
            out.append(f"  {line}\n")
    out.append("\nRituals\n", style="bold")
    if not processes:
        out.append("  none ([[process]] in the org file)\n", style="dim")
    for p in processes:
        out.append(f"  {p.name:<12}", style="bold")
        out.append(f" {p.kind:<8} last {_clock(p.last_run, now):<8}  next ")
        out.append(f"{_until(p.next_run, now)}\n")
    out.append("\ne edits the org file; orgd applies each save.\n", style="dim")
    return out


class OrgView(Static, can_focus=True):
    """The org file and the rituals, drawn again at each of orgd's status."""

    DEFAULT_CSS = "OrgView { height: 1fr; padding: 0 1; overflow-y: auto; }"

    def __init__(self, id: str | None = None) -> None:
        super().__init__("waiting for orgd…", id=id)

    def update_org(self, status: OrgStatus) -> None:
        self.update(render_org(status.file, status.config, status.processes, time.time()))
