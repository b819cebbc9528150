#!/usr/bin/env bash
# Set up orgtui on a fresh Debian machine: tmux and git (apt-get, when missing), a virtual
# environment in .venv with orgtui, its research extra (PyTorch 2.13.0, the CPU build) and its
# dev tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v tmux >/dev/null || missing+=(tmux)
command -v git >/dev/null || missing+=(git)
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=python3.11
command -v "$python" >/dev/null || python=python3
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
# torch first, pinned: a bare range would resolve to a several-GB CUDA build.
.venv/bin/pip install -q --disable-pip-version-check torch==2.13.0
.venv/bin/pip install -q --disable-pip-version-check -e '.[dev,research]'
echo "setup: ready ($(.venv/bin/orgtui --help >/dev/null && echo orgtui ok), $(tmux -V), $(git --version))"
