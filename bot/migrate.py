"""Schema migrations of the store: Alembic, configured in code, with a start-up check.

Why this exists: with several workers over PostgreSQL nobody may change the schema behind the
operator's back, so the server only *checks* that the database is at the newest revision and
refuses to start otherwise (``asesor db upgrade`` migrates). The SQLite default is one machine's
private file, so it is upgraded on first use and ``make run`` stays a single command. A database
made before migrations existed (tables, no ``alembic_version``) is adopted at revision 0001.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

__all__ = [
    "SchemaOutdated",
    "SchemaStatus",
    "alembic_config",
    "head_revision",
    "schema_status",
    "upgrade",
    "ensure_schema",
    "BASELINE",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema the store created before migrations existed


class SchemaOutdated(RuntimeError):
    """The database is not at the revision this code needs; the message says what to run."""


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None  # the database's revision (None: empty or pre-migration)
    head: str  # the revision this code expects
    legacy: bool  # tables exist without an Alembic revision

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def describe(self) -> str:
        """A Spanish line for the operator."""
        if self.up_to_date:
            return f"La base de datos está al día (revisión {self.current})."
        if self.legacy:
            return f"La base de datos es anterior a las migraciones; le falta llegar a la revisión {self.head}."
        if self.current is None:
            return f"La base de datos está vacía; le falta llegar a la revisión {self.head}."
        return f"La base de datos está en la revisión {self.current}; el asesor necesita la {self.head}."


def alembic_config(engine: Engine) -> Config:
    """An Alembic config over the packaged scripts that migrates through ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def schema_status(engine: Engine) -> SchemaStatus:
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        legacy = current is None and inspect(connection).has_table("diagnoses")
    return SchemaStatus(current=current, head=head_revision(), legacy=legacy)


def upgrade(engine: Engine) -> SchemaStatus:
    """Bring the database to the newest revision (adopting a pre-migration schema first)."""
    config = alembic_config(engine)
    status = schema_status(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if status.legacy:
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
    return schema_status(engine)


def ensure_schema(engine: Engine, *, auto_upgrade: bool) -> None:
    """Return when the schema is current; upgrade it when allowed; else raise ``SchemaOutdated``."""
    status = schema_status(engine)
    if status.up_to_date:
        return
    if auto_upgrade:
        upgrade(engine)
        return
    raise SchemaOutdated(f"{status.describe()} Ejecute «asesor db upgrade» antes de iniciar el asesor.")
