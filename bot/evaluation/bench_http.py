"""``make bench-http``: the HTTP API under concurrent users, against a real ``asesor serve``.

Why this exists: one question alone is fast; what users feel under a portal announcement or a
Telegram broadcast is throughput and tail latency with many clients at once. This starts the real
server (1 and 2 workers, rate limit lifted, loopback only), runs bounded loads with 32 and 128
clients — ``/health``, one popular question repeated, distinct questions (cold cache), distinct
questions mixed with self-diagnosis steps — and prints answers/s, p50/p99/p99.9 of the answered
requests, the count of every status (503s checked for ``Retry-After``) and the server processes'
CPU milliseconds per answer (from ``/proc``).

The load generator is our own asyncio client over raw keep-alive HTTP/1.1 connections, not
``hey``/``wrk``: it needs nothing but the venv, times each request by status (so the p99 of the
*answered* requests is not flattered by fast 503s), gives p99.9, and can run stateful diagnosis
flows. It costs CPU on the same cores as the server: compare loads within one run (each table
prints the same run's ``/health``), never across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.evaluation.dataset import load_eval_set
from bot.settings import ROOT

__all__ = ["LoadResult", "main", "run_load"]

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
)  # with the eval set: more distinct texts than the cache holds
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

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    def percentile(self, q: float) -> float:
        values = sorted(v for status, vs in self.latencies.items() if 200 <= status < 300 for v in vs)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))] * 1000


class _Connection:
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


def _questions() -> list[str]:
    base = [item.q for item in load_eval_set(ROOT / "corpus" / "eval" / "questions.yaml")]
    return [prefix + q for prefix in _PREFIXES for q in base]


async def _diagnosis_flow(conn: _Connection, record) -> None:
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


async def run_load(port: int, name: str, clients: int, seconds: float, *, pids: list[int] | None = None) -> LoadResult:
    """``clients`` concurrent keep-alive clients for ``seconds``; ``name`` picks the load."""
    result = LoadResult(name, clients, seconds)
    questions = _questions()
    cursor = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    def record(status: int, elapsed: float, headers: dict) -> None:
        result.statuses[status] += 1
        result.latencies.setdefault(status, []).append(elapsed)
        if status == 503 and "retry-after" not in headers:
            result.missing_retry_after += 1

    async def client(number: int) -> None:
        conn = _Connection(port)
        diagnosing = name == "mixed" and number % 4 == 0
        try:
            while time.perf_counter() < deadline:
                try:
                    if diagnosing:
                        await _diagnosis_flow(conn, record)
                        continue
                    request: tuple[str, str, dict[str, str] | None]
                    if name == "health":
                        request = ("GET", "/health", None)
                    elif name == "repeated":
                        request = ("POST", "/api/ask", {"question": POPULAR})
                    else:
                        request = ("POST", "/api/ask", {"question": questions[next(cursor) % len(questions)]})
                    started = time.perf_counter()
                    status, headers, _ = await conn.request(*request)
                    record(status, time.perf_counter() - started, headers)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    result.failures += 1
                    conn.close()
                    await asyncio.sleep(0.05)
        finally:
            conn.close()

    cpu_before = _cpu_seconds(pids or [])
    await asyncio.gather(*(client(i) for i in range(clients)))
    result.cpu_seconds = _cpu_seconds(pids or []) - cpu_before
    return result


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (uvicorn's workers are children of the supervisor)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = task / "children"
            if children.exists():
                todo.extend(int(c) for c in children.read_text().split())
    return found


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in {p for root in pids for p in _tree(root)}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


class Server:
    """A real ``asesor serve`` on loopback, with the rate limit lifted."""

    def __init__(self, port: int, workers: int, log: Path, root: Path = ROOT) -> None:
        env = {
            **os.environ,
            "ASESOR_RATE_LIMIT_PER_MINUTE": "1000000",
            "PYTHONPATH": str(root),
            "ASESOR_INDEX_DIR": os.environ.get("ASESOR_INDEX_DIR", str(ROOT / "index")),
        }
        self.port, self.log = port, log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=root,
        )

    async def ready(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"el servidor terminó al iniciar (código {self.process.returncode})")
            conn = _Connection(self.port)
            try:
                status, _, body = await conn.request("GET", "/health")
                if status == 200 and b'"ok"' in body:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            await asyncio.sleep(0.5)
        raise RuntimeError("el servidor no respondió a /health a tiempo")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _row(result: LoadResult) -> str:
    rate = result.ok / result.seconds
    others = ", ".join(f"{s}: {n}" for s, n in sorted(result.statuses.items()) if not 200 <= s < 300) or "—"
    if result.failures:
        others += f", sin conexión: {result.failures}"
    if result.missing_retry_after:
        others += f", 503 sin Retry-After: {result.missing_retry_after}"
    cpu = result.cpu_seconds * 1000 / result.ok if result.ok else float("nan")
    return (
        f"  {result.name:<9} {result.clients:>4} clientes  {rate:7.1f} resp/s  p50 {result.percentile(0.5):6.1f} ms"
        f"  p99 {result.percentile(0.99):7.1f} ms  p99.9 {result.percentile(0.999):7.1f} ms"
        f"  CPU {cpu:5.1f} ms/resp  otros: {others}"
    )


async def bench(
    *,
    workers: tuple[int, ...],
    clients: tuple[int, ...],
    loads: tuple[str, ...],
    seconds: float,
    port: int,
    log_dir: Path,
    root: Path = ROOT,
) -> list[LoadResult]:
    results = []
    for count in workers:
        server = Server(port, count, log_dir / f"bench-http-{count}.log", root)
        try:
            await server.ready()
            await run_load(port, "repeated", 8, 2.0)  # warm-up: models, caches, connections
            await run_load(port, "distinct", 8, 2.0)
            print(f"--workers {count}  (carga del sistema: {os.getloadavg()[0]:.1f})", flush=True)
            for n in clients:
                for name in loads:
                    result = await run_load(port, name, n, seconds, pids=[server.process.pid])
                    results.append(result)
                    print(_row(result), flush=True)
        finally:
            server.stop()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Carga HTTP contra un servidor real en 127.0.0.1.")
    parser.add_argument("--workers", default="1,2", help="procesos de trabajo a probar, separados por comas")
    parser.add_argument("--clients", default="32,128", help="clientes concurrentes, separados por comas")
    parser.add_argument("--loads", default="health,repeated,distinct,mixed")
    parser.add_argument("--seconds", type=float, default=8.0, help="duración de cada carga")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--server-root",
        type=Path,
        default=ROOT,
        help="carpeta del código que sirve (para comparar con otra versión; mismo índice)",
    )
    args = parser.parse_args(argv)
    asyncio.run(
        bench(
            workers=tuple(int(w) for w in args.workers.split(",")),
            clients=tuple(int(c) for c in args.clients.split(",")),
            loads=tuple(args.loads.split(",")),
            seconds=args.seconds,
            port=args.port,
            log_dir=Path(os.environ.get("TMPDIR", "/tmp")),
            root=args.server_root,
        )
    )


if __name__ == "__main__":
    main()
