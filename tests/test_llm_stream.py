"""Streaming a generative answer through the channels: ``POST /api/ask/stream`` and Telegram.

The model is the misbehaving OpenAI-compatible server on loopback (``fakes/openai_server.py``);
the API runs in FastAPI's TestClient, the Telegram bot against the fake Bot API server. Checked:
tokens arrive before the answer, the final ``answer`` event is authoritative (a rejected or
broken generation is replaced by the extractive answer), and Telegram edits its draft at most
once per 1.5 s before turning it into the final answer with its sources and buttons.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import FakeTelegram, running_bot
from fakes.openai_server import FakeOpenAI
from fastapi.testclient import TestClient
from test_api import parse_sse
from test_cli import _asesor

from bot.answer.llm import FALLBACK_NOTES
from bot.api import create_app
from bot.compose import build_services
from bot.settings import Settings
from bot.telegram.stream import EDIT_INTERVAL

pytestmark = pytest.mark.slow  # every test talks to the fake model server on loopback

QUESTION = "que es una iniciativa cluster"
CHAT = 515151


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI(token_delay=0.005) as fake:
        yield fake


def llm(settings: Settings, server: FakeOpenAI) -> Settings:
    return settings.model_copy(update={"answerer": "llm", "llm_base_url": server.base_url, "llm_timeout_s": 5.0})


@pytest.fixture
def client(settings: Settings, server: FakeOpenAI, shared_embedder) -> Iterator[TestClient]:
    server.mode, server.token_delay, server.requests[:] = "echo", 0.005, []
    llm_settings = llm(settings, server)
    with TestClient(create_app(llm_settings, build_services(llm_settings, embedder=shared_embedder))) as test:
        yield test


def ask_stream(client: TestClient, question: str) -> list[tuple[str, object]]:
    with client.stream("POST", "/api/ask/stream", json={"question": question}) as response:
        assert response.status_code == 200
        return parse_sse(response.read().decode())


def test_the_api_streams_model_tokens_then_the_checked_answer(client: TestClient, server: FakeOpenAI):
    events = ask_stream(client, QUESTION)
    names = [name for name, _ in events]
    assert names[-2:] == ["answer", "done"] and set(names[:-2]) == {"token"} and len(names) > 5
    answer = events[-2][1]
    assert answer["answerer"] == "llm" and answer["citations"][0]["n"] == 1
    assert answer["answer"] == "".join(data["text"] for name, data in events if name == "token").strip()
    assert answer["conversation_id"]


@pytest.mark.parametrize("mode, note", [("unsupported", "check"), ("die", "fault")])
def test_a_rejected_or_broken_stream_ends_with_the_extractive_answer(mode, note, client, server, advisor):
    server.mode = mode
    events = ask_stream(client, QUESTION)
    streamed = "".join(data["text"] for name, data in events if name == "token")
    answer = events[-2][1]
    assert streamed and events[-1][0] == "done"
    assert answer["answerer"] == "extractive"
    assert answer["answer"] == f"{advisor.ask(QUESTION).answer}\n\n{FALLBACK_NOTES[note]}"
    assert answer["answer"] != streamed.strip()  # the final event replaces what was streamed


def _cli_env(server: FakeOpenAI, index_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ASESOR_INDEX_DIR": str(index_dir),
        "ASESOR_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "ASESOR_ANSWERER": "llm",
        "ASESOR_LLM_BASE_URL": server.base_url,
        "ASESOR_LLM_TIMEOUT_S": "5",
    }


def test_the_cli_streams_the_model_then_prints_the_sources(server: FakeOpenAI, index_dir: Path, tmp_path: Path):
    server.mode, server.token_delay = "echo", 0.005
    result = _asesor(_cli_env(server, index_dir, tmp_path), "ask", "--stream", QUESTION)
    assert result.returncode == 0, result.stderr
    draft, sources = result.stdout.split("\nFuentes:\n")
    assert "[1]" in draft and "Respuesta final" not in draft and sources.startswith("  [1] 1. Introducción")


def test_the_cli_says_when_the_checked_answer_replaces_the_streamed_draft(
    server: FakeOpenAI, index_dir: Path, tmp_path: Path, advisor
):
    server.mode, server.token_delay = "unsupported", 0.005
    result = _asesor(_cli_env(server, index_dir, tmp_path), "ask", "--stream", QUESTION)
    assert result.returncode == 0, result.stderr
    draft, final = result.stdout.split("Respuesta final (reemplaza el borrador de arriba):\n")
    assert draft.strip() and FALLBACK_NOTES["check"] in final and advisor.ask(QUESTION).answer in final
    piped = _asesor(_cli_env(server, index_dir, tmp_path), "ask", QUESTION)  # not a terminal: the final answer only
    assert "Respuesta final" not in piped.stdout and piped.stdout.startswith(advisor.ask(QUESTION).answer)


def test_bad_input_is_still_a_json_error_before_any_stream(client: TestClient, server: FakeOpenAI):
    response = client.post("/api/ask/stream", json={"question": "   "})
    assert response.status_code == 422 and response.json()["error"]["code"] == "pregunta_vacia"
    assert server.requests == []


async def test_telegram_edits_a_draft_at_most_every_1_5_s_then_shows_the_checked_answer(
    fake: FakeTelegram, bot_settings: Settings, server: FakeOpenAI, shared_embedder
):
    server.mode, server.token_delay = "echo", 0.08  # a long sentence, written over several seconds
    llm_settings = llm(bot_settings, server)
    services = build_services(llm_settings, embedder=shared_embedder)
    async with running_bot(llm_settings, services):
        fake.send_text(CHAT, "¿Qué es una iniciativa cluster?")
        await fake.wait_for(
            lambda: any("Fuente" in m.get("text", "") for m in fake.bot_messages(CHAT)),
            timeout=60,
            what="the final answer",
        )
        await fake.wait_idle()
    [message] = fake.bot_messages(CHAT)  # one message: the draft became the answer
    assert "[1]" in message["text"] and "Fuente" in message["text"] and "…" not in message["text"][-3:]
    assert any("Ver fuente" in text for text in fake.buttons(message))
    drafts = [
        c
        for c in fake.delivered()
        if c.method in ("sendMessage", "editMessageText") and c.params.get("chat_id") == CHAT
    ]
    assert drafts[0].method == "sendMessage" and len(drafts) >= 3  # the draft, ≥ 1 update, the final edit
    previews = drafts[:-1]
    gaps = [b.at - a.at for a, b in zip(previews, previews[1:])]
    assert all(gap >= EDIT_INTERVAL - 0.1 for gap in gaps), gaps
