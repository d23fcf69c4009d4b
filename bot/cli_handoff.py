"""``asesor handoff --id <diagnóstico>``: a code to continue a diagnosis in Telegram or WhatsApp.

Why this exists: a diagnosis started in the terminal (or anywhere else) can move to a phone. The
code comes from the channel service (``bot.compose.build_channels``: the store and the
instrument, not the index): single-use, valid 30 minutes, not the diagnosis id; the
links are printed for the channels that are configured (bot username, WhatsApp number).
"""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["handoff"]


def handoff(
    diagnosis_id: Annotated[str, typer.Option("--id", help="El autodiagnóstico que seguirá en otro canal.")],
) -> None:
    """Imprime un código de un solo uso (30 minutos) para seguir el autodiagnóstico en Telegram o WhatsApp."""
    from bot.compose import build_channels
    from bot.errors import AdvisorError
    from bot.services.channels import HANDOFF_TTL
    from bot.settings import Settings

    try:
        made = build_channels(Settings()).create_handoff(diagnosis_id)
    except AdvisorError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Código para continuar en otro canal: {made.code} (vale {HANDOFF_TTL // 60} minutos, una sola vez).")
    typer.echo(f"En Telegram: /start {made.code}" + (f"  ({made.telegram_url})" if made.telegram_url else ""))
    typer.echo(f"En WhatsApp: Continuar {made.code}" + (f"  ({made.whatsapp_url})" if made.whatsapp_url else ""))
