"""Faults the public advisor must survive, each with real processes, a real store and real files.

Why: processes die, disks fill, databases lock and Telegram rate-limits. Each test breaks one
thing for real and checks that the person on the other side loses nothing: acknowledged answers
survive a ``kill -9``, an unacknowledged one gets a Spanish 503 and succeeds when retried, a
damaged index is rebuilt at start, a flaky Telegram gets each reply exactly once.

Covered elsewhere and not repeated here: ``kill -9`` during ``asesor index`` (the old index keeps
serving, the next build succeeds) is ``tests/test_index.py::test_build_killed_half_way…``; a
diagnosis interrupted and resumed in a new CLI process is ``tests/test_cli.py``.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fakes import FakeTelegram, running_bot
from fastapi.testclient import TestClient
from realserver import AsesorServer
from sqlalchemy import event

from bot.api import create_app
from bot.compose import Services, build_services
from bot.index import index_status
from bot.settings import Settings
from bot.telegram import NetworkPolicy

SPANISH_503 = "no puede guardar ni leer datos"


def _env(index_dir: Path, db: Path) -> dict[str, str]:
    return {
        "ASESOR_INDEX_DIR": str(index_dir),
        "ASESOR_DATABASE_URL": f"sqlite:///{db}",
        "ASESOR_RATE_LIMIT_PER_MINUTE": "100000",
        "ASESOR_LOG_FORMAT": "json",
    }


def _answer(client: httpx.Client, diagnosis_id: str, value: int) -> dict:
    response = client.post(f"/api/diagnosis/{diagnosis_id}/answer", json={"answer": value})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.slow  # a real `asesor serve`, killed and restarted
def test_server_killed_mid_diagnosis_loses_no_answer(index_dir: Path, tmp_path: Path) -> None:
    env, log = _env(index_dir, tmp_path / "asesor.sqlite3"), tmp_path / "serve.log"
    server = AsesorServer(env, log).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            diagnosis_id = client.post("/api/diagnosis").json()["id"]
            for value in (2, 1, 0, 1, 2):  # acknowledged answers: all must survive
                _answer(client, diagnosis_id, value)
            conversation = client.post("/api/ask", json={"question": "¿Qué es una iniciativa cluster?"}).json()
            # One more answer is in flight when the process dies: the client never got its ack.
            in_flight = threading.Thread(target=lambda: _try_answer(server.url, diagnosis_id, 1))
            in_flight.start()
            time.sleep(0.05)
            server.kill9()
            in_flight.join(timeout=30)
    finally:
        server.stop()
    assert "Shutting down" not in server.output(), "kill -9 leaves no chance to shut down cleanly"

    with (
        AsesorServer(env, log, port=server.port) as restarted,
        httpx.Client(base_url=restarted.url, timeout=60) as client,
    ):
        state = client.get(f"/api/diagnosis/{diagnosis_id}").json()
        assert state["answered"] in (5, 6), state  # 6 if the in-flight answer was committed
        if state["answered"] == 5:
            state = _answer(client, diagnosis_id, 1)  # the client retries what was not acknowledged
        assert state["answered"] == 6 and state["question"]["index"] == 7
        follow_up = client.post(
            "/api/ask",
            json={"question": "¿y cuáles son sus objetivos?", "conversation_id": conversation["conversation_id"]},
        ).json()
        assert any("objetivos" in c["section"].lower() for c in follow_up["citations"]), follow_up["citations"]
        for value in (0, 2, 1, 1, 0, 2, 1):
            state = _answer(client, diagnosis_id, value)
        assert state["finished"] and state["answered"] == 13
        report = client.get(f"/api/diagnosis/{diagnosis_id}/report", params={"format": "md"}).text
        assert "Puntaje total:** 14 de 26" in report  # 2+1+0+1+2+1 before the kill, 0+2+1+1+0+2+1 after


def _try_answer(url: str, diagnosis_id: str, value: int) -> None:
    try:
        httpx.post(f"{url}/api/diagnosis/{diagnosis_id}/answer", json={"answer": value}, timeout=30)
    except httpx.HTTPError:
        pass  # the server died under this request: exactly the case being tested


@pytest.mark.slow  # a real `asesor serve`
def test_damaged_index_at_start_is_reported_in_spanish_and_rebuilt(index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy, ignore=shutil.ignore_patterns("*.sqlite3"))
    damaged_version = (copy / "CURRENT").read_text().strip()
    (copy / "builds" / damaged_version / "chunks.json").write_text('[{"id": "roto"', encoding="utf-8")
    env, log = _env(copy, tmp_path / "asesor.sqlite3"), tmp_path / "serve.log"
    server = AsesorServer(env, log).start(timeout=900)  # the rebuild embeds nothing new but recalibrates
    with server:
        health = httpx.get(server.url + "/health", timeout=30).json()
        answer = httpx.post(server.url + "/api/ask", json={"question": "¿Qué es la gobernanza?"}, timeout=60)
    output = server.output()
    assert "El índice está dañado (JSONDecodeError)" in output and "Lo reconstruyo ahora" in output, output[-2000:]
    assert "Traceback" not in output
    assert health["index_version"] != damaged_version and answer.status_code == 200
    assert answer.json()["citations"]

    missing = Settings(index_dir=tmp_path / "nada")
    status, message = index_status(missing)
    assert status == "missing" and "asesor index" in message  # `asesor serve` builds it (test_cli covers first use)


_HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").write("locked")
time.sleep(float(sys.argv[3]))
connection.execute("ROLLBACK")
"""


@pytest.mark.slow  # a subprocess holds the lock
def test_locked_store_is_a_spanish_503_and_the_retried_answer_is_kept(
    settings: Settings, tmp_path: Path, services: Services
) -> None:
    db = settings.database_url.removeprefix("sqlite:///")
    with TestClient(create_app(settings, services)) as client:
        diagnosis_id = client.post("/api/diagnosis").json()["id"]
        for value in (2, 1):
            _answer(client, diagnosis_id, value)
        marker = tmp_path / "locked"
        holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, db, str(marker), "7"])
        try:
            while not marker.exists():
                assert holder.poll() is None
                time.sleep(0.05)
            started = time.monotonic()
            refused = client.post(f"/api/diagnosis/{diagnosis_id}/answer", json={"answer": 0})
            waited = time.monotonic() - started
            assert client.get(f"/api/diagnosis/{diagnosis_id}").json()["answered"] == 2  # readers still read
        finally:
            holder.wait(timeout=30)
        assert refused.status_code == 503 and refused.headers["retry-after"]
        error = refused.json()["error"]
        assert error["code"] == "almacen_no_disponible" and SPANISH_503 in error["message"]
        assert waited >= 4, "busy_timeout waits for the lock before giving up"
        state = _answer(client, diagnosis_id, 0)  # the client retries: now it is kept, once
        assert state["answered"] == 3 and state["question"]["index"] == 4


def test_full_disk_is_a_spanish_503_and_nothing_half_written(settings: Settings, shared_embedder, store) -> None:
    services = build_services(settings, embedder=shared_embedder, store=store)  # its engine gets the fault
    engine = store.engine
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    def full(dbapi_connection, _record) -> None:  # SQLite's own "database or disk is full" (SQLITE_FULL)
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    body = {"rating": "down", "question": "¿Qué es un cluster?", "answer": "…", "comment": "x" * 1000}
    with TestClient(create_app(settings, services)) as client:
        event.listen(engine, "connect", full)
        engine.dispose()
        try:
            statuses = []
            for _ in range(40):
                response = client.post("/api/feedback", json=body)
                statuses.append(response.status_code)
                if response.status_code == 503:
                    break
            assert statuses[-1] == 503, statuses
            error = response.json()["error"]
            assert error["code"] == "almacen_no_disponible" and SPANISH_503 in error["message"]
            stored_before = len(store.feedback())
            assert stored_before == statuses.count(201)
        finally:
            event.remove(engine, "connect", full)
            engine.dispose()
        retried = client.post("/api/feedback", json=body)  # space is back: the retry is stored once
        assert retried.status_code == 201
        assert len(store.feedback()) == stored_before + 1


@pytest.mark.slow  # the fake Bot API server
@pytest.mark.asyncio
async def test_telegram_429_then_502_then_timeout_delivers_the_answer_exactly_once(
    fake: FakeTelegram, bot_settings: Settings, services: Services
) -> None:
    fake.fail_next("sendMessage", "429", retry_after=1)
    fake.fail_next("sendMessage", "502")
    fake.fail_next("sendMessage", "timeout", delay=1.5)  # processed by Telegram, but the reply is late
    network = NetworkPolicy(backoff=0.05, max_backoff=0.2, read_timeout=0.5)
    async with running_bot(bot_settings, services, network=network):
        fake.send_text(4242, "¿Qué es una iniciativa cluster?")
        await fake.wait_for(lambda: fake.bot_messages(4242), what="the answer")
        await fake.wait_idle(quiet=1.5)
        attempts = [call.status for call in fake.attempts("sendMessage")]
        delivered = fake.bot_messages(4242)
    assert attempts[:2] == [429, 502] and len(attempts) == 3, attempts
    assert len(delivered) == 1, [m["text"][:60] for m in delivered]
    assert "Fuente [1]" in delivered[0]["text"]


def test_sqlite_is_in_wal_mode_so_readers_survive_a_writer(settings: Settings, services) -> None:
    """The precondition of the lock test: WAL lets status reads go on while a writer holds the lock."""
    services.diagnoses.start()
    db = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert json.loads(json.dumps(services.operations.health()))["status"] == "ok"
