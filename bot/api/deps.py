"""FastAPI dependencies: the services, the metrics and the per-client rate limit.

Why this exists: routes receive what they need as parameters (``services: ServicesDep``) instead
of reaching into globals, so tests can hand ``create_app`` ready ``Services`` and every route gets
the same instance that the lifespan built once (``bot.compose.build_services``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from bot.errors import Unavailable

from .errors import ApiError
from .metrics import ApiMetrics
from .ratelimit import RateLimiter

if TYPE_CHECKING:
    from bot.compose import Services

__all__ = ["MetricsDep", "ServicesDep", "client_key", "enforce_rate_limit", "get_metrics", "get_services"]


async def get_services(request: Request) -> Services:  # async: no thread hop per request
    services = getattr(request.app.state, "services", None)
    if services is None:
        raise Unavailable(
            "El asesor todavía se está iniciando. Intente de nuevo en unos segundos.", code="asesor_iniciando"
        )
    return services


async def get_metrics(request: Request) -> ApiMetrics:
    return request.app.state.metrics


def client_key(request: Request) -> str:
    """The client's IP (uvicorn resolves X-Forwarded-For only from trusted proxies)."""
    return request.client.host if request.client else "desconocido"


async def enforce_rate_limit(request: Request) -> None:
    """On the event loop: every limiter's ``hit`` is in memory (``bot.api.scaleout`` syncs in the background)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    decision = limiter.hit(client_key(request))
    if not decision.allowed:
        request.app.state.metrics.rate_limited.inc()
        raise ApiError(
            429,
            "demasiadas_solicitudes",
            f"Ha hecho muchas consultas en poco tiempo (el máximo es {limiter.limit} por minuto). "
            f"Espere {decision.retry_after} {'segundo' if decision.retry_after == 1 else 'segundos'} "
            "e intente de nuevo.",
            {"Retry-After": str(decision.retry_after)},
        )


ServicesDep = Annotated["Services", Depends(get_services)]
MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]
