"""A slow stand-in for the model APIs that Claude Code and Codex talk to, on 127.0.0.1.

It answers Anthropic's Messages API (`POST /v1/messages`, streamed as server-sent events;
Claude Code reads `ANTHROPIC_BASE_URL`) and OpenAI's Responses API (`POST /v1/responses`,
streamed; Codex takes it as a model provider's `base_url`). What it answers depends on the
last thing the person typed:

- a message holding `SLOW`: a text answer streamed over `--slow` seconds (the CLI stays on
  its working screen that long);
- a message holding `TOOL`: a shell tool call (`touch standin-was-here`), which the CLI asks
  the person to approve;
- anything else (and every request the CLI makes on its own: titles, quota checks): a short
  text answer at once.

Every request is appended, as one JSON line, to `--log` when given. Run it with
`python -m tests.support.standin_api --port 0 --port-file PATH`: it writes the port it got.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TOOL_COMMAND = "touch standin-was-here"


def _last_user_text(body: dict[str, Any]) -> str:
    """The text of the last message the person (not a tool) sent, as the API carries it."""
    items = body.get("messages") or body.get("input") or []
    if isinstance(items, str):
        return items
    for item in reversed(items):
        if item.get("role") != "user":
            continue
        content = item.get("content")
        if isinstance(content, str):
            return content
        texts = [
            part.get("text", "")
            for part in content or []
            if part.get("type") in ("text", "input_text")
        ]
        if texts:
            return "\n".join(texts)
        return ""  # a tool's result: the person typed nothing new
    return ""


def _plan(body: dict[str, Any]) -> str:
    said = _last_user_text(body)
    # Only the last line a person typed counts: a CLI's own requests quote whole
    # conversations (a title for it), which must not turn into slow answers.
    if body.get("tools") and "TOOL" in said:
        return "tool"
    if "SLOW" in said and body.get("tools"):
        return "slow"
    return "quick"


class Handler(BaseHTTPRequestHandler):
    server: StandIn

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._json(200, {"data": [], "models": []})

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        path = self.path.split("?", 1)[0]
        plan = _plan(body) if isinstance(body, dict) else "quick"
        if self.server.dump is not None and body.get("tools"):
            self.server.dump.write_text(json.dumps(body, indent=1))
        self.server.record({"path": path, "plan": plan, "model": body.get("model"),
                            "stream": body.get("stream"),
                            "tools": [t.get("name") or t.get("type")
                                      for t in body.get("tools") or []]})  # fmt: skip
        if path.endswith("/messages/count_tokens"):
            self._json(200, {"input_tokens": 10})
        elif path.endswith("/messages"):
            self._anthropic(body, plan)
        elif path.endswith("/responses"):
            self._openai(body, plan)
        else:
            self._json(200, {})

    # -- plumbing -----------------------------------------------------------------------

    def _json(self, status: int, value: object) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _event(self, name: str, data: dict[str, Any]) -> None:
        self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()

    def _words(self, plan: str) -> list[str]:
        if plan != "slow":
            return ["Done."]
        count = max(1, int(self.server.slow))
        return [f"word{i} " for i in range(count)]

    def _pause(self, plan: str) -> None:
        if plan == "slow":
            time.sleep(1.0)

    def _think(self, plan: str) -> None:
        """A slow answer's first token comes late: the CLI shows it is working, nothing else."""
        if plan == "slow":
            time.sleep(self.server.think)

    # -- Anthropic Messages ---------------------------------------------------------------

    def _anthropic(self, body: dict[str, Any], plan: str) -> None:
        model = body.get("model") or "claude-standin"
        usage = {"input_tokens": 10, "output_tokens": 1}
        message = {"id": f"msg_{time.time_ns()}", "type": "message", "role": "assistant",
                   "model": model, "content": [], "stop_reason": None,
                   "stop_sequence": None, "usage": usage}  # fmt: skip
        if not body.get("stream"):
            content: list[dict[str, Any]] = [{"type": "text", "text": "Done."}]
            self._json(200, {**message, "content": content, "stop_reason": "end_turn"})
            return
        self._start_stream()
        self._event("message_start", {"type": "message_start", "message": message})
        self._think(plan)
        if plan == "tool":
            block = {"type": "tool_use", "id": f"toolu_{time.time_ns()}", "name": "Bash",
                     "input": {}}  # fmt: skip
            self._event("content_block_start",
                        {"type": "content_block_start", "index": 0, "content_block": block})  # fmt: skip
            arguments = json.dumps({"command": TOOL_COMMAND, "description": "Leave a mark"})
            delta = {"type": "input_json_delta", "partial_json": arguments}
            self._event("content_block_delta",
                        {"type": "content_block_delta", "index": 0, "delta": delta})  # fmt: skip
            stop = "tool_use"
        else:
            block = {"type": "text", "text": ""}
            self._event("content_block_start",
                        {"type": "content_block_start", "index": 0, "content_block": block})  # fmt: skip
            for word in self._words(plan):
                self._pause(plan)
                delta = {"type": "text_delta", "text": word}
                self._event("content_block_delta",
                            {"type": "content_block_delta", "index": 0, "delta": delta})  # fmt: skip
            stop = "end_turn"
        self._event("content_block_stop", {"type": "content_block_stop", "index": 0})
        self._event("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": stop, "stop_sequence": None},
                                      "usage": {"output_tokens": 5}})  # fmt: skip
        self._event("message_stop", {"type": "message_stop"})

    # -- OpenAI Responses ------------------------------------------------------------------

    def _openai(self, body: dict[str, Any], plan: str) -> None:
        rid = f"resp_{time.time_ns()}"
        response = {"id": rid, "object": "response", "status": "in_progress", "output": [],
                    "model": body.get("model") or "standin"}  # fmt: skip
        self._start_stream()
        self._event("response.created", {"type": "response.created", "response": response})
        self._think(plan)
        output: list[dict[str, Any]] = []
        if plan == "tool":
            item = self._openai_tool(body)
            self._event("response.output_item.added",
                        {"type": "response.output_item.added", "output_index": 0, "item": item})  # fmt: skip
            self._event("response.output_item.done",
                        {"type": "response.output_item.done", "output_index": 0, "item": item})  # fmt: skip
            output.append(item)
        else:
            mid = f"msg_{time.time_ns()}"
            item = {"type": "message", "id": mid, "role": "assistant", "status": "in_progress",
                    "content": []}  # fmt: skip
            self._event("response.output_item.added",
                        {"type": "response.output_item.added", "output_index": 0, "item": item})  # fmt: skip
            text = ""
            for word in self._words(plan):
                self._pause(plan)
                text += word
                self._event("response.output_text.delta",
                            {"type": "response.output_text.delta", "item_id": mid,
                             "output_index": 0, "content_index": 0, "delta": word})  # fmt: skip
            done = {**item, "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}  # fmt: skip
            self._event("response.output_item.done",
                        {"type": "response.output_item.done", "output_index": 0, "item": done})  # fmt: skip
            output.append(done)
        usage = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": 15}  # fmt: skip
        completed = {**response, "status": "completed", "output": output, "usage": usage}
        self._event("response.completed", {"type": "response.completed", "response": completed})

    def _openai_tool(self, body: dict[str, Any]) -> dict[str, Any]:
        """A call of the shell tool the request offers (its name and argument shape differ
        between Codex versions)."""
        names = {t.get("name") or t.get("type"): t for t in body.get("tools") or []}
        call = f"call_{time.time_ns()}"
        for name in ("exec_command", "shell_command"):
            if name in names:
                args = {"cmd" if name == "exec_command" else "command": TOOL_COMMAND,
                        # outside the sandbox: the CLI must ask, whatever folder it trusts
                        "sandbox_permissions": "require_escalated",
                        "justification": "Leave a mark?"}  # fmt: skip
                return {"type": "function_call", "id": f"fc_{call}", "call_id": call,
                        "name": name, "arguments": json.dumps(args), "status": "completed"}  # fmt: skip
        arguments = json.dumps({"command": ["bash", "-lc", TOOL_COMMAND],
                                "with_escalated_permissions": True,
                                "justification": "Leave a mark?"})  # fmt: skip
        return {"type": "function_call", "id": f"fc_{call}", "call_id": call, "name": "shell",
                "arguments": arguments, "status": "completed"}  # fmt: skip


class StandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, slow: float, think: float, log: Path | None) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.think = think
        self.dump: Path | None = log.with_suffix(".last.json") if log else None
        self.slow = slow
        self.log = log
        self._lock = threading.Lock()

    def record(self, entry: dict[str, Any]) -> None:
        if self.log is None:
            return
        with self._lock, self.log.open("a") as f:
            f.write(json.dumps(entry) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path)
    parser.add_argument("--slow", type=float, default=60.0, help="seconds a SLOW answer takes")
    parser.add_argument("--think", type=float, default=20.0,
                        help="seconds before a SLOW answer's first token")  # fmt: skip
    parser.add_argument("--log", type=Path)
    args = parser.parse_args(argv)
    server = StandIn(args.port, args.slow, args.think, args.log)
    if args.port_file:
        args.port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
