"""Where the cockpit's notices (Textual's toasts) go: never over an agent's pane.

Textual stacks toasts in the screen's bottom-right corner, which in the cockpit is the last
pane's bottom rows: a notice covered what an agent showed (vim's ruler, as you typed in it).
With the side panel open they stay there, over the panel (a toast is as wide as the panel);
with it closed, the latest notice takes the footer's row, one line, until it times out. Each
notice is one line of text, its title first, so that it reads the same in either place.
"""

from __future__ import annotations

from textual.app import App
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.widget import Widget

INLINE = "-notices-inline"
"""The app's class while notices take the footer's row (the side panel is closed)."""

PANEL_WIDTH = 60
"""The side panel's width (`SidePanel`'s CSS), which a toast over it keeps within."""

# The rack's (hidden) scrollbar would keep a column of its own, and move a toast that far
# left of the panel, onto the grid.
CSS = f"""
Toast {{ width: {PANEL_WIDTH}; }}
ToastRack {{ scrollbar-size: 0 0; }}
.{INLINE} ToastRack {{ margin-bottom: 0; height: 1; }}
.{INLINE} ToastHolder {{ display: none; }}
.{INLINE} ToastHolder:last-of-type {{ display: block; }}
.{INLINE} Toast {{
    width: 1fr; max-width: 100%; height: 1; margin: 0; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
}}
"""


def place_notices(app: App[None], panel: Widget | None) -> None:
    """Notices over the side `panel` while it is shown, else on the footer's row."""
    app.set_class(panel is None or not panel.display, INLINE)


class NoticesApp(App[None]):
    """An app whose notices are one line each, placed as `place_notices` says."""

    CSS = CSS

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notice as one line, its title (bold) first; thread-safe, as Textual's is."""
        text = " · ".join(line.strip() for line in message.splitlines() if line.strip())
        text = text if markup else escape(text)
        if title:
            text = f"[b]{escape(title)}[/b]: {text}"
        super().notify(text, severity=severity, timeout=timeout, markup=True)
