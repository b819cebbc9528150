#!/usr/bin/env bash
# Lint, format check, type check, the layering contract, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
ruff check orgtui tests bench
ruff format --check orgtui tests bench
mypy
lint-imports
pytest -q "$@"
