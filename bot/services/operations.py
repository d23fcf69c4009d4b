"""Operations: health and the rate-limit counter shared by every worker.

Why this exists: the HTTP app needs two things from the state beneath it — "are you well?" and
"count this client's request in this window" — and must not open the store for them. Errors come
back as ``bot.errors.Unavailable`` so a channel never needs to know the store's exceptions.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.errors import Unavailable
from bot.store import Store, StoreUnavailable

__all__ = ["Operations"]


class Operations:
    def __init__(self, store: Store, index_info: Callable[[], dict]) -> None:
        self._store, self._index_info = store, index_info

    def health(self) -> dict:
        return {"status": "ok" if self._store.ping() else "degraded", **self._index_info()}

    def count_hit(self, key: str, window_start: int, *, hits: int = 1) -> int:
        """Count ``hits`` requests of ``key`` in the window starting at ``window_start`` (a worker
        sends what it counted since its last sync in one upsert); the window's total."""
        try:
            return self._store.count_hit(key=key, window_start=window_start, hits=hits)
        except StoreUnavailable as error:
            raise Unavailable(str(error), code="almacen_no_disponible") from error

    def forget_windows(self, before: int) -> int:
        try:
            return self._store.forget_windows(before=before)
        except StoreUnavailable as error:
            raise Unavailable(str(error), code="almacen_no_disponible") from error
