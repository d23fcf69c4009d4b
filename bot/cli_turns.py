"""What the terminal adds to an answer for its kind of turn (``Answer.kind``, ``Answer.more``).

Why a module of its own: the widget and Telegram show buttons for these turns; the terminal has
none, so it says what to type instead: the command that starts the self-diagnosis after the offer,
«explícame más» after a shortened answer. Kept apart from ``bot.cli`` so the command module stays
about commands.
"""

from __future__ import annotations

import typer

from bot.text import strip_terminal_controls

__all__ = ["TEXTS", "print_turn_extras"]

TEXTS = {
    "partial": "(Respuesta parcial: la cartilla trata el tema, pero no dice exactamente lo que preguntó.)",
    "diagnosis_offer": "Para comenzarlo, escriba `asesor diagnose` en la terminal (con «salir» lo pausa y "
    "con `asesor diagnose --id …` lo continúa).",
    "more_chat": "(Respuesta resumida: escriba «explícame más» para ver el resto.)",
    "more_ask": (
        "(Respuesta resumida: en `asesor chat`, escriba «explícame más» después de la pregunta para ver el resto.)"
    ),
}


def print_turn_extras(answer, *, chat: bool = False) -> None:
    """The starter questions of a greeting, the command of a diagnosis offer, how to see more."""
    if answer.kind == "smalltalk" and answer.suggestions:
        for suggestion in answer.suggestions:
            typer.echo(strip_terminal_controls(f"  • {suggestion}"))
    if answer.kind == "partial":
        typer.echo("\n" + TEXTS["partial"])
    if answer.kind == "diagnosis_offer":
        typer.echo("\n" + TEXTS["diagnosis_offer"])
    if answer.more:
        typer.echo("\n" + TEXTS["more_chat" if chat else "more_ask"])
