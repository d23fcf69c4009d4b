"""Unit tests of the Telegram channel's pure parts: splitter, rendering, keys, texts, log redaction.

The splitter is tested on the real booklet text (tens of thousands of characters) and on text
built to be hostile to it: nothing but escapable characters, one endless word, emoji that count
double in UTF-16.
"""

from __future__ import annotations

import logging
import re
import sys

import httpx
import pytest
from fakes import plain_text
from fakes.telegram_api import _ApiError, _check_html
from telegram.error import NetworkError, TimedOut

from bot.diagnosis import present
from bot.errors import Unavailable
from bot.logsafe import REDACTED, RedactSecrets, install_redaction
from bot.schemas import Answer, Citation
from bot.settings import ROOT, Settings
from bot.telegram import texts
from bot.telegram.answers import looks_like_question
from bot.telegram.app import _maybe_delivered, build_application
from bot.telegram.render import DxAction, answer_blocks, answer_keyboard, parse_dx, without_feedback
from bot.telegram.split import MESSAGE_LIMIT, Block, blocks_from_text, pack, tg_len
from bot.telegram.state import Keys
from bot.telegram.webhook import WebhookForbidden, process_webhook_update

BOOKLET = (ROOT / "corpus" / "abc-iniciativas-cluster.txt").read_text(encoding="utf-8")
PARAGRAPHS = [" ".join(p.split()) for p in re.split(r"\n\s*\n", BOOKLET) if len(" ".join(p.split())) > 200]


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_valid(messages: list[str], limit: int = MESSAGE_LIMIT) -> None:
    for message in messages:
        assert 0 < tg_len(message) <= limit
        _check_html(message)  # the fake's parser: the same rules Telegram applies


# --- splitter ---------------------------------------------------------------------------------
def test_the_whole_booklet_splits_into_valid_messages_without_losing_a_word():
    messages = pack(blocks_from_text(BOOKLET))
    assert len(messages) >= 5
    assert_valid(messages)
    assert words(" ".join(plain_text(m) for m in messages)) == words(BOOKLET)


def test_a_6000_character_answer_splits_at_a_paragraph_boundary():
    paragraphs = PARAGRAPHS[:40]
    text = "\n\n".join(paragraphs)[:6600].rsplit("\n\n", 1)[0]
    assert len(text) > 6000
    messages = pack(blocks_from_text(text))
    assert len(messages) == 2
    assert_valid(messages)
    first_end = plain_text(messages[0])[-40:]
    assert any(p.endswith(first_end) for p in paragraphs), "the cut falls between paragraphs"


def test_escapes_never_get_cut_and_are_counted_in_the_limit():
    messages = pack([Block("a & b < c > " * 1500)])
    assert_valid(messages)
    assert all(not re.search(r"&[a-z]*$", m) for m in messages)
    assert words(" ".join(plain_text(m) for m in messages)) == words("a & b < c > " * 1500)


def test_styled_blocks_keep_their_tags_balanced_in_every_piece():
    messages = pack([Block("Fase 2: estrategia & mercados. " * 400, "bold")])
    assert len(messages) >= 3
    assert all(m.startswith("<b>") and m.endswith("</b>") for m in messages)
    assert_valid(messages)


def test_an_endless_word_is_cut_hard_and_emoji_count_double():
    assert tg_len("😀") == 2 and tg_len("ñ") == 1
    messages = pack([Block("x" * 9000)])
    assert [len(m) for m in messages] == [4096, 4096, 808]
    emoji = pack([Block("😀" * 3000)])
    assert [tg_len(m) for m in emoji] == [4096, 1904]


def test_small_blocks_share_a_message_and_a_tiny_limit_is_refused():
    assert pack([Block("uno"), Block("dos", "italic")]) == ["uno\n\n<i>dos</i>"]
    assert pack([]) == []
    with pytest.raises(ValueError):
        pack([Block("x")], limit=10)


# --- rendering ----------------------------------------------------------------------------------
def test_spanish_numbers_and_percentages():
    assert [present.number(v) for v in (61.5, 50.0, 100.0, 0.0)] == ["61,5", "50", "100", "0"]
    assert present.percent(33.33) == "33,3 %"


def test_diagnosis_callback_data_round_trips_within_64_bytes():
    action = DxAction("a2", 13, "xOP6cfc_NYgjunhBX0lnpA")
    assert len(action.data().encode()) <= 64
    assert parse_dx(action.data()) == action
    assert parse_dx("dx:a1:x:id") is None and parse_dx("src:abc") is None


def test_answers_render_escaped_with_sources_and_feedback_buttons():
    answer = Answer(
        question="q",
        answer="A <b>&</b> B",
        in_scope=True,
        citations=[Citation(n=1, section="1. Introducción › <x>", text="t", score=0.9, id="abc123")],
    )
    html_text = pack(answer_blocks(answer))[0]
    assert "A &lt;b&gt;&amp;&lt;/b&gt; B" in html_text and "Fuente [1]: 1. Introducción › &lt;x&gt;" in html_text
    keyboard = answer_keyboard(answer, feedback_key="k1", offer_keys=[])
    data = [b.callback_data for row in keyboard.inline_keyboard for b in row]
    assert data == ["src:abc123", "fb:up:k1", "fb:down:k1"]
    assert [b.callback_data for row in without_feedback(keyboard).inline_keyboard for b in row] == ["src:abc123"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("¿Qué es la gobernanza?", True),
        ("que es un cluster", True),
        ("Explíqueme la fase 2", True),
        ("parcial", False),
        ("sí, completo", False),
        ("mmm", False),
        ("no", False),
    ],
)
def test_what_reads_as_a_question(text, expected):
    assert looks_like_question(text) is expected


# --- keys, texts, logs, webhook ----------------------------------------------------------------
def test_keys_are_stable_pseudonyms_that_never_contain_the_ids():
    keys, other = Keys("salt-a"), Keys("salt-b")
    assert keys.conversation(424242) == keys.conversation(424242) != other.conversation(424242)
    assert keys.user(424242, 1001) != keys.user(424242, 1002)
    for key in (keys.conversation(424242), keys.chat(424242), keys.user(424242, 1001)):
        assert "424242" not in key and "1001" not in key and len(key) <= 64


def _user_strings() -> dict[str, str]:
    return {name: value for name, value in vars(texts).items() if name.isupper() and isinstance(value, str)}


def test_texts_use_spanish_opening_marks_and_fit_telegram_limits():
    for name, value in _user_strings().items():
        if name.startswith("WEBHOOK"):
            continue
        for sentence in re.split(r"(?<=[.?!])\s+", value):
            assert "?" not in sentence or "¿" in sentence, (name, sentence)
            assert "!" not in sentence or "¡" in sentence, (name, sentence)
    toasts = (
        "FEEDBACK_UP",
        "FEEDBACK_DOWN",
        "FEEDBACK_GONE",
        "STALE_BUTTON",
        "DIAGNOSIS_NOT_YOURS",
        "DIAGNOSIS_FINISHED_BUTTON",
        "ALREADY_FIRST",
        "SKIPPED_NOTE",
    )
    assert all(len(getattr(texts, name)) <= 200 for name in toasts)
    assert all(re.fullmatch(r"[a-z0-9_]{1,32}", c) and 3 <= len(d) <= 256 for c, d in texts.COMMANDS.items())
    assert all(3 <= len(label) <= 40 for label in texts.FEEDBACK_REASONS.values())  # button labels
    assert set(texts.__all__) == set(_user_strings()) | {"COMMANDS", "FEEDBACK_REASONS"}


def test_the_redaction_filter_cleans_message_arguments_and_tracebacks():
    secret = "123456:AAE-super-secret-token"
    record_filter = RedactSecrets({secret})
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{secret}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord(
            "httpx", logging.INFO, __file__, 1, "HTTP Request: %s %s", ("POST", f"/bot{secret}/x"), sys.exc_info()
        )
    assert record_filter.filter(record)
    assert secret not in record.getMessage() and REDACTED in record.getMessage()
    assert secret not in record.exc_text and REDACTED in record.exc_text


def test_installed_redaction_covers_every_logger(caplog):
    install_redaction("987654:installed-secret-token")
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.child.logger").info("url=%s", "https://x/bot987654:installed-secret-token/getMe")
    assert "installed-secret-token" not in caplog.text and REDACTED in caplog.text


def test_network_errors_are_classified_by_whether_telegram_may_have_delivered():
    def caused(error, cause):
        error.__cause__ = cause
        return error

    request = httpx.Request("POST", "http://x")
    assert _maybe_delivered(caused(TimedOut(), httpx.ReadTimeout("r", request=request)))
    assert not _maybe_delivered(caused(TimedOut(), httpx.ConnectTimeout("c", request=request)))
    assert not _maybe_delivered(caused(NetworkError("x"), httpx.ConnectError("refused", request=request)))
    assert _maybe_delivered(caused(NetworkError("x"), httpx.RemoteProtocolError("cut", request=request)))
    assert not _maybe_delivered(NetworkError("Internal Server Error (500)"))


def test_building_without_a_token_is_a_clear_spanish_error():
    with pytest.raises(Unavailable, match="ASESOR_TELEGRAM_TOKEN"):
        build_application(Settings(telegram_token=None), services=object())  # type: ignore[arg-type]


async def test_the_webhook_refuses_without_a_secret_in_production():
    settings = Settings(environment="production", telegram_token="123456:webhook-test-token", telegram_id_salt="s")
    application = build_application(settings, services=object())  # type: ignore[arg-type]
    with pytest.raises(WebhookForbidden) as refused:
        await process_webhook_update(application, {"update_id": 1}, None)
    assert refused.value.status == 403 and refused.value.message == texts.WEBHOOK_FORBIDDEN


@pytest.mark.parametrize("markup", ["<b>sin cerrar", "a < b", "a & b", "<script>x</script>", "<b><i>x</b></i>"])
def test_the_fake_rejects_the_html_telegram_rejects(markup):
    with pytest.raises(_ApiError):
        _check_html(markup)
