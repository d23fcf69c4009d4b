"""``asesor db``: migrate the store's schema (``upgrade``) and say where it stands (``current``).

Why this exists: a shared PostgreSQL is migrated once, on purpose, by the operator, before the
workers start (they refuse to start on an old schema); SQLite upgrades itself on first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from bot.settings import Settings

__all__ = ["db_app", "check_database"]

db_app = typer.Typer(help="Esquema de la base de datos (migraciones con Alembic).", no_args_is_help=True)


def _engine():
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError

    url = Settings().database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        return create_engine(url)
    except (ArgumentError, ValueError, ImportError) as error:
        typer.echo(f"ASESOR_DATABASE_URL no es una URL válida de SQLAlchemy ({type(error).__name__}).", err=True)
        raise typer.Exit(2) from error


def _describe_failure(error: Exception) -> str:
    return ("No se pudo conectar con la base de datos (revise ASESOR_DATABASE_URL y que el servidor esté "
            f"encendido): {type(error).__name__}.")


@contextmanager
def _database() -> Iterator:
    """An engine for ``ASESOR_DATABASE_URL``, disposed after use; a database that cannot be reached
    ends the command with one Spanish line and exit code 1."""
    from sqlalchemy.exc import SQLAlchemyError

    engine = _engine()
    try:
        yield engine
    except SQLAlchemyError as error:
        typer.echo(_describe_failure(error), err=True)
        raise typer.Exit(1) from error
    finally:
        engine.dispose()


@db_app.command()
def upgrade() -> None:
    """Aplica las migraciones pendientes (crea las tablas la primera vez)."""
    from bot.migrate import schema_status, upgrade as run_upgrade

    with _database() as engine:
        before = schema_status(engine)
        if before.up_to_date:
            typer.echo(before.describe())
            return
        after = run_upgrade(engine)
    if before.legacy:
        origin = "un esquema anterior a las migraciones"
    else:
        origin = f"la revisión {before.current}" if before.current else "una base de datos vacía"
    typer.echo(f"Base de datos migrada desde {origin} a la revisión {after.current}.")


@db_app.command()
def current() -> None:
    """Muestra la revisión de la base de datos; código de salida 1 si le faltan migraciones."""
    from bot.migrate import schema_status

    with _database() as engine:
        status = schema_status(engine)
    typer.echo(status.describe())
    if not status.up_to_date:
        typer.echo("Ejecute «asesor db upgrade».")
        raise typer.Exit(1)


def check_database(settings: Settings) -> None:
    """Before serving: SQLite is brought up to date; any other database must already be
    (``Unavailable`` with the Spanish instruction otherwise)."""
    from bot.errors import Unavailable
    from bot.migrate import SchemaOutdated
    from bot.store import Store, StoreUnavailable

    try:
        Store(settings.database_url).close()
    except SchemaOutdated as error:
        raise Unavailable(str(error), code="esquema_desactualizado") from error
    except StoreUnavailable as error:
        raise Unavailable("No se pudo abrir la base de datos del asesor (revise ASESOR_DATABASE_URL y que el "
                          "servidor esté encendido).", code="almacen_no_disponible") from error
