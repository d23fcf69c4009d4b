"""Staff accounts: argon2 password hashes, login throttling and locking.

Why this exists: the console shows what people ask the advisor, so only the Red's staff may
enter. Passwords are hashed with argon2id (``argon2-cffi``); a login for an unknown email still
verifies a dummy hash, so timing does not tell which emails exist. Each account is locked for
``lock_seconds`` after ``max_failures`` wrong passwords in a row (kept in the database, so every
worker agrees), and each client gets at most ``per_minute`` attempts (in memory, per process).
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.store_staff import StaffStore

__all__ = ["Accounts", "LoginResult", "AccountError", "normalize_email", "MIN_PASSWORD"]

MIN_PASSWORD = 12
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class AccountError(ValueError):
    """A Spanish message for the operator (bad email, short password, duplicate)."""


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    account_id: int | None = None
    email: str | None = None
    reason: str = ""  # "wrong", "locked", "throttled"
    retry_after: int = 0


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise AccountError("Ese correo no parece válido (ejemplo: nombre@redclustercolombia.gov.co).")
    return email


class Accounts:
    def __init__(
        self,
        staff_store: StaffStore,
        *,
        max_failures: int = 5,
        lock_seconds: float = 900,
        per_minute: int = 10,
        clock=time.time,
    ) -> None:
        self.staff_store = staff_store
        self.max_failures, self.lock_seconds, self.per_minute = max_failures, lock_seconds, per_minute
        self.clock = clock
        self._hasher = PasswordHasher()
        self._dummy_hash: str | None = None  # made on first need: hashing costs ~0.2 s of CPU
        self._attempts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    # Operator side (CLI) ------------------------------------------------------------------------
    def add(self, email: str, password: str) -> str:
        email = normalize_email(email)
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres.")
        if not self.staff_store.add_account(email=email, password_hash=self._hasher.hash(password)):
            raise AccountError(f"Ya existe una cuenta del equipo con el correo {email}.")
        return email

    def remove(self, email: str) -> bool:
        return self.staff_store.remove_account(email=normalize_email(email))

    def list(self) -> list[dict]:
        return [
            {
                "email": a.email,
                "created_at": a.created_at,
                "last_login": a.last_login,
                "locked": a.locked_until > self.clock(),
            }
            for a in self.staff_store.accounts()
        ]

    def exists(self, account_id: int) -> bool:
        return self.staff_store.account_by_id(account_id) is not None

    def any(self) -> bool:
        return self.staff_store.count_accounts() > 0

    # Login ----------------------------------------------------------------------------------------
    def _throttled(self, client: str) -> int:
        """Seconds to wait when ``client`` used its attempts this minute (0: go ahead)."""
        now = self.clock()
        with self._lock:
            window = self._attempts.setdefault(client, deque())
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return max(1, int(window[0] + 60 - now) + 1)
            window.append(now)
            if len(self._attempts) > 10_000:  # forget idle clients
                for key in [k for k, v in self._attempts.items() if not v][:5000]:
                    del self._attempts[key]
            return 0

    def login(self, email: str, password: str, *, client: str) -> LoginResult:
        wait = self._throttled(client)
        if wait:
            return LoginResult(False, reason="throttled", retry_after=wait)
        try:
            email = normalize_email(email)
        except AccountError:
            email = ""
        account = self.staff_store.account(email=email) if email else None
        now = self.clock()
        if account is None:
            self._verify(self._dummy(), password)  # same work as a real account: no timing oracle
            return LoginResult(False, reason="wrong")
        if account.locked_until > now:
            self._verify(self._dummy(), password)
            return LoginResult(False, reason="locked", retry_after=int(account.locked_until - now) + 1)
        if not self._verify(account.password_hash, password):
            failures = account.failed_logins + 1
            locked = now + self.lock_seconds if failures >= self.max_failures else 0.0
            self.staff_store.update_account(account.id, failed_logins=0 if locked else failures, locked_until=locked)
            if locked:
                return LoginResult(False, reason="locked", retry_after=int(self.lock_seconds))
            return LoginResult(False, reason="wrong")
        values: dict = {"failed_logins": 0, "locked_until": 0.0, "last_login": now}
        if self._hasher.check_needs_rehash(account.password_hash):
            values["password_hash"] = self._hasher.hash(password)
        self.staff_store.update_account(account.id, **values)
        return LoginResult(True, account_id=account.id, email=account.email)

    def _dummy(self) -> str:
        """A hash no account has, verified for unknown or locked emails: the same work as a real account."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash("una contraseña que nadie usa")
        return self._dummy_hash

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
