"""``asesor db``: migrate the store's schema (``upgrade``) and say where it stands (``current``).

Why this exists: a shared PostgreSQL is migrated once, on purpose, by the operator, before the
workers start (they refuse to start on an old schema); SQLite upgrades itself on first use. The
work is the database service's (``bot.services.database``); this is only its command line.
"""

from __future__ import annotations

import typer

from bot.errors import AdvisorError, InvalidInput
from bot.services.database import check_database, schema_status, upgrade_schema
from bot.settings import Settings

__all__ = ["db_app", "check_database"]

db_app = typer.Typer(help="Esquema de la base de datos (migraciones con Alembic).", no_args_is_help=True)


def _fail(error: AdvisorError) -> None:
    """One Spanish line and exit code 2 (bad configuration) or 1 (the database did not answer)."""
    typer.echo(error.message, err=True)
    raise typer.Exit(2 if isinstance(error, InvalidInput) else 1) from error


@db_app.command()
def upgrade() -> None:
    """Aplica las migraciones pendientes (crea las tablas la primera vez)."""
    try:
        typer.echo(upgrade_schema(Settings()).describe())
    except AdvisorError as error:
        _fail(error)


@db_app.command()
def current() -> None:
    """Muestra la revisión de la base de datos; código de salida 1 si le faltan migraciones."""
    try:
        status = schema_status(Settings())
    except AdvisorError as error:
        _fail(error)
        return
    typer.echo(status.describe())
    if not status.up_to_date:
        typer.echo("Ejecute «asesor db upgrade».")
        raise typer.Exit(1)
