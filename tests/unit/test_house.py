"""The house rules that no import contract can state: files stay small, all SQL is the
ledger's, and every runtime dependency pyproject.toml declares is imported by orgtui."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "orgtui"
MAX_LINES = 400
# A declared distribution and the top-level module it provides.
IMPORT_NAME = {
    "textual": "textual",
    "nvidia-ml-py": "pynvml",
    "google-re2": "re2",
    "matplotlib": "matplotlib",
    "textual-plotext": "textual_plotext",
}


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_over_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in sources()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these by job (over {MAX_LINES} lines): {long}"


def test_all_sql_is_in_the_ledger() -> None:
    sql = re.compile(r"\bsqlite3\b|\.execute(many|script)?\(|\bSELECT\b.*\bFROM\b")
    outside = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in sources()
        if PACKAGE / "ledger" not in p.parents
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if sql.search(line)
    ]
    assert outside == [], f"SQL outside orgtui/ledger/: {outside}"


def imported_modules() -> set[str]:
    found: set[str] = set()
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def test_every_runtime_dependency_is_used() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0] for d in project["dependencies"]]
    unknown = [n for n in names if n not in IMPORT_NAME]
    assert unknown == [], f"say which module these provide in IMPORT_NAME: {unknown}"
    imported = imported_modules()
    unused = [n for n in names if IMPORT_NAME[n] not in imported]
    assert unused == [], f"declared in pyproject.toml but imported nowhere in orgtui/: {unused}"
