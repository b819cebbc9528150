"""What eval says of an `orgtui up` or `down` that failed: the CLI's own error line, not the
last line of the log tail printed after it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from orgtui.report.evalrun import _log


def finished(code: int, stdout: str, stderr: str) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(["orgtui", "up"], code, stdout, stderr)


def test_the_error_line_is_named_and_everything_is_kept(tmp_path: Path) -> None:
    stderr = (
        "orgtui: orgd exited with status -9:\n"
        "2026-12-05 17:02:07,180 orgd INFO listening\n"
        "2026-12-05 17:02:07,183 orgd.jobs INFO devices: 2 CPU slots\n"
    )
    log = tmp_path / "up.log"
    assert _log(log, finished(1, "", stderr), "orgtui up org.toml") == (
        "orgd exited with status -9:"
    )
    assert log.read_text() == f"$ orgtui up org.toml\nexit 1\n{stderr}"


def test_without_an_error_line_the_last_line_and_without_output_the_status(
    tmp_path: Path,
) -> None:
    log = tmp_path / "down.log"
    assert _log(log, finished(1, "", "one\ntwo\n"), "orgtui down") == "two"
    assert _log(log, finished(3, "", ""), "orgtui down") == "exit 3"
    assert _log(log, None, "orgtui down").startswith("did not end in ")
