"""Personal data (Ley 1581 de 2012): people delete their own data; retention is enforced.

Why: the widget and Telegram store questions, diagnoses, feedback and bindings. Each test checks
the effect in the real store: what the person asked to delete is gone, what belongs to someone
else is untouched, and ``asesor purge`` (a real process) removes only what is past retention.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from auth_headers import METRICS_AUTH
from fakes import FakeTelegram, running_bot
from fastapi.testclient import TestClient
from sqlalchemy import text

from bot.advisor import Advisor
from bot.api import create_app
from bot.api.routes_misc import STATIC_DIR
from bot.compose import Services
from bot.privacy import DAY, purge
from bot.settings import ROOT, Settings
from bot.store import Store
from bot.telegram import texts
from bot.telegram.state import Keys

CHAT = 515151
USER = 1001  # the fake's default Telegram user


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def test_widget_routes_delete_a_conversation_and_a_diagnosis(settings: Settings, services, store) -> None:
    with TestClient(create_app(settings, services)) as client:
        mine = client.post("/api/ask", json={"question": "¿Qué es una iniciativa cluster?"}).json()["conversation_id"]
        theirs = client.post("/api/ask", json={"question": "¿Qué es la gobernanza?"}).json()["conversation_id"]
        for conversation in (mine, theirs):
            vote = {"rating": "up", "question": "q", "answer": "a", "conversation_id": conversation}
            assert client.post("/api/feedback", json=vote).status_code == 201
        my_dx, their_dx = (client.post("/api/diagnosis").json()["id"] for _ in range(2))

        assert client.delete(f"/api/conversations/{mine}").status_code == 204
        assert client.delete(f"/api/diagnosis/{my_dx}").status_code == 204
        assert store.conversation(conversation_id=mine) == []
        assert [f["conversation_id"] for f in store.feedback()] == [theirs]
        assert client.get(f"/api/diagnosis/{my_dx}").status_code == 404
        assert store.conversation(conversation_id=theirs), "someone else's data stays"
        assert client.get(f"/api/diagnosis/{their_dx}").status_code == 200

        again = client.delete(f"/api/conversations/{mine}")
        assert again.status_code == 404 and again.json()["error"]["code"] == "conversacion_no_encontrada"
        assert client.delete(f"/api/diagnosis/{my_dx}").json()["error"]["code"] == "diagnostico_no_encontrado"
        assert client.delete("/api/diagnosis/../../etc").status_code in (404, 422)
        metrics = client.get("/metrics", headers=METRICS_AUTH).text
        assert 'asesor_data_deletions_total{kind="conversation"} 1.0' in metrics
        assert 'asesor_data_deletions_total{kind="diagnosis"} 1.0' in metrics


def test_cors_lets_the_portal_delete(settings: Settings, services) -> None:
    with TestClient(create_app(settings, services)) as client:
        preflight = client.options(
            "/api/diagnosis/x",
            headers={"Origin": settings.allowed_origins[0], "Access-Control-Request-Method": "DELETE"},
        )
        assert preflight.status_code == 200 and "DELETE" in preflight.headers["access-control-allow-methods"]


def _age(store: Store, table: str, column: str, days: float) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(f"UPDATE {table} SET {column} = :t"), {"t": time.time() - days * DAY})


@pytest.mark.slow  # `asesor purge` as a subprocess
def test_purge_deletes_only_what_is_past_retention(
    settings: Settings, advisor: Advisor, services: Services, store: Store
) -> None:
    old_dx, new_dx = services.diagnoses.start().id, None
    advisor.ask("¿Qué es un cluster?", conversation_id="viejo-conversacion")
    advisor.feedback(rating="down", question="q", answer="a", conversation_id="viejo-conversacion")
    services.chat_state.bind_diagnosis("tg:user:viejo", old_dx, active=True)
    deadline = time.monotonic() + 5  # turns are written behind (bot.store_turns): wait for the row to age it
    while not store.conversation(conversation_id="viejo-conversacion") and time.monotonic() < deadline:
        time.sleep(0.02)
    for table, column in (
        ("diagnoses", "updated_at"),
        ("conversations", "updated_at"),
        ("feedback", "created_at"),
        ("bindings", "updated_at"),
    ):
        _age(store, table, column, 40)
    new_dx = services.diagnoses.start().id
    advisor.ask("¿Qué es la gobernanza?", conversation_id="nueva-conversacion")

    env = {**os.environ, "ASESOR_DATABASE_URL": settings.database_url, "ASESOR_RETENTION_DAYS": "30"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "purge"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Se borraron los datos con más de 30 días: 1 autodiagnósticos, "
        "1 conversaciones, 1 valoraciones, 1 vínculos de Telegram, 0 preguntas registradas, "
        "0 resultados anónimos de autodiagnóstico, 0 marcas del equipo."
    )
    assert store.load_diagnosis(diagnosis_id=old_dx) is None and store.load_diagnosis(diagnosis_id=new_dx)
    assert store.conversation(conversation_id="viejo-conversacion") == []
    assert store.conversation(conversation_id="nueva-conversacion")
    assert store.feedback() == [] and store.binding(key="tg:user:viejo") == {}
    assert purge(store, 30).total == 0, "a second run finds nothing"

    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "purge", "--days", "0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "entre 1 y 3650" in bad.stderr and "Traceback" not in bad.stderr


def test_purge_also_deletes_the_messaging_channels_records_past_retention(services: Services, store: Store) -> None:
    channels, key = services.channels, "wa:user:viejo"
    channels.claim_message("wamid.viejo")
    channels.note_inbound(key)
    channels.record_failed_status(key, "wamid.fallido", "131047", "Re-engagement message")
    old_code = channels.create_handoff(services.diagnoses.start().id).code
    for table, column in (
        ("channel_seen_messages", "received_at"),
        ("channel_windows", "last_inbound_at"),
        ("channel_failed_statuses", "created_at"),
        ("channel_handoffs", "expires_at"),
    ):
        _age(store, table, column, 40)
    channels.claim_message("wamid.nuevo")
    new_code = channels.create_handoff(services.diagnoses.start().id).code

    report = services.personal_data.purge(retention_days=30)
    assert report.deleted["channels"] == 4
    assert report.spanish().endswith(" y 4 registros de mensajería (WhatsApp y códigos para continuar).")
    assert channels.claim_message("wamid.viejo"), "a purged message id is no longer remembered"
    assert not channels.claim_message("wamid.nuevo"), "a recent one still is"
    assert not channels.window_open(key) and channels.failed_statuses(key) == []
    assert channels.redeem_handoff(old_code) is None and channels.redeem_handoff(new_code) is not None


def test_retention_setting_is_bounded() -> None:
    assert Settings().retention_days == 180
    with pytest.raises(ValueError):
        Settings(retention_days=0)


def test_widget_says_what_is_stored_and_offers_deletion() -> None:
    widget = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    assert "Ley 1581 de 2012" in widget and "Borrar mis datos" in widget
    assert '"/api/conversations/"' in widget and 'request("DELETE"' in widget
    assert "window.confirm(T.forgetConfirm)" in widget


@pytest.mark.slow  # the fake Bot API server
@pytest.mark.asyncio
async def test_telegram_borrar_asks_first_then_deletes_only_the_callers_data(
    fake: FakeTelegram, bot_settings: Settings, services: Services, store: Store
) -> None:
    keys = Keys(bot_settings.telegram_salt())
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "/start")
        await fake.wait_for(lambda: fake.bot_messages(CHAT), what="welcome")
        assert "/borrar" in fake.bot_messages(CHAT)[-1]["text"]
        fake.send_text(CHAT, "¿Qué es una iniciativa cluster?")
        await fake.wait_for(lambda: len(fake.bot_messages(CHAT)) >= 2, what="answer")
        fake.send_text(CHAT, "/diagnostico")
        await fake.wait_for(lambda: "Pregunta 1 de 13" in fake.bot_messages(CHAT)[-1]["text"], what="diagnosis")
        other = CHAT + 1
        fake.send_text(other, "¿Qué es la gobernanza?")
        await fake.wait_for(lambda: fake.bot_messages(other), what="someone else's answer")
        diagnosis_id = store.binding(key=keys.user(CHAT, USER))["diagnosis_id"]
        # turns are written behind (bot.store_turns): this second connection sees them within the flush interval
        await fake.wait_for(lambda: store.conversation(conversation_id=keys.conversation(CHAT)), what="turn written")

        fake.send_text(CHAT, "/borrar")
        await fake.wait_for(lambda: texts.DELETE_CONFIRM in fake.bot_messages(CHAT)[-1]["text"], what="confirm")
        confirm = fake.bot_messages(CHAT)[-1]
        assert list(fake.buttons(confirm)) == [texts.BUTTON_DELETE_YES, texts.BUTTON_DELETE_NO]
        fake.press(confirm, fake.buttons(confirm)[texts.BUTTON_DELETE_NO])
        await fake.wait_for(lambda: fake.bot_messages(CHAT)[-1]["text"] == texts.DELETE_CANCELLED, what="cancel")
        assert store.load_diagnosis(diagnosis_id=diagnosis_id), "«No» deletes nothing"

        fake.send_text(CHAT, "/borrar")
        await fake.wait_for(lambda: fake.bot_messages(CHAT)[-1]["text"].startswith("🗑️"), what="confirm again")
        confirm = fake.bot_messages(CHAT)[-1]
        fake.press(confirm, fake.buttons(confirm)[texts.BUTTON_DELETE_YES])
        await fake.wait_for(lambda: fake.bot_messages(CHAT)[-1]["text"] == texts.DELETE_DONE, what="deleted")
        assert store.load_diagnosis(diagnosis_id=diagnosis_id) is None
        assert store.binding(key=keys.user(CHAT, USER)) == {} and store.binding(key=keys.chat(CHAT)) == {}
        assert store.conversation(conversation_id=keys.conversation(CHAT)) == []
        assert store.conversation(conversation_id=keys.conversation(other)), "another chat keeps its data"

        fake.send_text(CHAT, "/borrar")
        await fake.wait_for(lambda: fake.bot_messages(CHAT)[-1]["text"].startswith("🗑️"), what="third confirm")
        confirm = fake.bot_messages(CHAT)[-1]
        fake.press(confirm, fake.buttons(confirm)[texts.BUTTON_DELETE_YES])
        await fake.wait_for(lambda: fake.bot_messages(CHAT)[-1]["text"] == texts.DELETE_NOTHING, what="nothing left")
    raw = "\n".join(
        str(row)
        for table in ("bindings", "conversations", "feedback")
        for row in store.engine.connect().execute(text(f"SELECT * FROM {table}"))
    )
    assert str(CHAT) not in raw and str(other) not in raw, "Telegram ids are stored only as keyed hashes"


def test_store_rows_for_deleted_data_are_really_gone(tmp_path: Path, services: Services, store: Store) -> None:
    state = services.diagnoses.start()
    services.personal_data.delete_diagnosis(state.id)
    assert _count(store, "diagnoses") == 0
