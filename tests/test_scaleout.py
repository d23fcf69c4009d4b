"""The scale-out topology as real processes: PostgreSQL + a Chroma server + ``asesor serve --workers 2``.

Everything is started here and stopped at the end: a throw-away PostgreSQL cluster, ``chroma run``
on a loopback port, ``asesor db upgrade`` and ``asesor index`` as the operator would run them, and
the real server with two uvicorn workers. Requests use a new connection each, so they spread over
the workers; ``X-Worker`` says which process answered.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from servers import ChromaServer, free_port

from bot.index.load import load_index, serving_version
from bot.index.remote import close_server_clients
from bot.settings import ROOT, Settings

pytestmark = pytest.mark.slow

LIMIT = 40  # requests per minute per client, shared by both workers


def _asesor(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


class Client:
    """One fresh connection per request, as many different browsers would make."""

    def __init__(self, base: str, ip: str) -> None:
        self.base, self.headers = base, {"X-Forwarded-For": ip, "Connection": "close"}

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.base + path, headers=self.headers, timeout=60)

    def post(self, path: str, body: dict | None = None, *, retries: int = 0) -> httpx.Response:
        for attempt in range(retries + 1):
            try:
                return httpx.post(self.base + path, json=body, headers=self.headers, timeout=60)
            except httpx.TransportError:  # the worker holding the connection was killed
                if attempt == retries:
                    raise
                time.sleep(0.5)
        raise AssertionError("unreachable")


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except httpx.TransportError:
            value = None
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def topology(tmp_path: Path, pg_url: str, index_dir: Path):
    chroma = ChromaServer(tmp_path / "chroma").start()
    index = tmp_path / "index"
    index.mkdir()
    shutil.copytree(index_dir / "cache", index / "cache")  # the session's vectors: no re-embedding
    env = {
        **os.environ,
        "ASESOR_CHROMA_URL": chroma.url,
        "ASESOR_DATABASE_URL": pg_url,
        "ASESOR_INDEX_DIR": str(index),
        "ASESOR_RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "ASESOR_INDEX_CHECK_SECONDS": "1",
        "ASESOR_EMBEDDING_THREADS": "1",
        "ASESOR_LOG_FORMAT": "text",
    }
    port = free_port()
    server: subprocess.Popen | None = None

    def serve() -> subprocess.Popen:
        nonlocal server
        with open(tmp_path / "server.log", "wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--workers", "2", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        return server

    yield {"env": env, "chroma": chroma, "base": f"http://127.0.0.1:{port}", "serve": serve}
    if server is not None and server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    chroma.stop()


def test_two_workers_over_postgres_and_a_chroma_server(topology) -> None:
    env, chroma, base = topology["env"], topology["chroma"], topology["base"]

    built = _asesor(env, "index")  # builds locally, publishes to the Chroma server
    assert built.returncode == 0 and "listo" in built.stdout, built.stderr
    first_version = built.stdout.split("Índice ")[1].split()[0]
    # A worker ranks with what the server holds: the heading vectors too, equal to the local build's.
    local_dir = Path(env["ASESOR_INDEX_DIR"])
    remote = load_index(Settings(index_dir=local_dir, chroma_url=chroma.url))
    local = load_index(Settings(index_dir=local_dir))
    assert remote.version == local.version and np.allclose(remote.heading_vectors, local.heading_vectors)
    # A worker checks the pointer every few seconds for days: each check reuses one connection.
    remote_settings = Settings(index_dir=local_dir, chroma_url=chroma.url)
    descriptors = len(os.listdir("/proc/self/fd"))
    assert all(serving_version(remote_settings) == remote.version for _ in range(25))
    assert len(os.listdir("/proc/self/fd")) <= descriptors
    close_server_clients()
    # An un-migrated PostgreSQL: the server refuses to start and says what to run.
    refused = _asesor(env, "serve", "--workers", "2", "--port", "1")
    assert refused.returncode == 2 and "asesor db upgrade" in refused.stderr and "Traceback" not in refused.stderr
    assert _asesor(env, "db", "upgrade").returncode == 0

    topology["serve"]()
    probe = Client(base, "198.51.100.1")
    _wait(lambda: probe.get("/health").status_code == 200, 120, "the server")

    def two_workers() -> set[str]:
        return _wait(
            lambda: len(seen := {probe.get("/health").headers["x-worker"] for _ in range(12)}) == 2 and seen,
            120,
            "two workers",
        )

    workers = two_workers()

    # A cited answer, with the index read from the Chroma server.
    asker = Client(base, "198.51.100.2")
    answer = asker.post("/api/ask", {"question": "¿Qué es una iniciativa cluster?"})
    assert answer.status_code == 200
    payload = answer.json()
    assert payload["in_scope"] and payload["citations"] and payload["citations"][0]["section"].startswith("1.")

    # A whole diagnosis over both workers, with one worker killed half-way.
    user = Client(base, "198.51.100.3")
    diagnosis = user.post("/api/diagnosis").json()["id"]
    served_by: list[str] = []
    for n in range(1, 14):
        if n == 6:
            os.kill(int(served_by[-1]), signal.SIGKILL)  # the worker that took the last answer
        response = user.post(f"/api/diagnosis/{diagnosis}/answer", {"answer": n % 3}, retries=10)
        assert response.status_code == 200, response.text
        state = response.json()
        assert state["accepted"] and state["answered"] == n
        served_by.append(response.headers["x-worker"])
    assert state["finished"] and state["result"] is not None
    assert len(set(served_by)) >= 2
    report = user.get(f"/api/diagnosis/{diagnosis}/report?format=md")
    assert report.status_code == 200 and "Puntaje total:** 13 de 26" in report.text  # 1+2+0+1+2+0+…

    # The same answer sent twice at once is applied once (compare-and-set across workers).
    twice = user.post("/api/diagnosis").json()["id"]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: user.post(f"/api/diagnosis/{twice}/answer", {"answer": 2}), range(4)))
    accepted = [r.json()["accepted"] for r in replies]
    assert user.get(f"/api/diagnosis/{twice}").json()["answered"] == accepted.count(True)
    assert all(r.status_code == 200 for r in replies)

    # Rate limits hold across workers: one budget per client, not one per process.
    assert two_workers() != workers  # uvicorn replaced the killed worker with a new process
    greedy = Client(base, "203.0.113.50")
    if time.time() % 60 > 45:  # the budget is per clock minute: start the run inside one window
        time.sleep(60 - time.time() % 60 + 0.2)
    statuses, limited = [], None
    for _ in range(LIMIT + 1):
        response = greedy.get("/api/suggestions")
        statuses.append((response.status_code, response.headers.get("x-worker")))
        if response.status_code == 429:
            limited = response
    assert [s for s, _ in statuses].count(200) == LIMIT and limited is not None
    assert len({w for s, w in statuses if s == 200}) == 2
    assert int(limited.headers["Retry-After"]) >= 1 and "por minuto" in limited.json()["error"]["message"]

    # A new index version published while serving: every worker switches without a restart.
    rebuilt = _asesor(env, "index", "--force")
    assert rebuilt.returncode == 0, rebuilt.stderr
    new_version = rebuilt.stdout.split("Índice ")[1].split()[0]
    assert new_version != first_version
    switched: dict[str, str] = {}

    def all_switched() -> bool:
        response = probe.get("/health")
        switched[response.headers["x-worker"]] = response.json()["index_version"]
        return len(switched) >= 2 and set(switched.values()) == {new_version}

    _wait(all_switched, 60, "both workers on the new index")
    assert asker.post("/api/ask", {"question": "¿Cuáles son las fases?"}).json()["citations"]

    # Chroma stopped: a Spanish 503 with Retry-After; started again: answers come back.
    chroma.stop()
    down = asker.post("/api/ask", {"question": "¿Qué hace la gobernanza de la iniciativa en la fase 2?"})
    assert down.status_code == 503
    assert down.headers["Retry-After"] and "no responde" in down.json()["error"]["message"]
    chroma.start()
    back = _wait(
        lambda: (r := asker.post("/api/ask", {"question": "¿Qué es el SSME en la cartilla?"})).status_code == 200 and r,
        60,
        "recovery after Chroma is back",
    )
    assert back.json()["in_scope"]
