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
    from bot.index import index_status as status

    return status(settings)


def build_and_publish(settings: Settings) -> dict:
    """Build, calibrate, then publish; the manifest with its calibration."""
    from bot.calibrate import calibrate_index
    from bot.index import build_index, make_embedder
    from bot.index.build import publish_build

    embedder = make_embedder(settings)
    manifest = build_index(settings, embedder, publish=False)
    build = settings.index_dir / "builds" / manifest["version"]
    manifest["calibration"] = calibrate_index(settings, embedder, build)
    publish_build(settings, build)  # only a complete, calibrated build ever serves
    return manifest


def ensure_index(settings: Settings, say: Callable[[str], None], *, verify: bool = False) -> None:
    """Build the index when it is missing or stale (first use, or after a corpus change); with
    ``verify``, also when its files do not open (damaged on disk), saying so in Spanish."""
    if index_status(settings)[0] != "fresh":
        say("Construyendo el índice (solo la primera vez)…")
        build_and_publish(settings)
        return
    if verify and not settings.chroma_url:
        from bot.index.load import IndexUnavailable, load_index

        try:
            load_index(settings)
        except IndexUnavailable as error:
            say(f"{error} Lo reconstruyo ahora…")
            build_and_publish(settings)
