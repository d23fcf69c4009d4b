"""The real ``asesor serve`` as a child process for the tests (``bot.evaluation.live_server``).

Why a name of its own: tests give the whole ``ASESOR_*`` environment they need, and the rate limit
stays as configured (the security tests exercise it), unlike the load tools.
"""

from __future__ import annotations

from pathlib import Path

from bot.evaluation.live_server import LiveServer, free_port

__all__ = ["AsesorServer", "free_port"]


class AsesorServer(LiveServer):
    """``python -m bot.cli serve`` with the given ``ASESOR_*`` environment; output goes to ``log``."""

    def __init__(self, env: dict[str, str], log: Path, *, port: int | None = None) -> None:
        super().__init__(log, env=env, port=port)
