"""Verdicts on results: pure functions from a group of seeds and its reference (per-seed
metrics and compute) to a verdict (DESIGN.md, "How the ledger judges results"). All of orgtui's
statistics live here and nowhere else. A leaf: it imports nothing of orgtui's but
`orgtui.enums`, so the ledger, the daemon and the reports can all call it."""
