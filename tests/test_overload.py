"""Serving under load: a full question lane answers 503 at once (Spanish, ``Retry-After``) while
diagnosis steps still answer; the cheap hot path keeps conversations apart.

Real app, real advisor (real index and SQLite); the lane is really occupied by a running job.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from auth_headers import METRICS_AUTH
from fastapi.testclient import TestClient
from polling import eventually

from bot.api import create_app
from bot.compose import Services, build_services
from bot.services.admission import Busy, QuestionLane
from bot.settings import Settings
from bot.store import Store


@pytest.fixture
def client(settings: Settings, services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


def occupy(lane: QuestionLane) -> tuple[threading.Event, threading.Thread]:
    """Keep every thread of ``lane`` busy until the returned event is set."""
    release, started = threading.Event(), threading.Barrier(lane.threads + 1)

    def hold() -> None:
        started.wait()
        release.wait(30)

    def run() -> None:
        async def all_threads() -> None:
            await asyncio.gather(*(lane.run(hold) for _ in range(lane.threads)))

        asyncio.run(all_threads())

    thread = threading.Thread(target=run)
    thread.start()
    started.wait(10)
    return release, thread


def test_a_full_lane_refuses_questions_at_once_while_diagnosis_answers(client: TestClient) -> None:
    lane = QuestionLane(threads=1, budget=1.0, initial_seconds=2.0)
    client.app.state.question_lane = lane
    release, holder = occupy(lane)
    try:
        refused = client.post("/api/ask", json={"question": "¿cuál es el papel de las cámaras de comercio?"})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "2"
        error = refused.json()["error"]
        assert error["code"] == "asesor_ocupado"
        assert "Intente de nuevo en 2 segundos" in error["message"]
        stream = client.post("/api/ask/stream", json={"question": "que es una iniciativa cluster"})
        assert stream.status_code == 503 and stream.headers["Retry-After"] == "2"
        # The self-diagnosis runs on its own lane: it answers while questions are shed.
        started = client.post("/api/diagnosis", json={})
        assert started.status_code == 201
        step = client.post(f"/api/diagnosis/{started.json()['id']}/answer", json={"answer": 2})
        assert step.status_code == 200 and step.json()["accepted"] is True
        assert "asesor_shed_total 2.0" in client.get("/metrics", headers=METRICS_AUTH).text
    finally:
        release.set()
        holder.join(10)
    answered = client.post("/api/ask", json={"question": "que es una iniciativa cluster"})
    assert answered.status_code == 200 and answered.json()["in_scope"] is True


def test_the_lane_admits_while_a_thread_is_free_and_learns_how_long_questions_take() -> None:
    lane = QuestionLane(threads=2, budget=0.5, initial_seconds=10.0)

    async def scenario() -> None:
        assert await lane.run(lambda: 41 + 1) == 42  # a free thread: admitted whatever the estimate
        release, holder = occupy(lane)
        try:
            with pytest.raises(Busy) as busy:
                await lane.run(lambda: None)
            assert busy.value.retry_after >= 1 and busy.value.status == 503
        finally:
            release.set()
            await asyncio.to_thread(holder.join, 10)
        assert lane.refused == 1

    asyncio.run(scenario())
    assert lane.expected_wait() == 0.0


def test_a_follow_up_in_one_conversation_is_not_served_to_another(client: TestClient, store: Store) -> None:
    phases = client.post("/api/ask", json={"question": "¿Cuáles son las fases para diseñar una iniciativa cluster?"})
    a = phases.json()["conversation_id"]
    second_in_a = client.post("/api/ask", json={"question": "¿y la segunda?", "conversation_id": a}).json()
    practices = client.post("/api/ask", json={"question": "¿Cuáles son las 13 buenas prácticas?"}).json()
    b = practices["conversation_id"]
    second_in_b = client.post("/api/ask", json={"question": "¿y la segunda?", "conversation_id": b}).json()
    fresh = client.post("/api/ask", json={"question": "¿y la segunda?"}).json()
    assert a != b != fresh["conversation_id"]
    assert second_in_a["answer"] != second_in_b["answer"]
    assert any("Fase 2" in c["section"] for c in second_in_a["citations"])
    assert not any("Fase 2" in c["section"] for c in second_in_b["citations"])
    assert fresh["answer"] != second_in_a["answer"]  # no conversation: nothing of A's leaks in
    # A question without a conversation wrote its one turn: a follow-up with the minted id works.
    # Turns are written behind (bot.store_turns): another connection sees them within the flush interval.
    assert eventually(lambda: len(store.conversation(conversation_id=a)) == 2)
    assert eventually(lambda: len(store.conversation(conversation_id=fresh["conversation_id"])) == 1)


def test_a_cached_question_is_answered_even_when_the_lane_is_full(client: TestClient) -> None:
    assert client.post("/api/ask", json={"question": "que es una iniciativa cluster"}).status_code == 200
    lane = QuestionLane(threads=1, budget=1.0, initial_seconds=2.0)
    client.app.state.question_lane = lane
    release, holder = occupy(lane)
    try:
        again = client.post("/api/ask", json={"question": "que es una iniciativa cluster"})
        assert again.status_code == 200 and again.json()["in_scope"] is True  # no embedding: not shed
        other = client.post("/api/ask", json={"question": "¿quién financia las iniciativas cluster?"})
        assert other.status_code == 503  # needs the embedder: shed
    finally:
        release.set()
        holder.join(10)


class ReadCountingStore(Store):
    """The real store, counting how often a conversation is read."""

    reads = 0

    def conversation(self, **kwargs):
        self.reads += 1
        return super().conversation(**kwargs)


def test_a_conversation_the_service_mints_costs_no_read(settings: Settings, shared_embedder) -> None:
    store = ReadCountingStore(settings.database_url)
    services = build_services(settings, embedder=shared_embedder, store=store)
    try:
        first = services.answers.ask("¿Cuáles son las fases para diseñar una iniciativa cluster?", converse=True)
        assert first.conversation_id and store.reads == 0  # minted here: nothing to read
        follow = services.answers.ask("¿y la segunda?", conversation_id=first.conversation_id, converse=True)
        assert store.reads == 1 and follow.conversation_id == first.conversation_id
        assert len(store.conversation(conversation_id=first.conversation_id)) == 2
    finally:
        services.close()
        store.close()
