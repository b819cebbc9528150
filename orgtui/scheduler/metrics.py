"""Metrics from a job's log, in the ledger's canonical names and units.

The log is fed as it grows (`MetricParser.feed`), so metrics are known while a job runs. Lines
are read with ANSI escapes removed; what is understood:

- autoresearch's summary, `key: value` lines (`val_bpb: 0.997900`, `total_tokens_M: 12.5`,
  `peak_vram_mb: 45060.2`, `num_params_M: 50.3`, `training_seconds: 300.1`, `mfu_percent:
  39.8`): the `_M` ones are scaled to counts;
- nanochat's per-step line (`step 00010/00100 (10.00%) | loss: 8.308383 | ... | tok/sec:
  14,789 | bf16_mfu: 0.00 | ...`): the step, `loss`, `mfu_percent` and `tok_per_sec` (commas
  dropped; the mean over the step lines so far, unless a summary `tok_per_sec:` line gave the
  run's own figure); its `Step 00025 | Validation bpb: 3.856866` (`val_bpb`, the latest),
  `Step 02000 | CORE metric: 0.2103` (`core`) and `Minimum validation bpb: 3.239148` (`val_bpb`,
  final: later validation lines do not replace it);
- nanochat's compute lines: `Total number of training tokens: 204,800` (`total_tokens`),
  `Total training FLOPs estimate: 1.288549e+12` (`flops`), the `total` line of its `Parameter
  counts:` block (`num_params`; the block's other lines are no metrics) or the older `Number of
  parameters: 560,988,160`, `Calculated number of iterations from target FLOPs: 50` (also `from
  target data:param ratio`, and `Using user-provided number of iterations`: `num_steps`, the
  steps the run plans), `Peak memory usage: 0.00MiB` (`peak_mem_mb`; KiB and GiB are scaled)
  and `Total training time: 1.82m` (`training_seconds`; s, m and h are understood);
- the org's own `[scheduler.metrics]`: a name and a regex with one group; the last match.

Anything else (text samples, progress bars) is ignored.
"""

from __future__ import annotations

import contextlib
import math
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
# nanochat's lines about the run's compute: (pattern, canonical name).
_COMPUTE = (
    (re.compile(rf"^Total number of training tokens:\s*{_NUMBER}$"), "total_tokens"),
    (re.compile(rf"^Total training FLOPs estimate:\s*{_NUMBER}$"), "flops"),
    (re.compile(rf"^Number of parameters:\s*{_NUMBER}(?:\s*\(.*\))?$"), "num_params"),
    (
        re.compile(
            rf"^(?:Calculated number of iterations from target (?:FLOPs|data:param ratio)"
            rf"|Using user-provided number of iterations):\s*{_NUMBER}$"
        ),
        "num_steps",
    ),
)
_PARAMS = "Parameter counts:"
_PARAM_LINE = re.compile(rf"^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*{_NUMBER}$")
_PEAK_MEM = re.compile(rf"^Peak memory usage:\s*{_NUMBER}\s*(KiB|MiB|GiB)?$")
_TRAIN_TIME = re.compile(rf"^Total training time:\s*{_NUMBER}\s*(s|m|h)?$")
MIB = {"KiB": 1 / 1024, "MiB": 1.0, "GiB": 1024.0}
"""Peak memory units onto MiB (none printed: MiB)."""
SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0}
"""Training time units onto seconds (none printed: seconds)."""

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
        self._final_rate = False  # a summary `tok_per_sec:` was read: it wins over the mean
        self._rates: list[float] = []
        self._in_params = False  # inside nanochat's `Parameter counts:` block

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
        if line:
            self._read(line)
            # A number too large for a float (`val_bpb: 1e999`) is no measurement, and JSON
            # (the ledger's, SQLite's json_extract) has no infinity.
            for name in [k for k, v in self.metrics.items() if not math.isfinite(v)]:
                del self.metrics[name]

    def _read(self, line: str) -> None:
        for name, rx in self._extra.items():
            if m := rx.search(line):
                with contextlib.suppress(IndexError, ValueError):  # a regex without a number
                    self.metrics[name] = _num(m.group(1))
        if self._in_params and self._param_line(line):
            return
        if m := _STEP.match(line):
            self.metrics["step"] = float(m.group(1))
            for fm in _FIELD.finditer(line):
                canonical = STEP_FIELDS.get(fm.group(1).strip())
                if canonical == "tok_per_sec":
                    self._rate(_num(fm.group(2)))
                elif canonical:
                    self.metrics[canonical] = _num(fm.group(2))
        elif line == _PARAMS:
            self._in_params = True
        elif self._compute(line):
            pass
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
                elif name == "tok_per_sec":
                    self._final_rate = True

    def _rate(self, value: float) -> None:
        """A step line's tokens per second: the metric is their mean."""
        self._rates.append(value)
        if not self._final_rate:
            self.metrics["tok_per_sec"] = sum(self._rates) / len(self._rates)

    def _param_line(self, line: str) -> bool:
        """A line of the `Parameter counts:` block (True: it was one); only `total` counts."""
        m = _PARAM_LINE.match(line)
        if m is None:
            self._in_params = False
            return False
        if m.group(1) == "total":
            self.metrics["num_params"] = _num(m.group(2))
            self._in_params = False
        return True

    def _compute(self, line: str) -> bool:
        """nanochat's lines about the run's compute (True: the line was one)."""
        for rx, name in _COMPUTE:
            if m := rx.match(line):
                self.metrics[name] = _num(m.group(1))
                return True
        if m := _PEAK_MEM.match(line):
            self.metrics["peak_mem_mb"] = _num(m.group(1)) * MIB[m.group(2) or "MiB"]
            return True
        if m := _TRAIN_TIME.match(line):
            seconds = _num(m.group(1)) * SECONDS[m.group(2) or "s"]
            self.metrics["training_seconds"] = round(seconds, 3)
            return True
        return False


def parse_log(text: str, extra: Mapping[str, str] | None = None) -> dict[str, float]:
    parser = MetricParser(extra)
    parser.feed(text)
    return parser.close()
