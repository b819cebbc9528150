"""Metrics from a job's log, in the ledger's canonical names and units.

The log is fed as it grows (`MetricParser.feed`), so metrics are known while a job runs. Lines
are read with ANSI escapes removed; what is understood:

- autoresearch's summary, `key: value` lines (`val_bpb: 0.997900`, `total_tokens_M: 12.5`,
  `peak_vram_mb: 45060.2`, `num_params_M: 50.3`, `training_seconds: 300.1`, `mfu_percent:
  39.8`): the `_M` ones are scaled to counts;
- nanochat's per-step line (`step 00010/00100 (10.00%) | loss: 8.308383 | ... | tok/sec:
  14,789 | bf16_mfu: 0.00 | ...`): the step, `loss`, `tok_per_sec` (commas dropped),
  `mfu_percent`; its `Step 00025 | Validation bpb: 3.856866` (`val_bpb`, the latest),
  `Step 02000 | CORE metric: 0.2103` (`core`) and `Minimum validation bpb: 3.239148` (`val_bpb`,
  final: later validation lines do not replace it);
- the org's own `[scheduler.metrics]`: a name and a regex with one group; the last match.

Anything else (text samples, progress bars) is ignored.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping

from orgtui.config.patterns import metric_pattern

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.")
_NUMBER = r"([-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_SUMMARY = re.compile(rf"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*{_NUMBER}\s*$")
_STEP = re.compile(r"^step\s+(\d+)/(\d+)\b")
_FIELD = re.compile(rf"\|\s*([A-Za-z_/][A-Za-z0-9_/ ]*?)\s*:\s*{_NUMBER}(ms|s)?")
_VAL = re.compile(rf"^Step\s+\d+\s*\|\s*Validation bpb:\s*{_NUMBER}")
_CORE = re.compile(rf"^Step\s+\d+\s*\|\s*CORE metric:\s*{_NUMBER}")
_MIN_VAL = re.compile(rf"^Minimum validation bpb:\s*{_NUMBER}")

# autoresearch's summary names onto ours: (canonical name, scale).
SUMMARY_NAMES: dict[str, tuple[str, float]] = {
    "val_bpb": ("val_bpb", 1),
    "training_seconds": ("training_seconds", 1),
    "total_seconds": ("total_seconds", 1),
    "peak_vram_mb": ("peak_mem_mb", 1),
    "peak_mem_mb": ("peak_mem_mb", 1),
    "mfu_percent": ("mfu_percent", 1),
    "total_tokens_M": ("total_tokens", 1e6),
    "total_tokens": ("total_tokens", 1),
    "num_steps": ("num_steps", 1),
    "num_params_M": ("num_params", 1e6),
    "num_params": ("num_params", 1),
    "flops": ("flops", 1),
    "tok_per_sec": ("tok_per_sec", 1),
    "depth": ("depth", 1),
}
# nanochat's step-line fields onto ours.
STEP_FIELDS = {"loss": "loss", "tok/sec": "tok_per_sec", "bf16_mfu": "mfu_percent"}


def _num(text: str) -> float:
    return float(text.replace(",", ""))


class MetricParser:
    """Feed it a log as it grows; `metrics` holds what it has read so far."""

    def __init__(self, extra: Mapping[str, str] | None = None) -> None:
        self.metrics: dict[str, float] = {}
        # The org file's patterns run through RE2 (linear time): a log line cannot stall orgd.
        self._extra = {name: metric_pattern(rx) for name, rx in (extra or {}).items()}
        self._rest = ""
        self._final_val = False

    def feed(self, text: str) -> dict[str, float]:
        """Read more of the log (any chunk: a line cut in two waits for its end)."""
        lines = (self._rest + text).split("\n")
        self._rest = lines.pop()
        for line in lines:
            self._line(line)
        return self.metrics

    def close(self) -> dict[str, float]:
        """The log is complete: read its last line too."""
        if self._rest:
            self._line(self._rest)
            self._rest = ""
        return self.metrics

    def _line(self, raw: str) -> None:
        line = _ANSI.sub("", raw).replace("\r", "").strip()
        if not line:
            return
        for name, rx in self._extra.items():
            if m := rx.search(line):
                with contextlib.suppress(IndexError, ValueError):  # a regex without a number
                    self.metrics[name] = _num(m.group(1))
        if m := _STEP.match(line):
            self.metrics["step"] = float(m.group(1))
            for fm in _FIELD.finditer(line):
                canonical = STEP_FIELDS.get(fm.group(1).strip())
                if canonical:
                    self.metrics[canonical] = _num(fm.group(2))
        elif m := _MIN_VAL.match(line):
            self.metrics["val_bpb"] = _num(m.group(1))
            self._final_val = True
        elif m := _VAL.match(line):
            if not self._final_val:
                self.metrics["val_bpb"] = _num(m.group(1))
        elif m := _CORE.match(line):
            self.metrics["core"] = _num(m.group(1))
        elif m := _SUMMARY.match(line):
            known = SUMMARY_NAMES.get(m.group(1))
            if known:
                name, scale = known
                self.metrics[name] = _num(m.group(2)) * scale
                if name == "val_bpb":
                    self._final_val = True


def parse_log(text: str, extra: Mapping[str, str] | None = None) -> dict[str, float]:
    parser = MetricParser(extra)
    parser.feed(text)
    return parser.close()
