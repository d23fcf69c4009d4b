"""Alembic environment: migrate the connection ``bot.migrate`` hands over (no alembic.ini needed).

Why this exists: the advisor ships its migrations inside the package, so ``asesor db upgrade``
works from any directory; the URL comes from ``ASESOR_DATABASE_URL`` through ``bot.migrate``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import bot.channel_store  # noqa: F401,E402  (its tables are part of the schema)
import bot.store_staff  # noqa: F401,E402  (the staff console's tables too)
from bot.store import Base

target_metadata = Base.metadata


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("Falta sqlalchemy.url en la configuración de Alembic.")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            _migrate(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Las migraciones del asesor se aplican en línea: use «asesor db upgrade».")
run()
