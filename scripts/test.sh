#!/usr/bin/env bash
# Lint, format check, type check, the layering contract, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
ruff check orgtui tests bench screenshots
ruff format --check orgtui tests bench screenshots
mypy
lint-imports
pytest -q "$@"
