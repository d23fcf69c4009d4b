"""Supporting routes: passages for citation chips, feedback, starter questions, health, metrics,
the widget script and the demo portal page.

Why this exists: these are small and share nothing with the question or diagnosis flows; keeping
them together keeps those modules focused.
"""

import html
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.schemas import Passage
from bot.staff import require_metrics_access

from .deps import MetricsDep, ServicesDep, enforce_rate_limit
from .errors import ErrorResponse, error_json, error_responses
from .metrics import CONTENT_TYPE_LATEST
from .middleware import PAGE_CSP
from .models import FeedbackRequest, FeedbackResponse, HealthResponse, SuggestionsResponse

__all__ = ["build_api_misc_router", "build_site_router", "STATIC_DIR"]

STATIC_DIR = FilePath(__file__).resolve().parent / "static"


def build_api_misc_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["Apoyo"], dependencies=[Depends(enforce_rate_limit)])

    @router.get(
        "/passages/{passage_id}",
        response_model=Passage,
        summary="Leer un pasaje citado",
        description="El texto completo y la sección de un pasaje de la cartilla (para las citas).",
        responses=error_responses(404, 422, 429, 500),
    )
    async def passage(passage_id: Annotated[str, Path(max_length=64)], services: ServicesDep) -> Passage:
        return services.answers.passage(passage_id)

    @router.post(
        "/feedback",
        status_code=status.HTTP_201_CREATED,
        response_model=FeedbackResponse,
        summary="Valorar una respuesta",
        description="Guarda 👍/👎 (y un comentario opcional) sobre una respuesta del asesor.",
        responses=error_responses(400, 413, 422, 429, 500, 503),
    )
    async def feedback(body: FeedbackRequest, services: ServicesDep, metrics: MetricsDep) -> FeedbackResponse:
        feedback_id = await run_in_threadpool(
            services.answers.feedback,
            rating=body.rating,
            question=body.question,
            answer=body.answer,
            conversation_id=body.conversation_id,
            comment=body.comment,
            reason=body.reason,
        )
        metrics.feedback.labels(body.rating).inc()
        return FeedbackResponse(id=feedback_id, message="¡Gracias por su opinión! Nos ayuda a mejorar el asesor.")

    @router.get(
        "/suggestions",
        response_model=SuggestionsResponse,
        summary="Preguntas sugeridas para empezar",
        responses=error_responses(429, 500),
    )
    async def suggestions(services: ServicesDep) -> SuggestionsResponse:
        return SuggestionsResponse(suggestions=services.answers.starters())

    return router


def build_site_router() -> APIRouter:
    router = APIRouter()

    @router.get(
        "/health",
        response_model=HealthResponse,
        tags=["Operación"],
        summary="Estado del servicio",
        description="200 si el índice está cargado y la base de datos responde; 503 si no.",
        responses=error_responses(500, 503),
    )
    async def health(services: ServicesDep) -> HealthResponse | JSONResponse:
        data = await run_in_threadpool(services.operations.health)
        if data.get("status") != "ok":
            return error_json(503, "servicio_degradado", "El asesor funciona, pero la base de datos no responde.")
        return HealthResponse(**data)

    @router.get(
        "/metrics",
        tags=["Operación"],
        summary="Métricas de Prometheus",
        response_class=Response,
        description="Requiere `Authorization: Bearer <ASESOR_METRICS_TOKEN>` o una sesión de la consola del equipo.",
        dependencies=[Depends(require_metrics_access)],
        responses={
            200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Formato de texto de Prometheus."},
            401: {
                "model": ErrorResponse,
                "description": "Sin token ni sesión del equipo.",
                "content": {
                    "application/json": {
                        "example": {
                            "error": {
                                "code": "sesion_requerida",
                                "message": "Inicie sesión en la consola del equipo para ver esto.",
                            }
                        }
                    }
                },
            },
        },
    )
    async def metrics(metrics: MetricsDep) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @router.get(
        "/widget.js",
        tags=["Sitio"],
        summary="El widget de chat para incrustar",
        response_class=FileResponse,
        responses={200: {"content": {"text/javascript": {}}, "description": "Script del widget."}},
    )
    async def widget() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "widget.js",
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @router.get(
        "/",
        tags=["Sitio"],
        summary="Página de demostración del portal con el widget",
        response_class=HTMLResponse,
        responses={200: {"content": {"text/html": {}}}},
    )
    async def demo(request: Request) -> HTMLResponse:
        page = (STATIC_DIR / "demo.html").read_text(encoding="utf-8")
        origin = str(request.base_url).rstrip("/")
        return HTMLResponse(
            page.replace("{{API}}", html.escape(origin, quote=True)),
            headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"},
        )

    return router
