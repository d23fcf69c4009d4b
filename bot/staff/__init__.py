"""The staff console channel: ``/staff`` on the FastAPI app, and who may read ``/metrics``.

Why this exists: ``bot.api.app.create_app`` plugs the console in with one call
(``install_staff``) and starts it in its lifespan (``start_staff``/``stop_staff``): the console
service is built over the advisor's store and embedder, its recorder joins the advisor's
recorders, and at shutdown every pending record is written. Production refuses to start the
staff area without a session secret or without any staff account.
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
from bot.staff.routes import build_staff_router

__all__ = ["install_staff", "start_staff", "stop_staff", "require_metrics_access", "StaffNotConfigured"]


class StaffNotConfigured(RuntimeError):
    """Production without a session secret or a staff account: the message says what to do."""


def install_staff(app: FastAPI, settings: Settings) -> None:
    app.state.staff_console = None
    app.state.staff_auth = None
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    if not settings.staff_enabled:
        return
    if settings.environment == "production" and not settings.staff_session_secret:
        raise StaffNotConfigured("La consola del equipo (/staff) necesita ASESOR_STAFF_SESSION_SECRET en "
                                 "producción (o ASESOR_STAFF_ENABLED=false para no ofrecerla).")
    app.state.staff_auth = StaffAuth(settings)
    app.include_router(build_staff_router())


async def _not_signed_in(request: Request, _error: Exception):
    """No session: the login page for a page, 401 for data (JSON, CSV, images, /metrics, forms)."""
    wants_page = request.method == "GET" and not request.url.path.endswith((".json", ".csv", ".png"))
    if wants_page and request.url.path.startswith("/staff"):
        return RedirectResponse("/staff/login", status_code=303, headers={"Cache-Control": "no-store"})
    return JSONResponse({"error": {"code": "sesion_requerida",
                                   "message": "Inicie sesión en la consola del equipo para ver esto."}},
                        status_code=401, headers={"Cache-Control": "no-store"})


async def start_staff(app: FastAPI, settings: Settings, advisor) -> None:
    """Build the console over the advisor's store and embedder; start its recorder."""
    if not settings.staff_enabled or not isinstance(getattr(advisor, "recorders", None), list):
        return  # a stand-in advisor (tests) has no store to read
    from bot.console.service import build_staff_console

    scope = getattr(advisor, "scope", None)
    console = await run_in_threadpool(build_staff_console, settings, advisor.store, advisor.embedder,
                                      low_confidence=getattr(scope, "threshold", None))
    if settings.environment == "production" and not await run_in_threadpool(console.accounts.any):
        raise StaffNotConfigured("No hay ninguna cuenta del equipo: cree una con «asesor staff add CORREO» antes de "
                                 "iniciar el asesor en producción (o ASESOR_STAFF_ENABLED=false).")
    advisor.recorders.append(console.recorder.start())
    app.state.staff_console = console
    threading.Thread(target=_warm, args=(console,), name="console-warm", daemon=True).start()


def _warm(console) -> None:
    try:
        console.warm()
    except Exception:  # a cold cache only makes the first page slower
        logging.getLogger("asesor.console").warning("console_warm_failed", exc_info=True)


async def stop_staff(app: FastAPI, advisor) -> None:
    """Write every pending record (a clean stop loses none) and unhook the recorder."""
    console = getattr(app.state, "staff_console", None)
    if console is None:
        return
    recorders = getattr(advisor, "recorders", [])
    if console.recorder in recorders:
        recorders.remove(console.recorder)
    await run_in_threadpool(console.recorder.stop)
    app.state.staff_console = None


def require_metrics_access(request: Request) -> None:
    """``/metrics`` for a scraper with ``ASESOR_METRICS_TOKEN`` (Bearer) or a signed-in staff member."""
    settings: Settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    if settings.metrics_token and header.startswith("Bearer ") and hmac.compare_digest(
            header.removeprefix("Bearer ").encode(), settings.metrics_token.encode()):
        return
    auth: StaffAuth | None = getattr(request.app.state, "staff_auth", None)
    console = getattr(request.app.state, "staff_console", None)
    if auth is None or console is None:
        raise NotSignedIn()
    auth.read(request, console.accounts)
