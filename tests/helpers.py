"""What tests (and the benchmarks that drive a real org) share: one way to wait for a
condition, synchronously or inside a Textual pilot, and one way to write an org file's common
shape (`org_toml`, `agent_toml`)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import textwrap
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

SHELL = ("bash", "--norc", "--noprofile")


class WaitTimeout(AssertionError):
    """A condition did not hold in time (an AssertionError: pytest shows it as a failure)."""


def _expired(timeout: float, what: str, predicate: object) -> WaitTimeout:
    return WaitTimeout(f"timed out after {timeout:g}s waiting for {what or predicate}")


def wait_for(
    predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05, what: str = ""
) -> Any:
    """Poll `predicate` until it returns something truthy, and return that; WaitTimeout after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _expired(timeout, what, predicate)
        time.sleep(interval)


async def wait_for_async(
    predicate: Callable[[], Any],
    pause: Callable[[float], Awaitable[Any]],
    timeout: float = 10.0,
    interval: float = 0.05,
    what: str = "",
) -> Any:
    """`wait_for` inside an event loop: `pause(interval)` between polls (a Textual pilot's
    `pilot.pause`, so the app runs while the test waits)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _expired(timeout, what, predicate)
        await pause(interval)


def org_toml(name: str, *tables: str) -> str:
    """An org file's text: `[org]` named `name` on the test's repo (`repo = "{repo}"`, which
    the write_org fixture fills in), then `tables` in order, a blank line between each: each
    an `agent_toml(...)` or TOML text (a `[scheduler]`, a `[[process]]`: dedented)."""
    header = f'[org]\nname = {_toml(name)}\nrepo = "{{repo}}"\n'
    return "\n".join([header, *(textwrap.dedent(t).strip("\n") + "\n" for t in tables)])


def agent_toml(name: str, command: str | Sequence[str] = SHELL, **keys: object) -> str:
    """One `[[agent]]` table: `name`, then `command` (a bash without rc files or profile
    unless given: a string or a list, as the org file takes either), then `keys` in order
    (strings, numbers, booleans, lists; a dict is an inline table)."""
    lines = ["[[agent]]", f"name = {_toml(name)}", f"command = {_toml(command)}"]
    lines += [f"{key} = {_toml(value)}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # A JSON string is a TOML basic string, once DEL (which TOML wants escaped) is.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


@contextlib.contextmanager
def small_disk(path: Path, size: str = "1M") -> Iterator[Path]:
    """A tmpfs of `size` mounted on `path` (made here: the tests run as root, as CI does),
    unmounted at the end, lazily when a process still sits in it (an agent's pane)."""
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], check=True)


def fill_disk(path: Path) -> None:
    """Write `path` until its filesystem has no byte left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    assert os.statvfs(path).f_bavail == 0
