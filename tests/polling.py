"""``eventually(check)``: for what another process (or connection) sees a little later.

Conversation turns are written behind (``bot.store_turns``): the answering process reads them at
once, another connection within the flush interval. Tests that look through a second ``Store``
poll instead of sleeping a fixed time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["eventually"]


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    """True as soon as ``check()`` is; False when it still is not after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
