"""The `orgtui` command line (`main.py`; the job and results commands in `jobs.py`)."""

from orgtui.cli.main import main

__all__ = ["main"]
