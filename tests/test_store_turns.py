"""Conversation turns written behind (issue 19): read back at once in the process, visible to other
processes within the flush interval, every pending turn written on a clean stop, never one of a
deleted conversation afterwards, and no database write on the request path of a repeated question.

Real SQLite (and PostgreSQL in the slow lane), real stores: two ``WriteBehindStore`` objects over
one database stand for two worker processes.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from polling import eventually
from sqlalchemy import create_engine, event, text

from bot.api import create_app
from bot.compose import build_services
from bot.migrate import upgrade
from bot.settings import Settings
from bot.store import Store
from bot.store_turns import WriteBehindStore

NEVER = 3600.0  # a flush interval no test waits for: only close() or flush() writes


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])  # PostgreSQL: a server
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'turns.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def writes_to_conversations(store: Store) -> list[str]:
    """Every INSERT/UPDATE statement this store sends to the conversations table, as it happens."""
    seen: list[str] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def note(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        words = statement.lstrip().split(None, 3)
        if words and words[0].upper() in {"INSERT", "UPDATE"} and "conversations" in statement:
            seen.append(statement)

    return seen


def test_a_turn_written_behind_is_seen_by_the_follow_up_at_once_and_by_other_workers_soon(url: str) -> None:
    mine, other = WriteBehindStore(url, interval=0.1), WriteBehindStore(url, interval=NEVER)
    try:
        mine.append_turn(conversation_id="c1", turn={"q": "¿Qué es una iniciativa cluster?"})
        assert [t["q"] for t in mine.conversation(conversation_id="c1")] == ["¿Qué es una iniciativa cluster?"]
        mine.append_turn(conversation_id="c1", turn={"q": "¿y sus fases?"})
        assert len(mine.conversation(conversation_id="c1")) == 2  # read-your-writes before any flush
        # another worker sees both within the flush interval (plus one write)
        assert eventually(lambda: len(other.conversation(conversation_id="c1")) == 2, timeout=3)
        other.append_turn(conversation_id="c1", turn={"q": "¿y la tercera?"})  # a follow-up elsewhere
        assert [t["q"] for t in other.conversation(conversation_id="c1")][-1] == "¿y la tercera?"
        other.flush()
        assert len(mine.conversation(conversation_id="c1")) == 3
    finally:
        mine.close()
        other.close()


def test_a_clean_stop_writes_every_pending_turn(url: str) -> None:
    store = WriteBehindStore(url, interval=NEVER, batch=10**6)
    for i in range(700):  # more than one SELECT … IN chunk
        store.append_turn(conversation_id=f"c{i}", turn={"q": f"pregunta {i}"})
    store.append_turn(conversation_id="c0", turn={"q": "seguimiento"})
    assert store.pending == 700
    reader = Store(url)
    try:
        assert reader.conversation(conversation_id="c5") == []  # nothing written on the request path
        store.close()
        assert all(len(reader.conversation(conversation_id=f"c{i}")) == 1 for i in range(1, 700))
        assert [t["q"] for t in reader.conversation(conversation_id="c0")] == ["pregunta 0", "seguimiento"]
    finally:
        reader.close()


def test_keep_bounds_pending_and_stored_turns_together(url: str) -> None:
    store = WriteBehindStore(url, interval=NEVER)
    try:
        for i in range(4):
            store.append_turn(conversation_id="c", turn={"q": i}, keep=3)
        store.flush()
        for i in range(4, 6):
            store.append_turn(conversation_id="c", turn={"q": i}, keep=3)
        assert [t["q"] for t in store.conversation(conversation_id="c")] == [3, 4, 5]
        store.flush()
        reader = Store(url)
        assert [t["q"] for t in reader.conversation(conversation_id="c")] == [3, 4, 5]
        reader.close()
    finally:
        store.close()


def test_two_workers_writing_the_same_conversations_lose_no_turn(url: str) -> None:
    workers = (WriteBehindStore(url, interval=0.01), WriteBehindStore(url, interval=0.01))
    barrier = threading.Barrier(4)

    def talk(n: int) -> None:
        store = workers[n % 2]
        barrier.wait()
        for j in range(30):
            store.append_turn(conversation_id=f"c{j % 5}", turn={"q": f"{n}-{j}"}, keep=1000)
            if j % 7 == 0:
                store.flush()

    threads = [threading.Thread(target=talk, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in workers:
        store.close()
    reader = Store(url)
    try:
        landed = sorted(t["q"] for c in range(5) for t in reader.conversation(conversation_id=f"c{c}"))
        assert landed == sorted(f"{n}-{j}" for n in range(4) for j in range(30))  # each exactly once
    finally:
        reader.close()


def test_a_deleted_conversation_gets_no_turn_afterwards(url: str) -> None:
    store = WriteBehindStore(url, interval=NEVER)
    try:
        store.append_turn(conversation_id="mine", turn={"q": "mis datos"})
        store.append_turn(conversation_id="theirs", turn={"q": "otros datos"})
        assert store.delete_conversation(conversation_id="mine") >= 1  # the pending turn counts: it existed
        assert store.conversation(conversation_id="mine") == []
        store.flush()
        reader = Store(url)
        assert reader.conversation(conversation_id="mine") == []
        assert reader.conversation(conversation_id="theirs"), "someone else's turn is kept"
        reader.close()
    finally:
        store.close()


def test_a_failing_database_keeps_the_turns_for_the_next_flush(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fails.sqlite3'}"
    store = WriteBehindStore(url, interval=NEVER)
    try:
        store.append_turn(conversation_id="c", turn={"q": 1})
        with store.engine.begin() as connection:  # the table disappears (a broken database)
            connection.execute(text("ALTER TABLE conversations RENAME TO conversations_away"))
        assert store.flush() is False and store.pending == 1
        store.append_turn(conversation_id="c", turn={"q": 2})  # appended while the database is down
        with store.engine.begin() as connection:
            connection.execute(text("ALTER TABLE conversations_away RENAME TO conversations"))
        assert store.flush() is True and store.pending == 0
        reader = Store(url)
        assert [t["q"] for t in reader.conversation(conversation_id="c")] == [1, 2]
        reader.close()
    finally:
        store.close()


def test_a_repeated_question_makes_no_database_write_on_its_request_path(settings: Settings, shared_embedder) -> None:
    store = WriteBehindStore(settings.database_url, interval=NEVER, batch=10**6)
    services = build_services(settings, embedder=shared_embedder, store=store, record=False)
    writes = writes_to_conversations(store)
    try:
        with TestClient(create_app(settings, services)) as client:
            ids = set()
            for _ in range(40):
                response = client.post("/api/ask", json={"question": "que es una iniciativa cluster"})
                assert response.status_code == 200
                ids.add(response.json()["conversation_id"])
            assert len(ids) == 40 and writes == []  # 40 answers, 40 new conversations, no write yet
            first = ids.pop()
            follow = client.post(
                "/api/ask", json={"question": "¿y cuáles son sus objetivos?", "conversation_id": first}
            )
            assert follow.status_code == 200 and writes == []
        turns = store.conversation(conversation_id=first)  # the follow-up found its first turn in memory
        assert len(turns) == 2 and "iniciativa cluster" in turns[1]["resolved"], turns
        store.flush()
        assert len(writes) == 1, writes  # the 41 turns: one INSERT for the whole batch
        reader = Store(settings.database_url)
        assert all(len(reader.conversation(conversation_id=c)) == 1 for c in ids)
        assert len(reader.conversation(conversation_id=first)) == 2
        reader.close()
    finally:
        services.close()
        store.close()
