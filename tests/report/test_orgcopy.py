"""The org file's copy that `orgtui eval` runs: TOML written back reads as what was read, and
the copy is the same org under another name, on another repo and work dir, with its prompt
and brief files found from wherever the copy lives."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from orgtui.config import load_org
from orgtui.report.orgcopy import dumps, org_copy

KEYS = st.text(min_size=1, max_size=8)
SCALARS = st.one_of(
    st.booleans(), st.integers(-(2**63), 2**63 - 1), st.text(max_size=20),
    st.floats(allow_nan=False),
)  # fmt: skip
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3),
                   st.dictionaries(KEYS, SCALARS, max_size=3))  # fmt: skip
TABLES = st.dictionaries(KEYS, VALUES, max_size=4)
DOCS = st.fixed_dictionaries(
    {"top": SCALARS, "org": TABLES, "agent": st.lists(TABLES, min_size=1, max_size=3)}
)


@given(DOCS)
def test_written_toml_reads_back_as_it_was(doc: dict) -> None:
    assert tomllib.loads(dumps(doc)) == doc


def test_odd_values() -> None:
    doc = {"a": {"s": 'quote " back \\ tab \t del \x7f nl \n é 😀', "inf": math.inf,
                 "small": 1e-5, "big": 1e300, "env": {"A B": "c", "ok": "1"}}}  # fmt: skip
    assert tomllib.loads(dumps(doc)) == doc


ORG = """
# a comment that the copy does not keep
[org]
name = "orig"
repo = "{repo}"
brief = "prompts/brief.md"
init = "tinychat"

[research]
train = "{python} train.py --seed {seed}"
seeds = 3

[defaults]
prompt = "prompts/solo.md"

[[agent]]
name = "a"
command = ["bash"]
env = {X = "1"}

[[agent]]
name = "b"
command = "bash"
prompt = "Inline text, not a file."
"""


def test_the_copy_is_the_same_org_elsewhere(
    tmp_path: Path, write_org: Callable[[str], Path]
) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "brief.md").write_text("The brief.\n")
    (tmp_path / "prompts" / "solo.md").write_text("Be careful.\n")
    cfg = load_org(write_org(ORG))
    far = tmp_path / "far" / "away"
    far.mkdir(parents=True)
    copy = far / "org.toml"
    copy.write_text(org_copy(cfg, "orig-ev1-1-1", far / "repo", far / "work"))
    again = load_org(copy)
    assert again.org.name == "orig-ev1-1-1" and again.org.init == ""
    assert (again.org.repo, again.org.workdir) == (far / "repo", far / "work")
    assert again.org.program == "program/orig"  # the original's program branch
    assert again.org.brief == "The brief.\n"
    assert [a.prompt for a in again.agents] == ["Be careful.\n", "Inline text, not a file."]
    assert again.research == cfg.research and again.scheduler == cfg.scheduler
    assert dict(again.agents[0].env) == {"X": "1"}
    assert [a.command for a in again.agents] == [a.command for a in cfg.agents]
