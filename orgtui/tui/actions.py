"""Every key of the cockpit and every action: the help screen's list and the command
palette's."""

from __future__ import annotations

KEYS: list[tuple[str, str]] = [
    ("arrows / h j k l", "move between panes"),
    ("enter / t", "take over the focused pane: every key goes to the agent (zoomed if cropped)"),
    ("z", "zoom the focused pane to the whole screen, and back"),
    ("a", "full takeover: a real tmux attach to the agent (F12 comes back)"),
    ("s", "send a message to the focused agent (once it is ready)"),
    ("b", "broadcast a message to every agent"),
    ("r", "restart the focused agent"),
    ("p", "show or hide the side panel"),
    ("c / g / o / v / f", "side panel: comms / branches / jobs / progress / org file"),
    ("e", "edit the org file ($EDITOR); orgd applies each save"),
    ("[ / ]", "previous / next page of panes"),
    ("ctrl+p", "command palette"),
    ("?", "this help"),
    ("q", "quit the cockpit; the org keeps running"),
]

# Every action, for the command palette: (title, its key, the action).
PALETTE = [
    ("Take over the focused pane (every key goes to the agent)", "enter / t", "takeover"),
    ("Zoom the focused pane to the whole screen, and back", "z", "zoom"),
    ("Full takeover: a real tmux attach to the agent", "a", "attach"),
    ("Send a message to the focused agent", "s", "send"),
    ("Broadcast a message to every agent", "b", "broadcast"),
    ("Restart the focused agent", "r", "restart"),
    ("Show or hide the side panel", "p", "panel"),
    ("Side panel: comms", "c", "section('comms')"),
    ("Side panel: branches", "g", "section('branches')"),
    ("Side panel: jobs (devices, queue, running, finished)", "o", "section('jobs')"),
    ("Side panel: progress (best verified over time, leaderboard)", "v", "section('progress')"),
    ("Side panel: the org file (version, errors, last change) and rituals", "f", "section('org')"),
    ("Edit the org file ($EDITOR); orgd applies each save", "e", "edit"),
    ("Previous page of panes", "[", "page(-1)"),
    ("Next page of panes", "]", "page(1)"),
    ("Every key", "?", "help"),
    ("Quit the cockpit (the org keeps running)", "q", "quit"),
]
