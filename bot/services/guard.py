"""One translation for every service: a database that cannot be used becomes a Spanish 503.

Why this exists: channels must not know the store's exceptions; every service call that touches
the store goes through ``guard_store`` and raises ``bot.errors.Unavailable`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.errors import Unavailable

__all__ = ["guard_store"]

T = TypeVar("T")


def guard_store(work: Callable[[], T]) -> T:
    from bot.store import StoreUnavailable

    try:
        return work()
    except StoreUnavailable as error:
        raise Unavailable(
            "El asesor no puede guardar ni leer datos en este momento. Intente de nuevo en unos segundos; "
            "no se perdió ninguna respuesta ya registrada.",
            code="almacen_no_disponible",
        ) from error
