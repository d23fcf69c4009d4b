"""Who is on the other side of a ``/staff`` request: signed session cookies, CSRF tokens, the proxy header.

Why this exists: nothing of the console may be reachable without a staff session. A session is
an ``itsdangerous`` signed, timed token in an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure``
when the request came over HTTPS); every state-changing form carries a CSRF token derived from
the session by HMAC and compared in constant time. As an alternative a reverse proxy at a trusted
address may name the staff member in a header (``ASESOR_STAFF_PROXY_HEADER``), off by default.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.settings import Settings

__all__ = ["StaffAuth", "StaffUser", "SESSION_COOKIE", "LOGIN_COOKIE", "NotSignedIn"]

SESSION_COOKIE = "asesor_staff"
LOGIN_COOKIE = "asesor_staff_login"


class NotSignedIn(Exception):
    """Raised by the staff dependency; the router answers 303 to the login page or 401."""


@dataclass(frozen=True)
class StaffUser:
    account_id: int
    email: str
    nonce: str  # per session: the CSRF token is bound to it

    def csrf(self, key: bytes) -> str:
        return hmac.new(key, f"csrf:{self.account_id}:{self.nonce}".encode(), hashlib.sha256).hexdigest()


class StaffAuth:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret = settings.staff_secret() or secrets.token_urlsafe(32)  # dev: per process
        self.key = hashlib.sha256(f"staff:{self.secret}".encode()).digest()
        self.max_age = int(settings.staff_session_hours * 3600)
        self._sessions = URLSafeTimedSerializer(self.secret, salt="asesor-staff-session")
        self._login = URLSafeTimedSerializer(self.secret, salt="asesor-staff-login")

    # Sessions -----------------------------------------------------------------------------------
    def issue(self, response: Response, request: Request, *, account_id: int, email: str) -> None:
        token = self._sessions.dumps({"a": account_id, "e": email, "n": secrets.token_urlsafe(16)})
        self._set(response, request, SESSION_COOKIE, token, self.max_age)
        response.delete_cookie(LOGIN_COOKIE, path="/staff")

    def clear(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/staff")

    def read(self, request: Request, accounts) -> StaffUser:
        """The staff member of this request, or ``NotSignedIn``."""
        proxied = self._from_proxy(request, accounts)
        if proxied is not None:
            return proxied
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise NotSignedIn()
        try:
            data = self._sessions.loads(token, max_age=self.max_age)
            account_id, email, nonce = int(data["a"]), str(data["e"]), str(data["n"])
        except (BadSignature, KeyError, TypeError, ValueError):
            raise NotSignedIn() from None
        if not accounts.exists(account_id):  # a removed account loses its sessions at once
            raise NotSignedIn()
        return StaffUser(account_id, email, nonce)

    def _from_proxy(self, request: Request, accounts) -> StaffUser | None:
        header = self.settings.staff_proxy_header
        if not header or not request.client or request.client.host not in self.settings.staff_trusted_proxies:
            return None
        email = (request.headers.get(header) or "").strip().lower()
        account = accounts.staff_store.account(email=email) if email else None
        if account is None:
            return None
        return StaffUser(account.id, account.email, nonce="proxy")

    # CSRF -----------------------------------------------------------------------------------------
    def check_csrf(self, user: StaffUser, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(user.csrf(self.key), token or "")

    def login_token(self, request: Request, response: Response) -> str:
        """A pre-session CSRF token for the login form (double submit: cookie + signed field)."""
        nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)
        self._set(response, request, LOGIN_COOKIE, nonce, 3600)
        return self._login.dumps(nonce)

    def check_login_token(self, request: Request, token: str | None) -> bool:
        nonce = request.cookies.get(LOGIN_COOKIE)
        if not nonce or not token:
            return False
        try:
            signed = self._login.loads(token, max_age=3600)
        except BadSignature:
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed, nonce)

    @staticmethod
    def _set(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/staff",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
