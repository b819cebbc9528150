"""`OrgFileEditor`, the cockpit's part in editing the org file: `e` runs $VISUAL or $EDITOR on
it and asks orgd to apply what was saved, and a banner under the top bar says when the saved
version does not apply (the org runs the last good one) until a good version is saved."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.css.query import NoMatches
from textual.widgets import Static

from orgtui.config.runtime import OrgRuntime
from orgtui.protocol.client import DaemonUnreachable, call
from orgtui.protocol.messages import RequestError
from orgtui.protocol.org import Reload


class OrgFileEditor:
    """The org file's editor and banner, for the cockpit `app` over the org `rt`.

    The banner is the app's `#banner` Static; `redraw_panes` draws every pane again whole,
    after the editor had the terminal.
    """

    def __init__(self, app: App[Any], rt: OrgRuntime, redraw_panes: Callable[[], None]) -> None:
        self.app = app
        self.rt = rt
        self.redraw_panes = redraw_panes
        self._banner_text = ""

    def show_error(self, error: str | None) -> None:
        """The saved org file's error, while it does not apply (the org runs the last good
        version): on a line of its own under the top bar until a good version is saved."""
        with contextlib.suppress(NoMatches):
            banner = self.app.query_one("#banner", Static)
            text = (
                f" [b]org file not applied[/b] (the org runs the last good version; e edits): "
                f"{error}"
                if error
                else ""
            )
            if banner.display != bool(error) or (error and text != self._banner_text):
                banner.update(text)
                banner.display = bool(error)
            self._banner_text = text

    def edit(self, file: str | None) -> None:
        """$VISUAL or $EDITOR (else vi) on the org `file`; orgd applies what is saved."""
        if not file:
            return
        editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
        with self.app.suspend():
            try:
                subprocess.run([*editor, file])
            except OSError as e:
                error = f"cannot run the editor {editor[0]!r}: {e.strerror} (set $EDITOR)"
            else:
                error = ""
        if error:
            self.app.notify(error, severity="error", timeout=8)
        else:
            self.app.run_worker(self._reload, name="reload", group="requests", thread=True)
        self.redraw_panes()

    def _reload(self) -> None:
        """Apply the saved file at once (orgd's watcher would within a second) and say how."""
        try:
            result = call(self.rt.orgd_sock, Reload(), timeout=120)
            self.app.notify("org file applied: " + "; ".join(result.lines), timeout=6)
        except RequestError as e:
            self.app.notify(str(e), title="org file not applied", severity="error", timeout=10)
        except (DaemonUnreachable, OSError) as e:
            self.app.notify(str(e), severity="error", timeout=8)
