"""`orgtui NAME` alone: a command's name is the command, never read as an org file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orgtui.cli.main import parser, subcommands


def test_every_command_is_known_by_name() -> None:
    names = subcommands(parser())
    assert {"up", "job", "group", "baseline", "results", "agent", "init"} <= names


def test_a_command_alone_is_not_an_org_file(tmp_path: Path) -> None:
    for name in ("group", "baseline"):
        proc = subprocess.run([sys.executable, "-m", "orgtui", name], cwd=tmp_path,
                              capture_output=True, text=True)  # fmt: skip
        assert "cannot read org file" not in proc.stderr, proc.stderr
        assert proc.returncode == 2
