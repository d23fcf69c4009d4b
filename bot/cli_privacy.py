"""``asesor purge``: delete everything older than the retention period (Ley 1581 de 2012).

Why this exists: personal data must not be kept longer than its purpose needs. A deployment runs
this daily (cron, a systemd timer, a Kubernetes CronJob); it opens only the store, never the
index or the embedder, so it is quick and safe to run beside a serving process.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from bot.privacy import purge as purge_store
from bot.settings import Settings
from bot.store import Store, StoreUnavailable

__all__ = ["purge"]


def purge(
    days: Annotated[Optional[int], typer.Option("--days", help="Días a conservar (por defecto ASESOR_RETENTION_DAYS).")] = None,
) -> None:
    """Borra autodiagnósticos, conversaciones, valoraciones y vínculos más antiguos que el plazo de retención."""
    settings = Settings()
    retention = settings.retention_days if days is None else days
    if not 1 <= retention <= 3650:
        typer.echo("--days debe ser un número de días entre 1 y 3650.", err=True)
        raise typer.Exit(2)
    try:
        report = purge_store(Store(settings.database_url), retention)
    except StoreUnavailable:
        typer.echo("No se pudo abrir la base de datos del asesor; no se borró nada. Intente de nuevo.", err=True)
        raise typer.Exit(1) from None
    typer.echo(report.spanish())
