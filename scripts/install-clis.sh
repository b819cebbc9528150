#!/usr/bin/env bash
# Install the agent CLIs orgtui is tested with, at the versions it is tested with, into .tools/
# (kept out of git): Claude Code and Codex from npm. The end-to-end test of their first start
# (tests/e2e/test_real_cli_start.py) runs these. Needs node and npm (apt-get installs them when
# missing); fails, loudly, when the registry cannot be reached. Safe to run again: a copy at the
# pinned versions is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

CLAUDE_CODE_VERSION=2.1.332
CODEX_VERSION=0.171.0
tools=.tools
bin="$tools/node_modules/.bin"

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "install-clis: installing nodejs and npm with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

have() { [ -x "$bin/$1" ] && "$bin/$1" --version 2>/dev/null | grep -qF "$2"; }

if have claude "$CLAUDE_CODE_VERSION" && have codex "$CODEX_VERSION"; then
    echo "install-clis: claude $CLAUDE_CODE_VERSION and codex $CODEX_VERSION already in $bin"
    exit 0
fi
mkdir -p "$tools"
npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error \
    "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" "@openai/codex@$CODEX_VERSION"
# Claude Code's package puts its native binary in place in a postinstall script; an npm that
# holds install scripts back leaves a placeholder, so run it where that happened.
if ! have claude "$CLAUDE_CODE_VERSION"; then
    (cd "$tools/node_modules/@anthropic-ai/claude-code" && node install.cjs)
fi
have claude "$CLAUDE_CODE_VERSION" || { echo "install-clis: claude does not run" >&2; exit 1; }
have codex "$CODEX_VERSION" || { echo "install-clis: codex does not run" >&2; exit 1; }
echo "install-clis: claude $CLAUDE_CODE_VERSION and codex $CODEX_VERSION in $bin"
