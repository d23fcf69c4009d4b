"""Structured logs: one JSON object per line, each carrying the id of the request it belongs to.

Why this exists: when the advisor runs public, an operator must follow one request through every
line it logged (the access line, a warning in a worker thread, a crash) and feed the logs to any
collector. The request id lives in a ``ContextVar`` set by the HTTP middleware; asyncio tasks and
Starlette's worker threads copy the context, so every record created while serving a request
sees it. Secrets from the settings (the bot token, webhook secret, API keys) are redacted from
every record before any handler formats it.
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import queue
import re
import secrets
import sys
import threading
import time
from contextvars import ContextVar
from typing import Any

from pydantic import SecretStr

from bot.logsafe import install_redaction
from bot.settings import Settings

__all__ = [
    "REQUEST_ID",
    "JsonFormatter",
    "configure_logging",
    "current_request_id",
    "flush_logs",
    "log_answer",
    "new_request_id",
    "sane_request_id",
    "secret_values",
]

REQUEST_ID: ContextVar[str | None] = ContextVar("asesor_request_id", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "color_message",
}


def new_request_id() -> str:
    return secrets.token_hex(8)


def sane_request_id(incoming: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is short and plain (letters, digits, ``._-``),
    else a fresh one: a hostile id must not forge log lines or bloat them."""
    return incoming if incoming and _SANE_ID.match(incoming) else new_request_id()


def current_request_id() -> str | None:
    return REQUEST_ID.get()


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", "request_id", …extra fields, "exc"?}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = (
                    value if isinstance(value, (str, int, float, bool, type(None), dict, list)) else str(value)
                )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False, default=str)


class _TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


_answers_log = logging.getLogger("bot.answers")


def log_answer(steps: dict[str, float], answer: Any) -> None:
    """An answer hook (``Services.hooks``): one line per answer with its step timings in milliseconds.
    It never logs the question or the answer text (they may hold personal data)."""
    _answers_log.info(
        "respuesta",
        extra={
            "answerer": getattr(answer, "answerer", None),
            "in_scope": getattr(answer, "in_scope", None),
            "kind": getattr(answer, "kind", None),
            "steps_ms": {step: round(seconds * 1000, 2) for step, seconds in steps.items()},
        },
    )


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold: ``SecretStr`` fields and fields hidden from ``repr``."""
    found: list[str] = []
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif field.repr:
            continue
        if isinstance(value, str) and value:
            found.append(value)
    return found


class _Handoff(logging.handlers.QueueHandler):
    """Hands each record to the log writer thread: the caller (a request's event loop or worker
    thread) only stamps the request id and merges the message; JSON encoding and the write to
    stderr happen on the writer thread (perf, issue 19: a log line per request was ~7% of a
    cached answer's time)."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record.msg, record.args = record.getMessage(), None  # arguments may change after this call
        return record


_writer: logging.handlers.QueueListener | None = None
_writer_lock = threading.Lock()


def flush_logs() -> None:
    """Wait until every record logged so far is written (tests; the writer also drains at exit)."""
    if _writer is not None:
        _writer.queue.join()  # type: ignore[attr-defined]


def _stop_writer() -> None:
    global _writer
    with _writer_lock:
        if _writer is not None:
            _writer.stop()  # writes what is queued, then ends the thread
            _writer = None


def configure_logging(settings: Settings, *, stream: Any = None) -> None:
    """Send every logger (uvicorn's, httpx's, ours) to one handler on stderr, JSON or text,
    written by a background thread (``flush_logs`` waits for it; it drains at exit)."""
    global _writer
    install_redaction(*secret_values(settings))
    output = logging.StreamHandler(stream or sys.stderr)
    output.setFormatter(JsonFormatter() if settings.log_format == "json" else _TextFormatter())
    records: queue.Queue[logging.LogRecord] = queue.Queue()
    handler = _Handoff(records)
    handler.addFilter(_RequestIdFilter())  # on the caller's thread: the request id is its context's
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_asesor", False):
            root.removeHandler(old)
    _stop_writer()
    with _writer_lock:
        _writer = logging.handlers.QueueListener(records, output)
        _writer.start()
    handler._asesor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # httpx logs every Telegram poll at INFO: only DEBUG shows them.
    logging.getLogger("httpx").setLevel("DEBUG" if settings.log_level == "DEBUG" else "WARNING")


atexit.register(_stop_writer)
