"""What messaging channels need beyond answers and diagnoses: dedup, the 24-hour window, hand-offs.

Why this exists: channels may not touch the store (layering), yet WhatsApp must remember which
message ids it answered, when each user last wrote (Meta allows free-form replies only for 24
hours after that) and which hand-off codes are still good. This service (``Services.channels``,
built by the composition root over its store and clock) is what a channel receives: it owns the
clock (tests pass a fake one), maps database trouble to the Spanish ``Unavailable``, and builds
the deep links of a hand-off. A hand-off code is random,
single-use, expires after ``HANDOFF_TTL`` seconds, is not the diagnosis id and says nothing about
the person: it only points at a diagnosis for a while.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.errors import NotFound
from bot.settings import Settings

from .guard import guard_store

if TYPE_CHECKING:  # channels import find_code from here without loading the database layer
    from bot.channel_store import ChannelStore

__all__ = ["HANDOFF_TTL", "WINDOW_SECONDS", "ChannelService", "Handoff", "find_code", "find_profile", "parse_profile"]

WINDOW_SECONDS = 24 * 60 * 60
HANDOFF_TTL = 30 * 60
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: the code may be typed by hand
_CODE_LENGTH = 10
# A code holds at least one digit, so a ten-letter word («estrategas») is never taken for one.
_CODE = re.compile(rf"(?:CONTINUAR:?\s+)?((?=[A-Z]*[2-9])[{_ALPHABET}]{{{_CODE_LENGTH}}})[.!]?")


def find_code(text: str) -> str | None:
    """The hand-off code when the whole message is one: «K7QXM2PAR4» or «Continuar K7QXM2PAR4»
    (any case); a question that happens to hold a ten-letter word is not a code."""
    match = _CODE.fullmatch(" ".join(text.split()).upper())
    return match.group(1) if match else None


_PROFILE_SKIP = {"omitir", "no", "prefiero no decirlo", "ninguno", "-"}
_PROFILE = re.compile(r"(?:departamento|depto\.?|regi[oó]n)\s*[:,-]?\s+(\S.*)", re.IGNORECASE | re.DOTALL)


def _profile_part(value: str) -> str | None:
    value = " ".join(value.split()).strip(" .;")
    return value[:64] or None


def parse_profile(text: str) -> tuple[str | None, str | None] | None:
    """The optional, self-declared department and sector of a finished diagnosis, as a person
    types them: «Nariño, café» → ("Nariño", "café"); «Antioquia» → ("Antioquia", None); «omitir» →
    None. Each part is cut at 64 characters."""
    if " ".join(text.lower().split()).strip(" .!") in _PROFILE_SKIP:
        return None
    for separator in (",", ";", " - ", "/"):
        if separator in text:
            department, sector = text.split(separator, 1)
            return _profile_part(department), _profile_part(sector)
    return _profile_part(text), None


def find_profile(text: str) -> tuple[str | None, str | None] | None:
    """A whole message «Departamento: Nariño, café» (how WhatsApp, which has no reply prompt,
    is told to answer); None for anything else."""
    match = _PROFILE.fullmatch(text.strip())
    return parse_profile(match.group(1)) if match else None


@dataclass(frozen=True)
class Handoff:
    code: str
    expires_at: float
    telegram_url: str | None
    whatsapp_url: str | None


class ChannelService:
    def __init__(
        self,
        store: ChannelStore,
        *,
        diagnosis_exists: Callable[[str], object] | None = None,
        telegram_bot: str | None = None,
        whatsapp_number: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store, self._exists = store, diagnosis_exists
        self._telegram_bot, self._whatsapp_number = telegram_bot, whatsapp_number
        self.clock = clock

    # Inbound messages and the customer-service window --------------------------------------------
    def claim_message(self, message_id: str) -> bool:
        return guard_store(lambda: self._store.claim_message(message_id, now=self.clock()))

    def note_inbound(self, user_key: str, at: float | None = None) -> None:
        """The user wrote at ``at`` (Meta's timestamp; now if missing or in the future)."""
        now = self.clock()
        guard_store(lambda: self._store.touch_window(user_key, min(at or now, now)))

    def window_open(self, user_key: str) -> bool:
        last = guard_store(lambda: self._store.last_inbound(user_key))
        return last is not None and self.clock() - last < WINDOW_SECONDS

    def record_failed_status(self, user_key: str, message_id: str, error_code: str, error_title: str) -> None:
        guard_store(
            lambda: self._store.record_failed_status(
                user_key=user_key, message_id=message_id, error_code=error_code, error_title=error_title
            )
        )

    def failed_statuses(self, user_key: str) -> list[dict]:
        return guard_store(lambda: self._store.failed_statuses(user_key))

    def forget_user(self, user_key: str) -> int:
        return guard_store(lambda: self._store.forget_user(user_key))

    # Hand-off between channels --------------------------------------------------------------------
    def create_handoff(self, diagnosis_id: str, settings: Settings | None = None) -> Handoff:
        """A new code for ``diagnosis_id`` (``NotFound`` when there is no such diagnosis); the links
        name the bot and number of ``settings`` when given (an app's own), else the root's."""
        if self._exists is not None:
            self._exists(diagnosis_id)  # raises NotFound in Spanish
        expires = self.clock() + HANDOFF_TTL
        for _ in range(20):
            code = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
            add = partial(self._store.add_handoff, code=code, diagnosis_id=diagnosis_id, expires_at=expires)
            added = find_code(code) is not None and guard_store(add)
            if added:
                return Handoff(code, expires, *self.links(code, settings))
        raise NotFound("No se pudo crear el código; intente de nuevo.", code="codigo_no_creado")

    def links(self, code: str, settings: Settings | None = None) -> tuple[str | None, str | None]:
        """(t.me deep link, wa.me link) for ``code``; None for a channel that is not configured."""
        bot = settings.telegram_bot_username if settings is not None else self._telegram_bot
        number = settings.whatsapp_number if settings is not None else self._whatsapp_number
        telegram = f"https://t.me/{bot}?start={code}" if bot else None
        whatsapp = f"https://wa.me/{number}?text={quote('Continuar ' + code)}" if number else None
        return telegram, whatsapp

    def redeem_handoff(self, code: str) -> str | None:
        """The diagnosis id behind a good code, once; None for unknown, used or expired codes."""
        return guard_store(lambda: self._store.redeem_handoff(code, now=self.clock()))

    def purge_before(self, cutoff: float) -> int:
        return guard_store(lambda: self._store.purge_before(cutoff))
