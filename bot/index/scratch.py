"""Scratch builds: throw-away indexes (bench, eval) that no shared Chroma server may ever serve.

Why this exists: ``asesor bench`` and ``asesor eval`` build their own index in a temporary folder
while the same environment (``ASESOR_CHROMA_URL``) points at the server every worker follows. A
scratch build says so in its manifest, and both publishers (``bot.index.build.publish_build`` and
``bot.index.remote.publish``) refuse it before any request leaves the process, whatever the settings.
"""

from __future__ import annotations

__all__ = ["ScratchPublishRefused", "is_scratch", "refuse_scratch"]


class ScratchPublishRefused(RuntimeError):
    """A scratch build was about to be published to a shared Chroma server."""


def is_scratch(manifest: dict) -> bool:
    """Whether a build is a throw-away one."""
    return bool(manifest.get("scratch", False))


def refuse_scratch(manifest: dict) -> None:
    """Raise ``ScratchPublishRefused`` for a scratch build (called before anything is uploaded)."""
    if is_scratch(manifest):
        raise ScratchPublishRefused(
            f"A scratch build ({manifest.get('version')}) is never published to a Chroma server"
        )
