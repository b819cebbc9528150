"""`keep_pauses_from_keys`: how the cockpit keeps the interpreter's own pauses out of a
person's way: full garbage collections only while nobody types, and a short thread switch
interval for the thread that writes frames to the terminal."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from textual.app import App

FULL_GC_EVERY = 30.0
QUIET_FOR_GC = 2.0


def keep_pauses_from_keys(app: App[Any], last_input: Callable[[], float]) -> None:
    """Tune the interpreter for `app`, whose latest key or click came at `last_input()` (on
    `time.monotonic()`'s clock)."""
    # Garbage is collected in full only while nobody types (see _collect_if_quiet); the
    # collector's automatic passes see only what is newer, and stay short.
    gc.freeze()
    gc.set_threshold(700, 10, 100)  # full passes 10x rarer than by default
    app.set_interval(FULL_GC_EVERY, lambda: _collect_if_quiet(last_input))
    # A thread waiting for the interpreter (the one writing frames to the terminal)
    # gets it within 1 ms, not 5, of asking.
    sys.setswitchinterval(0.001)


def _collect_if_quiet(last_input: Callable[[], float]) -> None:
    """A full garbage collection, while no key has come for a while: everything is
    looked at (and what is garbage freed), and what lives is set aside again, so that
    no automatic full pass (~20-90 ms on a busy machine) lands under a person's keys."""
    if time.monotonic() - last_input() > QUIET_FOR_GC:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
