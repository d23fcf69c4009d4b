"""Hand-off between channels through the real app and both fakes: web → Telegram and web → WhatsApp.

The widget's API makes the code; Telegram receives ``/start <code>`` through the app's own webhook
(the fake Bot API records the replies) and WhatsApp receives «Continuar <code>» through its webhook
(the fake Graph API records the replies). The code is single-use, expires, and is not the id.
"""

from __future__ import annotations

import time

import pytest
import pytest_asyncio
from fakes.graph_api import FakeGraph
from whatsapp_harness import PHONE, URL, running_app, whatsapp_settings

from bot.services.channels import HANDOFF_TTL
from bot.telegram import texts as tg_texts
from bot.telegram.webhook import SECRET_HEADER
from bot.whatsapp import texts

pytestmark = pytest.mark.slow
CHAT = 5151


@pytest_asyncio.fixture
async def graph() -> FakeGraph:
    server = await FakeGraph().start()
    yield server
    await server.stop()


@pytest.fixture
def both(bot_settings, graph):
    return whatsapp_settings(
        bot_settings,
        graph,
        telegram_bot_username="asesor_cluster_bot",
        whatsapp_number="573009998877",
        telegram_webhook_url="https://asesor.example/telegram/webhook",
        telegram_webhook_secret="s3cret-webhook-value",
    )


async def _web_diagnosis(client, answers: int) -> str:
    started = (await client.post("/api/diagnosis")).json()
    for value in range(answers):
        response = await client.post(f"/api/diagnosis/{started['id']}/answer", json={"answer": value % 3})
        assert response.status_code == 200
    return started["id"]


async def test_web_to_telegram_and_web_to_whatsapp(both, services, fake, graph):
    now = [time.time()]
    async with running_app(both, services, clock=lambda: now[0]) as (_, client):
        diagnosis_id = await _web_diagnosis(client, 2)
        made = (await client.post(f"/api/diagnosis/{diagnosis_id}/handoff")).json()
        code = made["code"]
        assert code != diagnosis_id and diagnosis_id not in made["telegram_url"] + made["whatsapp_url"]
        assert made["telegram_url"] == f"https://t.me/asesor_cluster_bot?start={code}"
        assert len(made["telegram_url"]) <= 64
        assert made["whatsapp_url"] == f"https://wa.me/573009998877?text=Continuar%20{code}"

        # web → Telegram: /start <code> through the app's Telegram webhook
        update = {"update_id": 1, "message": fake.user_message(CHAT, text=f"/start {code}")}
        accepted = await client.post("/telegram/webhook", json=update, headers={SECRET_HEADER: "s3cret-webhook-value"})
        assert accepted.status_code == 200
        shown = await fake.wait_for(lambda: fake.bot_messages(CHAT), what="the handed-off question in Telegram")
        assert shown[0]["text"].startswith(tg_texts.HANDOFF_DONE) and "Pregunta 3 de 13" in shown[0]["text"]

        # the code was used: WhatsApp cannot take it again
        await graph.say(client, URL, PHONE, text=f"Continuar {code}")
        await graph.wait_for(
            lambda: texts.HANDOFF_BAD in [graph.text_of(b) for b in graph.delivered(PHONE)],
            what="the used code refused",
        )

        # web → WhatsApp with a new code: same question, then finished there
        second = (await client.post(f"/api/diagnosis/{diagnosis_id}/handoff")).json()["code"]
        await graph.say(client, URL, PHONE, text=f"Continuar {second}")
        question = await graph.wait_for(
            lambda: [
                b
                for b in graph.delivered(PHONE)
                if "Pregunta 3 de 13" in graph.text_of(b) and b["type"] == "interactive"
            ],
            what="the handed-off question in WhatsApp",
        )
        assert texts.HANDOFF_DONE in [graph.text_of(b) for b in graph.delivered(PHONE)]
        for number in range(3, 14):
            choices = graph.choices(question[-1])
            await graph.say(
                client, URL, PHONE, kind="interactive", reply_id=choices["En forma completa"], title="En forma completa"
            )
            if number < 13:
                question = await graph.wait_for(
                    lambda n=number: [
                        b
                        for b in graph.delivered(PHONE)
                        if f"Pregunta {n + 1} de 13" in graph.text_of(b) and b["type"] == "interactive"
                    ],
                    what=f"question {number + 1}",
                )
        await graph.wait_for(lambda: any(b["type"] == "document" for b in graph.delivered(PHONE)), what="the PDF")

        # the web (the old channel) sees the result too
        state = (await client.get(f"/api/diagnosis/{diagnosis_id}")).json()
        assert state["finished"] and state["result"]["total"] > 0

        # an expired code is refused
        late = (await client.post(f"/api/diagnosis/{diagnosis_id}/handoff")).json()["code"]
        now[0] += HANDOFF_TTL + 1
        await graph.say(client, URL, PHONE, text=late, timestamp=now[0])
        await graph.wait_for(
            lambda: graph.text_of(graph.delivered(PHONE)[-1]) == texts.HANDOFF_BAD, what="the expired code refused"
        )


async def test_a_handoff_for_an_unknown_diagnosis_is_404(both, services):
    async with running_app(both, services) as (_, client):
        response = await client.post("/api/diagnosis/no-existe/handoff")
    assert response.status_code == 404 and response.json()["error"]["code"] == "diagnostico_no_encontrado"


def test_the_cli_prints_a_single_use_code(settings, services, monkeypatch):
    import re

    from typer.testing import CliRunner

    from bot.cli import app

    diagnosis = services.diagnoses.start()
    for name, value in {
        "ASESOR_INDEX_DIR": str(settings.index_dir),
        "ASESOR_DATABASE_URL": settings.database_url,
        "ASESOR_TELEGRAM_BOT_USERNAME": "asesor_cluster_bot",
    }.items():
        monkeypatch.setenv(name, value)
    made = CliRunner().invoke(app, ["handoff", "--id", diagnosis.id])
    assert made.exit_code == 0, made.output
    code = re.search(r"otro canal: ([A-Z2-9]{10}) ", made.output).group(1)
    assert f"https://t.me/asesor_cluster_bot?start={code}" in made.output and diagnosis.id not in made.output
    service = services.channels  # another connection to the same database
    assert service.redeem_handoff(code) == diagnosis.id and service.redeem_handoff(code) is None
    unknown = CliRunner().invoke(app, ["handoff", "--id", "no-existe"])
    assert unknown.exit_code == 1 and "No existe un autodiagnóstico" in unknown.output
