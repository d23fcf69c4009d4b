"""Keep secrets (the bot token, the webhook secret, API keys) out of every log line.

Why this exists: the Telegram token is part of every Bot API URL (``…/bot<TOKEN>/sendMessage``),
and httpx logs each request URL at INFO level; tracebacks of network errors may carry it too.
A leaked token lets anyone impersonate the bot. ``RedactSecrets`` is a ``logging.Filter`` that
replaces the secrets in a record's message, arguments and formatted traceback. Because a filter on
a logger does not see records of its child loggers, and handlers may be added later (JSON logging,
pytest's capture), ``install_redaction`` applies the filter where every record is born: in the
log record factory. Installing is idempotent and only ever adds secrets. It sits below every
layer (it imports only the standard library): ``bot.observability`` installs it for all the
settings' secrets and the Telegram channel for its token.
"""

from __future__ import annotations

import logging
import threading
import traceback

__all__ = ["REDACTED", "RedactSecrets", "install_redaction"]

REDACTED = "[REDACTED]"
_MIN_SECRET = 6  # never "redact" something so short that it would mangle ordinary text


class RedactSecrets(logging.Filter):
    """Replace known secrets in a record; never drops a record."""

    def __init__(self, secrets: set[str] | None = None) -> None:
        super().__init__()
        self.secrets: set[str] = set(secrets or ())

    def add(self, *secrets: str | None) -> None:
        self.secrets.update(s for s in secrets if s and len(s) >= _MIN_SECRET)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # malformed arguments: logging reports those itself
            message = str(record.msg)
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_FILTER = RedactSecrets()
_LOCK = threading.Lock()
_installed = False


def install_redaction(*secrets: str | None) -> RedactSecrets:
    """Redact ``secrets`` from every log record created from now on, in every logger."""
    global _installed
    with _LOCK:
        _FILTER.add(*secrets)
        if not _installed:
            previous = logging.getLogRecordFactory()

            def factory(*args, **kwargs) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                _FILTER.filter(record)
                return record

            logging.setLogRecordFactory(factory)
            _installed = True
    return _FILTER
