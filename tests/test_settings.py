"""Settings refuse values that are unsafe once the advisor is public."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings


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
