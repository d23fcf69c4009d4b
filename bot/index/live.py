"""Notice a newly published index version while serving, and load it, without a restart.

Why this exists: several long-running workers must switch to a new index when an operator
publishes one (``asesor index``), and each must do it on its own. Checking the pointer costs one
file read or one small HTTP request to the Chroma server, so a worker does it at most once every
``ASESOR_INDEX_CHECK_SECONDS``; one request thread loads the new version while the others keep
answering from the old one, which stays complete until it is swapped out in one assignment.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.errors import AdvisorError
from bot.index.load import IndexUnavailable, LoadedIndex, load_index, serving_version
from bot.settings import Settings

__all__ = ["IndexWatcher"]

log = logging.getLogger("bot.index")


class IndexWatcher:
    """``poll()`` returns a freshly loaded index when the serving version changed, else None."""

    def __init__(self, settings: Settings, version: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings, self.version, self._clock = settings, version, clock
        self._next_check = clock() + settings.index_check_seconds
        self._lock = threading.Lock()

    def poll(self) -> LoadedIndex | None:
        if self.settings.index_check_seconds <= 0 or self._clock() < self._next_check:
            return None
        if not self._lock.acquire(blocking=False):
            return None  # another request thread is already checking or loading
        try:
            self._next_check = self._clock() + self.settings.index_check_seconds
            return self._check()
        finally:
            self._lock.release()

    def _check(self) -> LoadedIndex | None:
        try:
            version = serving_version(self.settings)
            if version is None or version == self.version:
                return None
            index = load_index(self.settings)
        except (AdvisorError, IndexUnavailable) as error:  # keep serving what we have; retry later
            log.warning("no se pudo revisar el índice publicado: %s", error)
            return None
        if index.manifest.get("embedder") != self.settings.embedder_id:
            log.warning(
                "el índice %s usa otro embedder (%s): reinicie los procesos para usarlo",
                index.version,
                index.manifest.get("embedder"),
            )
            self.version = index.version  # do not reload it on every check
            return None
        log.info("índice %s publicado: reemplaza al %s", index.version, self.version)
        self.version = index.version
        return index
