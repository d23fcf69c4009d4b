"""The FastAPI application factory: ``create_app(settings, services=None)``.

Why this exists: the CLI (``asesor serve``), uvicorn workers and the tests all build the same app
from a ``Settings``. Nothing heavy happens at import: the services (index, embedder, store) are
built once in the lifespan by ``bot.compose.build_services``, in a worker thread, unless ready
ones are passed in (tests). A new router plugs in with one ``app.include_router`` line below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from bot.observability import configure_logging, log_answer
from bot.settings import Settings
from bot.staff import install_staff, start_staff, stop_staff

from .errors import install_error_handlers
from .metrics import ApiMetrics, MetricsMiddleware
from .middleware import (
    MAX_BODY_BYTES,
    BodyLimitMiddleware,
    CatchAllMiddleware,
    SecurityHeadersMiddleware,
    SpanishCORSMiddleware,
)
from .ratelimit import RateLimiter
from .routes_ask import build_ask_router
from .routes_diagnosis import build_diagnosis_router
from .routes_handoff import build_handoff_router
from .routes_misc import build_api_misc_router, build_site_router
from .routes_privacy import build_privacy_router
from .routes_profile import build_profile_router
from .routes_telegram import build_telegram_router, telegram_enabled
from .routes_whatsapp import build_whatsapp_router
from .scaleout import WorkerHeaderMiddleware, app_operations, make_rate_limiter, shared_state

if TYPE_CHECKING:
    from bot.compose import Services

__all__ = ["create_app", "app_from_env"]

_DESCRIPTION = """API del asesor de la **Red Cluster Colombia**: responde preguntas sobre la cartilla
«ABC de las iniciativas cluster en Colombia» con citas a sus secciones y guía el autodiagnóstico de
13 buenas prácticas.

Todos los errores tienen la forma `{"error": {"code": "…", "message": "…"}}`, con el mensaje en español.
Cada cliente (IP) puede hacer un número limitado de solicitudes por minuto a `/api/*` (429 con `Retry-After`)."""

_TAGS = [
    {"name": "Preguntas", "description": "Preguntas y respuestas sobre la cartilla, con citas."},
    {"name": "Autodiagnóstico", "description": "Las 13 buenas prácticas, paso a paso, y el informe."},
    {"name": "Apoyo", "description": "Pasajes citados, valoraciones y preguntas sugeridas."},
    {"name": "Privacidad", "description": "Borrar los datos propios (Ley 1581 de 2012)."},
    {"name": "Operación", "description": "Salud y métricas del servicio."},
    {"name": "Sitio", "description": "El widget incrustable y la página de demostración."},
]


def create_app(
    settings: Settings, services: Services | None = None, rate_limiter: RateLimiter | None = None
) -> FastAPI:
    """Build the HTTP app; the services are built in the lifespan unless ``services`` are given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = app.state.services is None
        if built:
            from bot.compose import build_services  # heavy: imported only when the app starts

            app.state.services = await run_in_threadpool(build_services, settings)
            app.state.question_lane = app.state.services.question_lane
        observers = [app.state.metrics.observe_steps, log_answer]
        hooks = getattr(app.state.services, "hooks", None)  # a stand-in may have none
        if hooks is not None:
            for observer in observers:
                hooks.add(observer)
        await start_staff(app, settings)  # the console's checks, its recorder running
        whatsapp = None
        if settings.whatsapp_enabled:
            from bot.whatsapp.app import build_runtime, drain

            whatsapp = app.state.whatsapp = build_runtime(settings, app.state.services)
        try:
            if not telegram_enabled(settings):
                yield
                return
            from bot.telegram.webhook import webhook_lifespan

            async with webhook_lifespan(settings, app.state.services) as application:
                app.state.telegram = application
                yield
        finally:
            if hooks is not None:
                for observer in observers:
                    hooks.remove(observer)
            if whatsapp is not None:
                await drain(whatsapp)
            await stop_staff(app)  # writes every pending record
            if built:  # services built here are closed here (recorder stopped, connections released)
                await run_in_threadpool(app.state.services.close)

    app = FastAPI(
        title="Asesor de la Red Cluster Colombia",
        version="1.0.0",
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = services
    app.state.metrics = ApiMetrics()
    app.state.rate_limiter = rate_limiter or make_rate_limiter(settings, lambda: app_operations(app))
    # perf (issue 19): the process's one bounded question lane (503 when full), from the services
    app.state.question_lane = getattr(services, "question_lane", None)

    install_error_handlers(app)
    app.include_router(build_ask_router(settings))
    app.include_router(build_diagnosis_router())
    app.include_router(build_handoff_router())
    app.include_router(build_api_misc_router())
    app.include_router(build_privacy_router())
    app.include_router(build_site_router())
    app.include_router(build_profile_router())
    install_staff(app, settings)  # /staff (the staff console) and who may read /metrics
    if telegram_enabled(settings):
        app.include_router(build_telegram_router(settings))
    if settings.whatsapp_enabled:
        app.include_router(build_whatsapp_router())

    # add_middleware prepends: the last one added runs first (outermost).
    app.add_middleware(BodyLimitMiddleware, limit=MAX_BODY_BYTES, timeout=settings.body_timeout_seconds)
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(
        SpanishCORSMiddleware,
        allow_origins=list(settings.allowed_origins),
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "X-Request-ID"],
        expose_headers=["Retry-After", "X-Request-ID"],
        max_age=600,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    if shared_state(settings):
        app.add_middleware(WorkerHeaderMiddleware)
    return app


def app_from_env() -> FastAPI:
    """Uvicorn factory for several workers (``bot.api.app:app_from_env``): settings from ``ASESOR_*``."""
    settings = Settings()
    configure_logging(settings)
    return create_app(settings)
