"""Run the HTTP API with uvicorn: ``serve(settings, host=…, port=…, workers=…)``.

Why this exists: ``asesor serve`` and deployments start the service the same way. With one worker
the app is built in-process from the given ``Settings``; with several, uvicorn needs an import
string, so the settings are exported as ``ASESOR_*`` variables that every worker process reads
through ``bot.api.app:app_from_env``.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.compose import Services

__all__ = ["serve", "settings_environment"]

FACTORY = "bot.api.app:app_from_env"


def settings_environment(settings: Settings) -> dict[str, str | None]:
    """``ASESOR_*`` variables that rebuild ``settings`` in another process (``None``: unset it).

    Secrets are included: they only travel in this process's environment to its own workers.
    """
    env: dict[str, str | None] = {}
    for name, value in settings.model_dump(mode="json").items():
        secret = getattr(settings, name)
        if isinstance(secret, SecretStr):  # dumped as "**********": the worker needs the value itself
            value = secret.get_secret_value()
        text = None if value is None else value if isinstance(value, str) else json.dumps(value)
        env[f"ASESOR_{name.upper()}"] = text
    return env


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    log_level: str = "info",
    services: Services | None = None,
) -> None:
    """Serve until interrupted (blocking); one worker may be handed ready ``services``."""
    import uvicorn

    from bot.observability import configure_logging

    configure_logging(settings)  # JSON lines with the request id; uvicorn's loggers included
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "proxy_headers": True,
        "log_config": None,
        "server_header": False,
        "timeout_graceful_shutdown": 10,
        "timeout_keep_alive": 5,
    }
    if workers <= 1:
        from .app import create_app

        uvicorn.run(create_app(settings, services), **common)
        return
    for key, value in settings_environment(settings).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    uvicorn.run(FACTORY, factory=True, workers=workers, **common)
