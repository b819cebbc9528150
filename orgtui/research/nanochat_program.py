"""The `program.md` that `orgtui init --task nanochat` adds for the agents: how a result of
nanochat counts in an org (the harness judges, not the agent)."""

from __future__ import annotations

PROGRAM_MD = """\
# The research program: nanochat's base model at a fixed compute budget

This is karpathy's nanochat with one commit of orgtui's on top: the run's seed comes from
`ORGTUI_SEED` (in `nanochat/common.py`), so every seed of a group is a different run. Nothing
else of nanochat was changed. The program's question is in the org's brief; the metric is
`val_bpb` (bits per byte on held-out text, lower is better), printed by
`scripts/base_train.py` as `Step N | Validation bpb: X` and `Minimum validation bpb: X`.

How a result counts (the harness judges, not you):

- One change at a time, so each result says what caused it; commit it on your branch, then
  `orgtui job submit --seeds 3`: a group of 3 runs of the org's training command, whose seeds
  orgd draws. Never run training in your pane, never pick a seed, never change the budget.
- Every run trains for the org's FLOPs budget (`--target-flops`, recorded with the run); the
  number of steps follows from the model's FLOPs per token. A change that makes the model
  bigger gets fewer steps at the same budget, and the ledger flags it `more_params`.
- The run's length, its seed and its devices are the harness's: leave the seeding line in
  `nanochat/common.py` as it is, and do not add options that change how long a run trains.
- When the group's last seed ends, the ledger compares it with its reference (the baseline
  of the program head you forked from, or your own earlier kept change), at the same budget
  and device type, with the seed noise pooled over every group at this budget. The verdict is
  `better` only when the mean beats the reference beyond the noise at no more FLOPs;
  otherwise `worse`, `within_noise`, `more_compute` or `invalid` (with its reason).
- Keep the commit only when the verdict is `better`; otherwise drop it. Post what you find,
  wins and losses alike, quoting the verdict line.
"""
