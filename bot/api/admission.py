"""Questions over HTTP go through the process's bounded lane; a full lane answers 503 at once.

Why this exists: ``bot.services.admission.QuestionLane`` is channel-neutral; here its ``Busy`` becomes the
API's error shape with the lane's own ``Retry-After`` (the generic 503 handler would say 5 s).

Plug point: ``app.state.question_lane`` (the services' lane, set by ``create_app``); without one,
routes use the default thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from bot.services.admission import Busy

from .errors import ApiError

__all__ = ["busy_error", "run_question"]


def busy_error(busy: Busy) -> ApiError:
    return ApiError(503, busy.code, busy.message, {"Retry-After": str(busy.retry_after)})


async def run_question(
    request: Any, fn: Callable[..., Any], *args: Any, cheap: Callable[[], bool] | None = None, **kwargs: Any
) -> Any:
    """Run question work in the app's lane (``app.state.question_lane``), else the default pool.
    When the lane is full, work that ``cheap()`` says needs no embedding (a cached question) runs
    anyway on the default pool; the check costs nothing while the lane has room."""
    lane = getattr(request.app.state, "question_lane", None)
    if lane is None:
        return await run_in_threadpool(fn, *args, **kwargs)
    try:  # the budget counts from the request's arrival (set by MetricsMiddleware), not from here
        return await lane.run(fn, *args, arrived=getattr(request.state, "received", None), **kwargs)
    except Busy as busy:
        if cheap is not None and await run_in_threadpool(cheap):
            return await run_in_threadpool(fn, *args, **kwargs)
        request.app.state.metrics.shed.inc()
        raise busy_error(busy) from None
