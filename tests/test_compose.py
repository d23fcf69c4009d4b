"""The composition root builds every service from Settings, with its collaborators injectable."""

from __future__ import annotations

import time

import pytest

from bot.compose import build_services
from bot.errors import Unavailable
from bot.privacy import DAY
from bot.settings import Settings


def test_every_service_is_built_and_the_observers_hear_each_answer(settings: Settings, shared_embedder) -> None:
    heard: list[tuple[dict, str]] = []
    services = build_services(
        settings, embedder=shared_embedder, observers=(lambda steps, answer: heard.append((steps, answer.answerer)),)
    )
    try:
        answer = services.answers.ask("¿Qué es una iniciativa cluster?", converse=True)
        assert answer.citations and len(answer.conversation_id or "") == 22  # one id length, minted once
        assert heard and "answer" in heard[0][0] and heard[0][1] == "extractive"
        state = services.diagnoses.start()
        assert services.diagnoses.answer(state.id, 2).noted == "Se ha ejecutado en forma completa"
        assert services.operations.health()["status"] == "ok"
        assert services.operations.count_hit("203.0.113.1", 60) == 1
    finally:
        services.close()


def test_the_generative_model_is_injected_or_built_from_the_settings(settings: Settings, shared_embedder) -> None:
    unconfigured = settings.model_copy(update={"answerer": "llm"})  # no URL and no GGUF
    with pytest.raises(Unavailable) as raised:
        build_services(unconfigured, embedder=shared_embedder)
    assert raised.value.code == "modelo_no_configurado"
    services = build_services(unconfigured, embedder=shared_embedder, generative=None)
    try:
        assert not services.answers.streams_drafts
        assert services.answers.ask("¿Qué es la gobernanza?").answerer == "extractive"
    finally:
        services.close()


def test_retention_follows_the_injected_clock(settings: Settings, shared_embedder) -> None:
    later = time.time() + 400 * DAY  # a year and more from now, everything is past retention
    services = build_services(settings, embedder=shared_embedder, clock=lambda: later)
    try:
        services.diagnoses.start()
        assert services.personal_data.purge().deleted["diagnoses"] == 1
    finally:
        services.close()
