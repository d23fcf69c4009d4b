"""``make soak``: a bounded mixed load against a real ``asesor serve`` that fails on leaks and 5xx.

Why this exists: a public advisor runs for weeks. Slow leaks (memory, file descriptors) and rare
server errors only show under sustained, varied traffic. This drives the real server over loopback
with a mix of what people do — questions, follow-ups, whole self-diagnoses with their report,
feedback and bad input — for a fixed time (``SOAK_SECONDS``, default 5 minutes), samples the
server's RSS and open descriptors from ``/proc``, and fails on any 5xx or unexpected status, on RSS
growing more than 20 % after the warm-up, or on descriptors that keep growing. It prints p50/p99
latencies and answers per second.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from bot.settings import ROOT

from .live_server import UNLIMITED, LiveServer

__all__ = ["SoakReport", "run_soak", "main"]

RSS_LIMIT = 0.20  # growth allowed after warm-up
_VARIANTS = ["por favor", "en la cartilla", "para mi cluster", "explíqueme", "gracias", "pregunta"]
FD_SLACK = 8  # descriptors a busy server may legitimately hold open on top of the warm-up level


@dataclass
class SoakReport:
    seconds: float
    requests: int = 0
    answers: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)
    ask_latencies: list[float] = field(default_factory=list)
    all_latencies: list[float] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, KiB)
    fds: list[tuple[float, int]] = field(default_factory=list)
    warmup: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        def pct(values: list[float], q: float) -> str:
            if not values:
                return "–"
            ordered = sorted(values)
            return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.0f} ms"

        after = [kib for t, kib in self.rss if t >= self.warmup]
        fds_after = [n for t, n in self.fds if t >= self.warmup]
        lines = [
            f"Soak de {self.seconds:.0f} s: {self.requests} solicitudes, {self.answers} respuestas "
            f"({self.answers / self.seconds:.1f} respuestas/s, {self.requests / self.seconds:.1f} solicitudes/s)",
            f"  /api/ask   p50 {pct(self.ask_latencies, 0.50)}  p99 {pct(self.ask_latencies, 0.99)}",
            f"  todas      p50 {pct(self.all_latencies, 0.50)}  p99 {pct(self.all_latencies, 0.99)}",
            "  estados    " + ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items())),
        ]
        if after:
            lines.append(
                f"  RSS tras calentar {after[0] / 1024:.0f} MB → final {after[-1] / 1024:.0f} MB "
                f"(máx. {max(after) / 1024:.0f} MB)"
            )
        if fds_after:
            lines.append(f"  descriptores tras calentar {fds_after[0]} → final {fds_after[-1]} (máx. {max(fds_after)})")
        lines.append("  resultado  " + ("OK" if self.ok else "FALLA: " + "; ".join(self.failures)))
        return "\n".join(lines)


class _Load:
    """One client thread: picks a scenario at random and checks every status it gets back."""

    def __init__(self, url: str, report: SoakReport, lock: threading.Lock, questions: list[str], seed: int) -> None:
        self.client = httpx.Client(base_url=url, timeout=60)
        self.report, self.lock, self.questions = report, lock, questions
        self.random = random.Random(seed)

    def call(self, method: str, path: str, expected: set[int], *, ask: bool = False, **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            with self.lock:
                self.report.unexpected.append(f"{method} {path}: {type(error).__name__}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.report.requests += 1
            self.report.statuses[response.status_code] = self.report.statuses.get(response.status_code, 0) + 1
            self.report.all_latencies.append(elapsed)
            if ask:
                self.report.ask_latencies.append(elapsed)
                self.report.answers += response.status_code == 200
            if response.status_code not in expected:
                self.report.unexpected.append(f"{method} {path}: {response.status_code}")
        return response

    def question(self) -> None:
        question = self.random.choice(self.questions)
        if self.random.random() < 0.5:  # half are new wordings: a cache miss, embedded and searched afresh
            question = f"{question} {self.random.choice(_VARIANTS)} {self.random.randrange(10_000)}"
        self.call("POST", "/api/ask", {200}, ask=True, json={"question": question})

    def follow_up(self) -> None:
        first = self.call("POST", "/api/ask", {200}, ask=True, json={"question": "¿Qué es una iniciativa cluster?"})
        if first is not None and first.status_code == 200:
            conversation = first.json()["conversation_id"]
            self.call(
                "POST",
                "/api/ask",
                {200},
                ask=True,
                json={
                    "question": self.random.choice(["¿y cuáles son sus objetivos?", "¿y sus fases?"]),
                    "conversation_id": conversation,
                },
            )

    def diagnosis(self) -> None:
        start = self.call("POST", "/api/diagnosis", {201})
        if start is None or start.status_code != 201:
            return
        diagnosis_id = start.json()["id"]
        for _ in range(13):
            answer = self.random.choice([0, 1, 2, "más o menos", "todavía no"])
            self.call("POST", f"/api/diagnosis/{diagnosis_id}/answer", {200}, json={"answer": answer})
        self.call("GET", f"/api/diagnosis/{diagnosis_id}/report", {200}, params={"format": "md"})

    def feedback(self) -> None:
        self.call(
            "POST",
            "/api/feedback",
            {201},
            json={"rating": self.random.choice(["up", "down"]), "question": "¿Qué es un cluster?", "answer": "…"},
        )

    def bad_input(self) -> None:
        kind = self.random.randrange(5)
        if kind == 0:
            self.call("POST", "/api/ask", {422}, json={"question": ""})
        elif kind == 1:
            self.call(
                "POST",
                "/api/ask",
                {413},
                content=b'{"question": "' + b"a" * 70_000 + b'"}',
                headers={"content-type": "application/json"},
            )
        elif kind == 2:
            self.call("GET", f"/api/diagnosis/{secrets.token_urlsafe(16)}", {404})
        elif kind == 3:
            self.call("POST", "/api/ask", {422}, content=b'{"question": ', headers={"content-type": "application/json"})
        else:
            self.call("GET", "/api/diagnosis/x/report", {404, 422}, params={"format": "../../etc/passwd"})

    def run(self, until: float) -> None:
        scenarios = [
            (self.question, 45),
            (self.follow_up, 15),
            (self.diagnosis, 8),
            (self.feedback, 12),
            (self.bad_input, 20),
        ]
        actions, weights = zip(*scenarios)
        try:
            while time.monotonic() < until:
                self.random.choices(actions, weights)[0]()
        finally:
            self.client.close()


def _proc(pid: int) -> tuple[int, int]:
    """(RSS in KiB, open descriptors) of a process, from /proc."""
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def _questions() -> list[str]:
    data = yaml.safe_load((ROOT / "corpus" / "suggestions.yaml").read_text(encoding="utf-8"))
    return list(data["questions"]) + [
        "que es una iniciativa cluster",
        "q es la rcc",
        "quien gano el mundial",
        "plata para el cluster",
        "asdfgh qwerty",
    ]


def run_soak(url: str, pid: int, seconds: float, *, clients: int = 4, warmup: float | None = None) -> SoakReport:
    """Drive ``url`` for ``seconds`` and judge the server process ``pid``."""
    report = SoakReport(seconds=seconds, warmup=warmup if warmup is not None else max(5.0, seconds * 0.2))
    lock, questions = threading.Lock(), _questions()
    started = time.monotonic()
    until = started + seconds
    threads = [
        threading.Thread(target=_Load(url, report, lock, questions, seed).run, args=(until,), daemon=True)
        for seed in range(clients)
    ]
    for thread in threads:
        thread.start()
    while time.monotonic() < until:
        rss, fds = _proc(pid)
        now = time.monotonic() - started
        report.rss.append((now, rss))
        report.fds.append((now, fds))
        time.sleep(min(1.0, max(0.0, until - time.monotonic())))
    for thread in threads:
        thread.join(timeout=120)
    rss, fds = _proc(pid)
    report.rss.append((seconds, rss))
    report.fds.append((seconds, fds))
    _judge(report)
    return report


def _judge(report: SoakReport) -> None:
    errors = sum(n for code, n in report.statuses.items() if code >= 500)
    if errors:
        report.failures.append(f"{errors} respuestas 5xx")
    if report.unexpected:
        report.failures.append(f"{len(report.unexpected)} respuestas inesperadas (p. ej. {report.unexpected[0]})")
    after = [kib for t, kib in report.rss if t >= report.warmup]
    if len(after) >= 2:
        base, final = after[0], statistics.median(after[-3:])
        if final > base * (1 + RSS_LIMIT):
            report.failures.append(f"la memoria creció {100 * (final / base - 1):.0f} % tras calentar (máx. 20 %)")
    fds = [n for t, n in report.fds if t >= report.warmup]
    if len(fds) >= 2 and min(fds[-3:]) > fds[0] + FD_SLACK:
        report.failures.append(f"los descriptores abiertos crecen: {fds[0]} → {fds[-1]}")
    if report.requests == 0:
        report.failures.append("no se completó ninguna solicitud")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Carga mixta sostenida contra un `asesor serve` real.")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 300)))
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--metrics-out", type=Path, help="Guardar aquí el /metrics del final.")
    args = parser.parse_args(argv)
    if args.seconds < 5:
        print("SOAK_SECONDS debe ser de al menos 5 segundos.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="asesor-soak-") as folder:
        workdir = Path(folder)
        token = secrets.token_urlsafe(24)  # /metrics is for operators: read with a bearer token
        env = {
            **UNLIMITED,
            "ASESOR_DATABASE_URL": f"sqlite:///{workdir / 'soak.sqlite3'}",
            "ASESOR_LOG_LEVEL": "WARNING",
            "ASESOR_METRICS_TOKEN": token,
        }
        with LiveServer(workdir / "serve.log", env=env) as server:
            print(f"Soak contra {server.url} (pid {server.pid}) durante {args.seconds:.0f} s", end=" ")
            print(f"con {args.clients} clientes…", flush=True)
            report = run_soak(server.url, server.pid, args.seconds, clients=args.clients)
            if args.metrics_out:
                metrics = httpx.get(server.url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)
                metrics.raise_for_status()
                args.metrics_out.write_text(metrics.text, encoding="utf-8")
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
