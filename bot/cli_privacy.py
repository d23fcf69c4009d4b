"""``asesor purge``: delete everything older than the retention period (Ley 1581 de 2012).

Why this exists: personal data must not be kept longer than its purpose needs. A deployment runs
this daily (cron, a systemd timer, a Kubernetes CronJob); it opens only the store, never the
index or the embedder, so it is quick and safe to run beside a serving process.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.errors import AdvisorError
from bot.settings import Settings

__all__ = ["purge"]


def purge(
    days: Annotated[
        int | None, typer.Option("--days", help="Días a conservar (por defecto ASESOR_RETENTION_DAYS).")
    ] = None,
) -> None:
    """Borra autodiagnósticos, conversaciones, valoraciones y vínculos más antiguos que el plazo de retención."""
    settings = Settings()
    retention = settings.retention_days if days is None else days
    if not 1 <= retention <= 3650:
        typer.echo("--days debe ser un número de días entre 1 y 3650.", err=True)
        raise typer.Exit(2)
    from bot.compose import build_personal_data  # opens only the store

    try:
        report = build_personal_data(settings).purge(retention_days=retention)
    except AdvisorError as error:
        detail = error.message if error.code == "esquema_desactualizado" else "Intente de nuevo."
        typer.echo(f"No se pudo abrir la base de datos del asesor; no se borró nada. {detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(report.spanish())
