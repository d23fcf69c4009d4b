"""Errors the advisor raises on purpose, each with a Spanish message fit for any channel.

Channels map ``status`` to their own medium (an HTTP status, a Telegram reply, a CLI exit
code) and show ``message``; none of them ever shows a stack trace.
"""

from __future__ import annotations

__all__ = ["AdvisorError", "InvalidInput", "NotFound", "Unavailable"]


class AdvisorError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(AdvisorError):
    status = 422
    code = "entrada_invalida"


class NotFound(AdvisorError):
    status = 404
    code = "no_encontrado"


class Unavailable(AdvisorError):
    status = 503
    code = "no_disponible"
