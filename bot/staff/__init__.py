"""The staff console channel: ``/staff`` on the FastAPI app, and who may read ``/metrics``.

Why this exists: ``bot.api.app.create_app`` plugs the console in with one call
(``install_staff``) and checks it in its lifespan (``start_staff``/``stop_staff``): the console
service and its interaction recorder come from the composition root (``services.staff``,
``services.recorder``); the recorder runs while the app serves and, at shutdown, every pending
record is written. Production refuses to start the staff area without a session secret or
without any staff account.
"""

from __future__ import annotations

import hmac
import logging
import threading

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from bot.settings import Settings
from bot.staff.auth import NotSignedIn, StaffAuth
from bot.staff.routes import build_staff_router, staff_console

__all__ = [
    "install_staff",
    "start_staff",
    "stop_staff",
    "staff_console",
    "require_metrics_access",
    "StaffNotConfigured",
]


class StaffNotConfigured(RuntimeError):
    """Production without a session secret or a staff account: the message says what to do."""


def install_staff(app: FastAPI, settings: Settings) -> None:
    app.state.staff_auth = None
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    if not settings.staff_enabled:
        return
    if settings.environment == "production" and not settings.staff_secret():
        raise StaffNotConfigured(
            "La consola del equipo (/staff) necesita ASESOR_STAFF_SESSION_SECRET en "
            "producción (o ASESOR_STAFF_ENABLED=false para no ofrecerla)."
        )
    app.state.staff_auth = StaffAuth(settings)
    app.include_router(build_staff_router())


async def _not_signed_in(request: Request, _error: Exception):
    """No session: the login page for a page, 401 for data (JSON, CSV, images, /metrics, forms)."""
    wants_page = request.method == "GET" and not request.url.path.endswith((".json", ".csv", ".png"))
    if wants_page and request.url.path.startswith("/staff"):
        return RedirectResponse("/staff/login", status_code=303, headers={"Cache-Control": "no-store"})
    return JSONResponse(
        {"error": {"code": "sesion_requerida", "message": "Inicie sesión en la consola del equipo para ver esto."}},
        status_code=401,
        headers={"Cache-Control": "no-store"},
    )


async def start_staff(app: FastAPI, settings: Settings) -> None:
    """Refuse production without a staff account; run the recorder and warm the grouping cache."""
    console = staff_console(app)
    if not settings.staff_enabled or console is None:
        return
    if settings.environment == "production" and not await run_in_threadpool(console.accounts.any):
        raise StaffNotConfigured(
            "No hay ninguna cuenta del equipo: cree una con «asesor staff add CORREO» antes de "
            "iniciar el asesor en producción (o ASESOR_STAFF_ENABLED=false)."
        )
    console.recorder.start()  # already running when the composition root started it
    threading.Thread(target=_warm, args=(console,), name="console-warm", daemon=True).start()


def _warm(console) -> None:
    try:
        console.warm()
    except Exception:  # a cold cache only makes the first page slower
        logging.getLogger("asesor.console").warning("console_warm_failed", exc_info=True)


async def stop_staff(app: FastAPI) -> None:
    """Write every pending record (a clean stop loses none). The recorder keeps running for
    services the app was handed (their owner closes them); ``Services.close()`` stops it."""
    from bot.console.recorder import Recorder

    recorder = getattr(getattr(app.state, "services", None), "recorder", None)
    if isinstance(recorder, Recorder):  # a stand-in's services have none
        await run_in_threadpool(recorder.flush)


def require_metrics_access(request: Request) -> None:
    """``/metrics`` for a scraper with ``ASESOR_METRICS_TOKEN`` (Bearer) or a signed-in staff member."""
    settings: Settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    token = settings.metrics_bearer()
    if (
        token
        and header.startswith("Bearer ")
        and hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    ):
        return
    auth: StaffAuth | None = getattr(request.app.state, "staff_auth", None)
    console = staff_console(request.app)
    if auth is None or console is None:
        raise NotSignedIn()
    auth.read(request, console.accounts)
