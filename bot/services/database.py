"""The database's schema, for the operator: where it stands, bringing it up to date, the pre-flight check.

Why this exists: a shared PostgreSQL is migrated once, on purpose, by the operator, before the
workers start (they refuse to start on an old schema); SQLite upgrades itself on first use. The
``asesor db`` commands and ``asesor serve`` ask this service, which speaks in Spanish errors
(``InvalidInput`` for a malformed URL, ``Unavailable`` for a database that cannot be reached).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import InvalidInput, Unavailable
from bot.settings import Settings

if TYPE_CHECKING:  # alembic and SQLAlchemy are imported only when a command runs
    from bot.migrate import SchemaStatus
    from bot.store import Store

__all__ = ["Migration", "check_database", "open_store", "schema_status", "upgrade_schema"]


@dataclass(frozen=True)
class Migration:
    before: SchemaStatus
    after: SchemaStatus

    def describe(self) -> str:
        if self.before.up_to_date:
            return self.before.describe()
        if self.before.legacy:
            origin = "un esquema anterior a las migraciones"
        else:
            origin = f"la revisión {self.before.current}" if self.before.current else "una base de datos vacía"
        return f"Base de datos migrada desde {origin} a la revisión {self.after.current}."


@contextmanager
def _database(settings: Settings) -> Iterator:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    url = settings.database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url)
    except (ArgumentError, ValueError, ImportError) as error:
        raise InvalidInput(
            f"ASESOR_DATABASE_URL no es una URL válida de SQLAlchemy ({type(error).__name__}).", code="url_invalida"
        ) from error
    try:
        yield engine
    except SQLAlchemyError as error:
        raise Unavailable(
            "No se pudo conectar con la base de datos (revise ASESOR_DATABASE_URL y que el servidor "
            f"esté encendido): {type(error).__name__}.",
            code="almacen_no_disponible",
        ) from error
    finally:
        engine.dispose()


def schema_status(settings: Settings) -> SchemaStatus:
    from bot.migrate import schema_status as status_of

    with _database(settings) as engine:
        return status_of(engine)


def upgrade_schema(settings: Settings) -> Migration:
    """Apply the pending migrations (creating the tables the first time)."""
    from bot.migrate import schema_status as status_of
    from bot.migrate import upgrade

    with _database(settings) as engine:
        before = status_of(engine)
        return Migration(before, before if before.up_to_date else upgrade(engine))


def open_store(settings: Settings, *, write_behind: bool = False) -> Store:
    """The store, or a Spanish ``Unavailable`` saying why it cannot be used. ``write_behind``:
    conversation turns are written in batches off the request path (``bot.store_turns``; the
    serving processes' store, built by ``bot.compose.build_services``)."""
    from bot.migrate import SchemaOutdated
    from bot.store import Store, StoreUnavailable
    from bot.store_turns import WriteBehindStore

    try:
        return WriteBehindStore(settings.database_url) if write_behind else Store(settings.database_url)
    except StoreUnavailable as error:
        raise Unavailable(
            "No se pudo abrir la base de datos del asesor (revise ASESOR_DATABASE_URL y que el "
            "servidor esté encendido).",
            code="almacen_no_disponible",
        ) from error
    except SchemaOutdated as error:
        raise Unavailable(str(error), code="esquema_desactualizado") from error


def check_database(settings: Settings) -> None:
    """Before serving: SQLite is brought up to date; any other database must already be
    (``Unavailable`` with the Spanish instruction otherwise)."""
    open_store(settings).close()
