"""The index as the operator and the channels' start-up see it: is it fresh, build it, make sure.

Why this exists: the command line must not reach into ``bot.index`` or ``bot.calibrate``; it asks
this service. A build is always calibrated before it is published, so only a complete, calibrated
build ever serves (the workers follow the published pointer).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.settings import Settings

__all__ = ["build_and_publish", "ensure_index", "index_status"]


def index_status(settings: Settings) -> tuple[str, str]:
    """("fresh" | "stale" | "missing", a Spanish line saying so)."""
    from bot.pipeline import index_status as status

    return status(settings)


def build_and_publish(settings: Settings) -> dict:
    """Build, calibrate, then publish (``bot.pipeline``); the manifest with its calibration."""
    from bot.pipeline import build_serving_index

    return build_serving_index(settings)


def ensure_index(settings: Settings, say: Callable[[str], None], *, verify: bool = False) -> None:
    """Build the index when it is missing or stale (first use, or after a corpus change); with
    ``verify``, also when its files do not open (damaged on disk), saying so in Spanish."""
    from bot.pipeline import index_problem

    if index_status(settings)[0] != "fresh":
        say("Construyendo el índice (solo la primera vez)…")
        build_and_publish(settings)
        return
    if verify and not settings.chroma_url:
        problem = index_problem(settings)
        if problem:
            say(f"{problem} Lo reconstruyo ahora…")
            build_and_publish(settings)
