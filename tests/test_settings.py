"""Settings fail closed: unsafe values refused in production, secrets hidden and generated when
missing (never a public constant), unknown ``ASESOR_*`` variables reported."""

from __future__ import annotations

import logging
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.local_secrets import persisted_secret
from bot.settings import Settings, unknown_variables


def test_development_defaults_are_accepted():
    settings = Settings()
    assert settings.embedder == "e5" and settings.answerer == "extractive"


@pytest.mark.parametrize(
    "unsafe",
    [
        {"allowed_origins": ["*"]},
        {"telegram_webhook_url": "https://bot.example.org/telegram"},
        {"telegram_token": "123:abc"},
    ],
)
def test_production_refuses_unsafe_values(unsafe):
    with pytest.raises(ValidationError):
        Settings(environment="production", **unsafe)


def test_the_token_never_appears_in_the_settings_repr():
    assert "123:secreto" not in repr(Settings(telegram_token="123:secreto"))


def test_every_secret_is_a_secretstr_and_stays_one_through_a_copy():
    settings = Settings(
        telegram_token="123:secreto",
        telegram_webhook_secret="webhook-secreto",
        llm_api_key="sk-secreto",
        telegram_id_salt="sal-secreta",
    )
    copied = settings.model_copy(update={"telegram_token": "456:otro-secreto"})
    for value in (
        settings.telegram_token,
        settings.telegram_webhook_secret,
        settings.llm_api_key,
        settings.telegram_id_salt,
        copied.telegram_token,
    ):
        assert isinstance(value, SecretStr)
    assert copied.telegram_token.get_secret_value() == "456:otro-secreto"
    assert "secreto" not in repr(copied) and "sal-secreta" not in str(settings.model_dump())


def test_a_copy_is_validated_like_the_environment():
    with pytest.raises(ValidationError):
        Settings().model_copy(update={"top_k": 0})


def test_an_unknown_asesor_variable_is_reported_in_spanish(monkeypatch, caplog):
    monkeypatch.setenv("ASESOR_TELEGRAM_WEBHOOK_PORT", "8443")  # no such setting
    monkeypatch.setenv("ASESOR_TOPK", "3")  # a typo of ASESOR_TOP_K
    monkeypatch.setenv("ASESOR_TOP_K", "4")
    assert unknown_variables() == ["ASESOR_TELEGRAM_WEBHOOK_PORT", "ASESOR_TOPK"]
    monkeypatch.setattr("bot.settings._reported", set())
    with caplog.at_level(logging.WARNING, logger="bot.settings"):
        assert Settings().top_k == 4
        Settings()  # reported once per process, not at every Settings()
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.settings"]
    assert len(warnings) == 1 and "desconocidas" in warnings[0]
    assert "ASESOR_TELEGRAM_WEBHOOK_PORT" in warnings[0] and "ASESOR_TOPK" in warnings[0]
    assert "ASESOR_TOP_K," not in warnings[0]


def test_the_known_variables_of_other_tools_are_not_reported():
    assert unknown_variables({"ASESOR_DB_PASSWORD": "x", "ASESOR_INDEX_DIR": "/x", "OTHER": "y"}) == []


def test_the_id_salt_is_generated_once_private_and_reused(tmp_path: Path):
    settings = Settings(index_dir=tmp_path / "index")
    salt = settings.telegram_salt()
    stored = tmp_path / "index" / ".secrets" / "telegram_id_salt"
    assert stored.read_text() == salt and len(salt) >= 40
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert Settings(index_dir=tmp_path / "index").telegram_salt() == salt, "a restart must reuse it"
    assert Settings(index_dir=tmp_path / "other").telegram_salt() != salt, "never a shared constant"
    assert Settings(index_dir=tmp_path / "index", telegram_id_salt="configurada").telegram_salt() == "configurada"


def test_the_webhook_secret_is_generated_when_none_is_configured(tmp_path: Path):
    settings = Settings(index_dir=tmp_path, telegram_webhook_url="https://bot.example.org/telegram")
    secret = settings.webhook_secret()
    assert secret and secret == Settings(index_dir=tmp_path).webhook_secret() != settings.telegram_salt()
    assert Settings(index_dir=tmp_path, telegram_webhook_secret="propio-123").webhook_secret() == "propio-123"


def test_two_processes_starting_together_agree_on_one_generated_secret(tmp_path: Path):
    with ThreadPoolExecutor(max_workers=8) as pool:
        values = set(pool.map(lambda _: persisted_secret(tmp_path, "telegram_id_salt"), range(32)))
    assert len(values) == 1


def test_make_run_needs_no_configuration():
    """The defaults build: no token, no salt, no secret required outside production."""
    settings = Settings(_env_file=None)
    assert settings.telegram_token is None and settings.telegram_webhook_secret is None


async def test_a_webhook_without_a_configured_secret_still_refuses_unsigned_updates(tmp_path: Path, services):
    from bot.telegram.app import build_application
    from bot.telegram.webhook import WebhookForbidden, process_webhook_update

    settings = Settings(
        index_dir=tmp_path, telegram_token="123456:webhook-sin-secreto", telegram_webhook_url="https://bot.example/wh"
    )
    application = build_application(settings, services)
    for header in (None, "", "adivinado"):
        with pytest.raises(WebhookForbidden):
            await process_webhook_update(application, {"update_id": 1}, header)
    await process_webhook_update(application, {"update_id": 2}, settings.webhook_secret())  # the generated one
    assert application.update_queue.qsize() == 1
