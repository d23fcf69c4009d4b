"""The load generator of ``make bench-http``: concurrent keep-alive HTTP/1.1 clients, timed by status.

Why this exists: ``bot.evaluation.bench_http`` starts the real server and prints the tables; this
module is the clients. Our own asyncio client over raw keep-alive connections, not ``hey``/``wrk``:
it needs nothing but the venv, times each request by status (so the p99 of the *answered*
requests is not flattered by fast 503s), gives p99.9, checks every 503 for ``Retry-After`` and can
run stateful self-diagnosis flows. It costs CPU on the same cores as the server: compare loads
within one run, never across machines.

Loads: ``health`` (``GET /health``), ``repeated`` (one popular question: a retrieval cache hit),
``distinct`` (the eval set's questions with prefixes: more distinct texts than the cache holds)
and ``mixed`` (distinct questions, a quarter of the clients doing self-diagnosis steps instead).
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.evaluation.dataset import load_eval_set
from bot.settings import ROOT

__all__ = ["LOADS", "POPULAR", "Connection", "LoadResult", "question_pool", "questions_asked", "run_load"]

LOADS = ("health", "repeated", "distinct", "mixed")
# One cursor for the whole process: a load never asks again what an earlier load (the warm-up,
# another client count) already asked, so "distinct" stays a cold-cache load in every row.
_ASKED = [0]  # the cursor: questions handed out so far (the loads share one event loop)
_IDLE_SECONDS = 4.0  # below the server's keep-alive timeout (5 s)
_PREFIXES = (
    "",
    "Hola, ",
    "Por favor, ",
    "Buenas tardes, ",
    "Una consulta: ",
    "Oiga, ",
    "Disculpe, ",
    "Quisiera saber ",
    "Me explica ",
)
_SUFFIXES = ("", "?", " por favor", " porfa")
# With the eval set: 465 × 9 × 4 = 16,731 distinct texts, more than a server answers in a whole
# bench-http run (≈ 5,000 with 2 rounds): a wrapped cursor would re-ask cached questions.
POPULAR = "que es una iniciativa cluster"


@dataclass
class LoadResult:
    name: str
    clients: int
    seconds: float
    latencies: dict[int, list[float]] = field(default_factory=dict)  # by status
    statuses: Counter = field(default_factory=Counter)
    missing_retry_after: int = 0
    failures: int = 0  # connection errors
    cpu_seconds: float = 0.0
    steps: list[float] = field(default_factory=list)  # answered self-diagnosis steps (mixed): seconds
    step_statuses: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    def percentile(self, q: float) -> float:
        return _percentile([v for status, vs in self.latencies.items() if 200 <= status < 300 for v in vs], q)

    def step_percentile(self, q: float) -> float:
        """Of the self-diagnosis steps alone: they must never wait behind question embedding."""
        return _percentile(self.steps, q)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


class Connection:
    """One keep-alive HTTP/1.1 connection: just enough of the protocol for our own server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        payload = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(payload)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        assert self.reader is not None  # opened together with the writer above
        self.writer.write(head.encode() + b"\r\n" + payload)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        content = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@functools.cache
def _questions() -> tuple[str, ...]:
    base = [item.q for item in load_eval_set(ROOT / "corpus" / "eval" / "questions.yaml")]
    texts = (prefix + q + suffix for suffix in _SUFFIXES for prefix in _PREFIXES for q in base)
    return tuple(dict.fromkeys(texts))  # «…mercado» + "?" can be another eval question as written


def question_pool() -> int:
    """How many distinct texts the ``distinct`` and ``mixed`` loads ask before repeating one."""
    return len(_questions())


def questions_asked() -> int:
    """Questions handed out so far in this process (compare with ``question_pool``)."""
    return _ASKED[0]


async def _diagnosis_flow(conn: Connection, record) -> None:
    """Start a self-diagnosis and answer its 13 steps (each step is one timed request)."""
    started = time.perf_counter()
    status, _, body = await conn.request("POST", "/api/diagnosis", {})
    record(status, time.perf_counter() - started, {})
    if status != 201:
        return
    diagnosis_id = json.loads(body)["id"]
    for step in range(13):
        started = time.perf_counter()
        status, headers, _ = await conn.request("POST", f"/api/diagnosis/{diagnosis_id}/answer", {"answer": step % 3})
        record(status, time.perf_counter() - started, headers)


async def run_load(
    port: int,
    name: str,
    clients: int,
    seconds: float,
    *,
    cpu: Callable[[], float] | None = None,
    patient: bool = True,
) -> LoadResult:
    """``clients`` concurrent keep-alive clients for ``seconds``; ``name`` picks the load; ``cpu``
    (the server's CPU seconds so far) gives ``cpu_seconds`` over the load. A ``patient`` client
    told 503 waits ``Retry-After`` seconds before its next question, as the widget and the
    Telegram bot do; an impatient one asks again at once (a script hammering the service)."""
    result = LoadResult(name, clients, seconds)
    questions = _questions()
    deadline = time.perf_counter() + seconds

    def record(status: int, elapsed: float, headers: dict) -> None:
        result.statuses[status] += 1
        result.latencies.setdefault(status, []).append(elapsed)
        if status == 503 and "retry-after" not in headers:
            result.missing_retry_after += 1

    def record_step(status: int, elapsed: float, headers: dict) -> None:
        record(status, elapsed, headers)
        result.step_statuses[status] += 1
        if 200 <= status < 300:
            result.steps.append(elapsed)

    async def client(number: int) -> None:
        conn = Connection(port)
        diagnosing = name == "mixed" and number % 4 == 0
        try:
            while time.perf_counter() < deadline:
                try:
                    if diagnosing:
                        await _diagnosis_flow(conn, record_step)
                        continue
                    request: tuple[str, str, dict[str, str] | None]
                    if name == "health":
                        request = ("GET", "/health", None)
                    elif name == "repeated":
                        request = ("POST", "/api/ask", {"question": POPULAR})
                    else:
                        asked, _ASKED[0] = _ASKED[0], _ASKED[0] + 1
                        request = ("POST", "/api/ask", {"question": questions[asked % len(questions)]})
                    started = time.perf_counter()
                    status, headers, _ = await conn.request(*request)
                    record(status, time.perf_counter() - started, headers)
                    if patient and status == 503 and headers.get("retry-after", "").isdigit():
                        pause = min(int(headers["retry-after"]), deadline - time.perf_counter())
                        await asyncio.sleep(pause)
                        if pause >= _IDLE_SECONDS:  # the server closes idle connections: a new one, as browsers do
                            conn.close()
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    result.failures += 1
                    conn.close()
                    await asyncio.sleep(0.05)
        finally:
            conn.close()

    cpu_before = cpu() if cpu else 0.0
    await asyncio.gather(*(client(i) for i in range(clients)))
    result.cpu_seconds = cpu() - cpu_before if cpu else 0.0
    return result
