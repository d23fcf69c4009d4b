"""The typed chat state of the channels' bindings over a real store (SQLite and PostgreSQL).

Why: Telegram keeps a user's current diagnosis, offered questions and recent answers in the store;
each operation must be one write, so two answers finishing at once in one chat both stay
rateable, and a chat's deletion takes every row that hangs from it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot import privacy
from bot.services.chat_state import RECENT_ANSWERS, ChatState, DiagnosisBinding, RecentAnswer
from bot.store import Store

CHAT = "tg:chat:0123456789abcdef"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'chat.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    opened = Store(url, auto_upgrade=True)
    yield opened
    opened.close()


def test_a_diagnosis_binding_round_trips(store: Store) -> None:
    chats = ChatState(store)
    assert chats.diagnosis_of("tg:user:a") is None
    chats.bind_diagnosis("tg:user:a", "d-1", active=True)
    assert chats.diagnosis_of("tg:user:a") == DiagnosisBinding("d-1", True)
    chats.bind_diagnosis("tg:user:a", "d-1", active=False)
    assert chats.diagnosis_of("tg:user:a") == DiagnosisBinding("d-1", False)


def test_offered_questions_are_found_by_their_key(store: Store) -> None:
    chats = ChatState(store)
    chats.remember_offers({"abc123": "¿Qué es una iniciativa cluster?"})
    assert chats.offered("abc123") == "¿Qué es una iniciativa cluster?" and chats.offered("nada") is None


def test_answers_finishing_at_once_all_stay_rateable(store: Store) -> None:
    chats = ChatState(store)
    items = [RecentAnswer(f"k{i:02d}", f"pregunta {i}", f"respuesta {i}") for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda item: chats.remember_answer(CHAT, item), items))
    assert [chats.recalled_answer(CHAT, item.key) for item in items] == items


def test_only_the_newest_answers_are_kept(store: Store) -> None:
    chats = ChatState(store)
    for i in range(RECENT_ANSWERS + 5):
        chats.remember_answer(CHAT, RecentAnswer(f"k{i:02d}", f"q{i}", f"a{i}"))
    kept = [i for i in range(RECENT_ANSWERS + 5) if chats.recalled_answer(CHAT, f"k{i:02d}")]
    assert kept == list(range(5, RECENT_ANSWERS + 5))


def test_answers_stored_in_the_old_ring_are_still_found(store: Store) -> None:
    store.set_binding(key=CHAT, data={"recent": [{"k": "viejo", "q": "¿Qué es?", "a": "Es…"}]})
    assert ChatState(store).recalled_answer(CHAT, "viejo") == RecentAnswer("viejo", "¿Qué es?", "Es…")


def test_forgetting_a_chat_deletes_its_answers_and_the_diagnosis_it_points_to(store: Store) -> None:
    chats = ChatState(store)
    store.save_diagnosis(diagnosis_id="d-9", data={"id": "d-9"}, finished=False)
    chats.bind_diagnosis("tg:user:b", "d-9", active=True)
    chats.remember_answer(CHAT, RecentAnswer("k1", "q", "a"))
    other = "tg:chat:ffffffffffffffff"
    chats.remember_answer(other, RecentAnswer("k1", "q", "a"))
    removed = privacy.forget_bindings(store, ["tg:user:b", CHAT])
    assert removed == 3  # the diagnosis, the user's binding and the chat's one answer
    assert chats.recalled_answer(CHAT, "k1") is None and chats.diagnosis_of("tg:user:b") is None
    assert store.load_diagnosis(diagnosis_id="d-9") is None
    assert chats.recalled_answer(other, "k1") is not None, "another chat keeps its answers"


def test_a_whatsapp_user_is_greeted_once_and_answers_keep_their_sources(store: Store) -> None:
    chats, user = ChatState(store), "wa:user:0123456789abcdef"
    chats.bind_diagnosis(user, "d-9", active=True)
    assert not chats.greeted(user)
    chats.mark_greeted(user)
    chats.mark_greeted(user)  # idempotent
    assert chats.greeted(user) and chats.diagnosis_of(user) == DiagnosisBinding("d-9", True), (
        "greeting never rewrites the diagnosis binding"
    )
    sources = ((1, "1. ¿Qué es un cluster?", "p-1"), (2, "2. Las fases", "p-2"))
    chats.remember_answer(user, RecentAnswer("k1", "¿Qué es?", "Es…", sources))
    chats.remember_answer(user, RecentAnswer("k2", "¿Y?", "Así.", ()))
    assert chats.recalled_answer(user, "k1") == RecentAnswer("k1", "¿Qué es?", "Es…", sources)
    assert chats.recalled_answer(user, "k2").sources == ()
    assert privacy.forget_bindings(store, [user]) >= 4  # the binding, the greeting and both answers
    assert not chats.greeted(user) and chats.recalled_answer(user, "k1") is None and chats.diagnosis_of(user) is None
