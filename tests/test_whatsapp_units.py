"""The WhatsApp channel's pieces on their own: signature, parsing, splitting, rendering limits, the
Graph client's retries against the fake (429, 5xx, a timeout that must not be repeated), the pace,
the channel service (dedup, window, hand-off codes) and the settings."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time

import pytest
import pytest_asyncio
from fakes.graph_api import FakeGraph, webhook_payload
from pydantic import SecretStr, ValidationError

from bot.api.server import settings_environment
from bot.channel_store import ChannelStore
from bot.diagnosis import load_instrument, start, state
from bot.observability import secret_values
from bot.services.channels import HANDOFF_TTL, WINDOW_SECONDS, ChannelService, find_code
from bot.settings import Settings
from bot.store import Store
from bot.whatsapp import render
from bot.whatsapp.graph import GraphClient, GraphError, GraphPolicy, Uncertain
from bot.whatsapp.inbound import parse_payload, signature_ok
from bot.whatsapp.runtime import Keys
from bot.whatsapp.split import split_text

FAST = GraphPolicy(retries=3, backoff=0.05, max_backoff=0.1, timeout=0.5, pace=0.0)


@pytest_asyncio.fixture
async def graph() -> FakeGraph:
    server = await FakeGraph().start()
    yield server
    await server.stop()


def _client(graph: FakeGraph, policy: GraphPolicy = FAST) -> GraphClient:
    return GraphClient(graph.base_url, graph.phone_number_id, graph.token, policy)


TEXT = {"type": "text", "text": {"body": "Hola"}}


# --- webhook body ------------------------------------------------------------------------------
def test_signature_is_the_hmac_of_the_raw_body():
    body = b'{"entry": []}'
    good = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    assert signature_ok(body, good, "app-secret")
    assert not signature_ok(body + b" ", good, "app-secret")
    assert not signature_ok(body, good, "otro-secreto")
    assert not signature_ok(body, None, "app-secret") and not signature_ok(body, good, None)
    assert not signature_ok(body, good.removeprefix("sha256="), "app-secret")


def test_payload_parsing_skips_what_is_malformed():
    graph = FakeGraph()
    messages = [
        graph.message("573001", text="hola"),
        graph.message("573001", kind="interactive", reply_id="x", title="X", list_reply=True),
        graph.message("573001", kind="sticker"),
        {"from": 5, "id": None},
    ]
    statuses = [
        {
            "id": "wamid.1",
            "recipient_id": "573001",
            "status": "failed",
            "errors": [{"code": 131047, "title": "Re-engagement message"}],
        },
        {"status": "read"},
    ]
    inbound, status = parse_payload(webhook_payload("1", messages=messages, statuses=statuses))
    assert [(m.kind, m.text, m.reply_id) for m in inbound] == [
        ("text", "hola", ""),
        ("interactive", "", "x"),
        ("sticker", "", ""),
    ]
    assert [(s.status, s.error_code) for s in status] == [("failed", "131047")]
    assert parse_payload("basura") == ([], []) and parse_payload({"entry": [5, {"changes": [7]}]}) == ([], [])


# --- pure rendering ----------------------------------------------------------------------------
def test_split_keeps_paragraphs_and_the_limit():
    text = "\n\n".join(f"P{i} " + "palabra " * 150 for i in range(12))
    parts = split_text(text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert all(p.startswith("P") for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    huge = split_text("x" * 9000 + " fin.")
    assert all(len(p) <= 4096 for p in huge) and "".join(huge).replace(" ", "") == ("x" * 9000 + "fin.")


def test_diagnosis_question_fits_whatsapp_limits(repo_root):
    instrument = load_instrument(repo_root / "corpus" / "diagnosis.yaml")
    view = state(instrument, start("abc123"))
    buttons, more = render.question_messages(view)
    titles = [b["reply"]["title"] for b in buttons["interactive"]["action"]["buttons"]]
    assert titles == ["No se ha ejecutado", "En forma parcial", "En forma completa"]
    assert all(len(t) <= 20 for t in titles)
    rows = more["interactive"]["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows] == ["⏭️ Saltar", "❓ ¿Qué significa?"]  # no «Atrás» on question 1
    assert render.parse_dx(rows[0]["id"]) == render.DxChoice("s", 1, "abc123")
    assert render.parse_dx("dx:zz:1:abc") is None and render.parse_dx("fb:up:1") is None
    long_rows = render.offers_list("b", ["¿Cuál es la diferencia entre un cluster y una iniciativa cluster?"], ["k"])
    row = long_rows["interactive"]["action"]["sections"][0]["rows"][0]
    assert len(row["title"]) <= 24 and row["title"].endswith("…") and len(row["description"]) <= 72
    with pytest.raises(ValueError):
        render.buttons("x", [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")])


# --- the Graph client --------------------------------------------------------------------------
async def test_429_and_5xx_are_retried_until_delivered(graph):
    client = _client(graph)
    graph.fail_next("messages", "429")
    graph.fail_next("messages", "500")
    graph.fail_next("messages", "503")
    try:
        assert (await client.send("k", "573001", TEXT)).startswith("wamid.")
    finally:
        await client.aclose()
    assert [c.status for c in graph.attempts()] == [429, 500, 503, 200]
    assert len(graph.delivered()) == 1


async def test_a_timeout_after_sending_is_never_repeated(graph):
    client = _client(graph)
    graph.fail_next("messages", "timeout", delay=1.5)
    try:
        with pytest.raises(Uncertain):
            await client.send("k", "573001", TEXT)
    finally:
        await client.aclose()
    await asyncio.sleep(1.2)
    assert len(graph.attempts()) == 1 and len(graph.delivered()) == 1  # delivered once, not twice


async def test_a_timed_out_upload_is_tried_again(graph):
    client = _client(graph)
    graph.fail_next("media", "timeout", delay=1.0)
    try:
        media_id = await client.upload(b"\x89PNG fake", "image/png", "radar.png")
    finally:
        await client.aclose()
    assert media_id in graph.media and len(graph.attempts("media")) == 2


async def test_a_refusal_is_not_retried_and_a_dead_server_gives_up(graph):
    client = _client(graph)
    try:
        with pytest.raises(GraphError) as refused:
            await client.send("k", "573001", {"type": "text", "text": {"body": "x" * 5000}})
        assert refused.value.status == 400 and len(graph.attempts()) == 1
    finally:
        await client.aclose()
    dead = GraphClient("http://127.0.0.1:9/v21.0", "1", "t", FAST)
    try:
        with pytest.raises(GraphError) as down:
            await dead.send("k", "573001", TEXT)
        assert down.value.code == "network"
    finally:
        await dead.aclose()


async def test_messages_to_one_user_keep_the_pace(graph):
    client = _client(graph, GraphPolicy(retries=0, timeout=2.0, pace=0.3))
    started = time.monotonic()
    try:
        await asyncio.gather(
            *(client.send("same-user", "573001", TEXT) for _ in range(3)), client.send("other-user", "573002", TEXT)
        )
    finally:
        await client.aclose()
    times = sorted(c.at for c in graph.attempts() if c.body["to"] == "573001")
    assert times[1] - times[0] >= 0.25 and times[2] - times[1] >= 0.25
    other = next(c.at for c in graph.attempts() if c.body["to"] == "573002")
    assert other - started < 0.25  # another user does not wait


# --- the channel service -----------------------------------------------------------------------
def _service(tmp_path, now: list[float]) -> ChannelService:
    store = Store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    return ChannelService(
        ChannelStore(store), telegram_bot="asesor_cluster_bot", whatsapp_number="573009998877", clock=lambda: now[0]
    )


def test_dedup_window_and_handoff_codes(tmp_path):
    now = [1_000_000.0]
    service = _service(tmp_path, now)
    assert service.claim_message("wamid.A") and not service.claim_message("wamid.A")
    key = Keys("sal").user("+57 300 123 4567")
    assert "300" not in key and key == Keys("sal").user("573001234567") != Keys("otra").user("573001234567")
    assert not service.window_open(key)
    service.note_inbound(key, now[0] - 60)
    assert service.window_open(key)
    now[0] += WINDOW_SECONDS
    assert not service.window_open(key)
    made = service.create_handoff("diagnosis-1")
    assert len(made.code) == 10 and made.code != "diagnosis-1"
    assert made.telegram_url == f"https://t.me/asesor_cluster_bot?start={made.code}" and len(made.telegram_url) <= 64
    assert find_code(f"Continuar {made.code}") == made.code and find_code(made.code.lower()) == made.code
    assert find_code("hola, ¿qué es un cluster?") is None and find_code("ABCDEFGHJKLM") is None
    assert find_code("¿Qué hacen los estrategas?") is None and find_code(f"hola {made.code}") is None
    assert service.redeem_handoff(made.code) == "diagnosis-1"
    assert service.redeem_handoff(made.code) is None  # single use
    late = service.create_handoff("diagnosis-1")
    now[0] += HANDOFF_TTL + 1
    assert service.redeem_handoff(late.code) is None  # expired
    service.record_failed_status(key, "wamid.B", "131047", "Re-engagement message")
    assert service.failed_statuses(key)[0]["error_code"] == "131047"
    assert service.forget_user(key) == 2 and service.failed_statuses(key) == []


# --- settings ----------------------------------------------------------------------------------
def test_production_refuses_whatsapp_with_a_secret_missing():
    complete = {
        "whatsapp_token": "EAAG-token-123456",
        "whatsapp_phone_number_id": "1098765432",
        "whatsapp_app_secret": "app-secret-123",
        "whatsapp_verify_token": "verify-123",
        "whatsapp_id_salt": "salt-123456",
    }
    Settings(environment="production", **complete)
    for missing in complete:
        with pytest.raises(ValidationError, match="WhatsApp requiere"):
            Settings(environment="production", **{k: v for k, v in complete.items() if k != missing})
    settings = Settings(**complete)
    assert "EAAG-token-123456" not in repr(settings)
    assert {"EAAG-token-123456", "app-secret-123", "verify-123", "salt-123456"} <= set(secret_values(settings))
    env = settings_environment(settings)  # what --workers N hands to each worker: the real values
    assert env["ASESOR_WHATSAPP_TOKEN"] == "EAAG-token-123456" and env["ASESOR_WHATSAPP_APP_SECRET"] == "app-secret-123"
    assert isinstance(Settings(**complete).whatsapp_token, SecretStr)


def test_the_phone_salt_is_configured_or_generated_never_a_constant(tmp_path):
    assert Settings(index_dir=tmp_path, whatsapp_id_salt="salt-123456").whatsapp_salt() == "salt-123456"
    generated = Settings(index_dir=tmp_path / "a").whatsapp_salt()
    assert len(generated) >= 32 and Settings(index_dir=tmp_path / "a").whatsapp_salt() == generated, "kept"
    assert Settings(index_dir=tmp_path / "b").whatsapp_salt() != generated, "another deployment, another key"
    assert Keys(generated).user("573001234567") != Keys(Settings(index_dir=tmp_path / "b").whatsapp_salt()).user(
        "573001234567"
    )
