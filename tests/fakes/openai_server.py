"""A small OpenAI-compatible chat server on loopback that misbehaves on purpose.

Why this exists: the generative answerer must survive every way a model server fails, and a
real server cannot be made to fail on cue. This one speaks the real wire protocol
(``POST /v1/chat/completions``, streamed as server-sent events with chunked transfer encoding),
so ``ChatOpenAI`` and its HTTP client run unmodified against it. ``mode`` picks the behaviour:

* ``echo``      — a good answer: the first sentence of passage 1 of the question, cited ``[1]``;
* ``slow``      — waits ``delay`` seconds before answering (past the client's timeout);
* ``error``     — HTTP 500 with an error body;
* ``garbage``   — HTTP 200 with a body that is not JSON nor events;
* ``empty``     — a well-formed stream with no text;
* ``made_up``   — cites a passage that does not exist;
* ``unsupported`` — cites passage 1 for a claim it does not make;
* ``die``       — streams a few tokens, then drops the connection mid-body (a killed server).
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeOpenAI"]

_PASSAGE_ONE = re.compile(r'<pasaje n="1"[^>]*>\n(.*?)\n</pasaje>', re.S)


def _first_sentence(text: str) -> str:
    first = re.split(r"(?<=[.!?:])\s+", text.strip().split("\n")[0])[0]
    return first.rstrip(":").rstrip(".").lstrip("• ")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        fake = self.server.fake
        fake.requests.append(body)
        mode = fake.mode
        if mode == "slow":
            time.sleep(fake.delay)
        if mode == "error":
            return self._plain(500, b'{"error": {"message": "internal error", "type": "server_error"}}')
        if mode == "garbage":
            return self._plain(200, b"\x00\x01<html>definitely not json", "application/json")
        user = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
        match = _PASSAGE_ONE.search(user[-1] if user else "")
        sentence = _first_sentence(match.group(1)) if match else "Sin pasajes"
        text = {
            "echo": f"{sentence} [1].",
            "slow": f"{sentence} [1].",
            "empty": "",
            "made_up": "El presupuesto anual de cada iniciativa es de 5 millones de pesos [9].",
            "unsupported": "Los dragones del norte financian los torneos de ajedrez [1].",
            "die": f"{sentence} {sentence} {sentence} [1].",
        }[mode]
        if not body.get("stream"):
            reply = {
                "id": "x",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            }
            return self._plain(200, json.dumps(reply).encode(), "application/json")
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        words = re.findall(r"\S+\s*", text)
        for number, word in enumerate(words):
            if mode == "die" and number == 4:
                self.wfile.flush()
                self.connection.shutdown(2)  # the server is killed: no last chunk, no [DONE]
                self.close_connection = True
                return
            self._event({"choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]})
            time.sleep(fake.token_delay)
        self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    def _event(self, data: dict) -> None:
        data = {"id": "x", "object": "chat.completion.chunk", "model": "fake", "created": 0, **data}
        self._chunk(f"data: {json.dumps(data)}\n\n".encode())

    def _chunk(self, payload: bytes) -> None:
        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()

    def _plain(self, status: int, payload: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timed out) closes its socket: expected here, not worth a traceback."""


class FakeOpenAI:
    """``with FakeOpenAI() as server: server.mode = "die"; … server.base_url``"""

    def __init__(self, mode: str = "echo", *, delay: float = 3.0, token_delay: float = 0.01) -> None:
        self.mode = mode
        self.delay = delay
        self.token_delay = token_delay
        self.requests: list[dict] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
