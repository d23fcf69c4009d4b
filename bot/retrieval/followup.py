"""Resolve a short follow-up ("¿y la segunda?", "explícame más") against the previous turn.

A follow-up carries too little to retrieve on its own; joined to the previous question it
lands on the same passages, narrowed by its own words ("segunda" → Fase 2). "¿Y la siguiente?"
or "¿y después qué sigue?" after a question about Fase 2 or Práctica 9 is about the next one:
the previous question is renumbered before it is joined. A question that stands on its own is
left untouched.
"""

from __future__ import annotations

import re

from bot.text import content_words, fold, numbers, renumber

__all__ = ["is_followup", "resolve_followup", "asks_for_more"]

_FOLLOWUP_START = re.compile(
    r"^(y|e|pero|entonces|ademas|tambien|osea|o sea|ok|vale|listo|bueno|y si|y que|y como|y quien|y cual|y cuales"
    r"|y cuando|y donde|y por que|y para que)\b"
)
_FOLLOWUP_WORDS = re.compile(
    r"\b(eso|esto|esa|ese|esas|esos|ello|aquello|lo anterior|la anterior|el anterior|mas|detalle|ejemplo|ejemplos"
    r"|primera|primero|segunda|segundo|tercera|tercero|ultima|ultimo|otra|otro|ahi|alli|explicame|explica|amplia"
    r"|profundiza|cuentame mas|sigue|continua)\b"
)


def is_followup(question: str) -> bool:
    """Short and referring back: starts with "y…", or leans on "eso", "más", "la segunda"…"""
    folded = " ".join(fold(question).replace("¿", " ").replace("?", " ").split())
    if not folded:
        return False
    if len(content_words(folded)) > 5:
        return False
    return bool(_FOLLOWUP_START.match(folded) or _FOLLOWUP_WORDS.search(folded))


_MORE = re.compile(r"\b(mas|detalle|detalles|amplia|ampliame|profundiza|explicame|explica|cuentame|sigue|continua)\b")


def asks_for_more(question: str) -> bool:
    """A follow-up asking to go on ("explícame más", "dame más detalle"): the answer should not
    repeat what the previous one already said."""
    return is_followup(question) and bool(_MORE.search(fold(question)))


_NEXT = re.compile(r"\b(siguiente|proxima|proximo|despues|luego|que sigue)\b")
_BEFORE = re.compile(r"\b(anterior|antes|previa|previo)\b")
_NUMBERED = re.compile(r"\b(fase|fases|etapa|etapas|practica|practicas|paso|pasos)\b")


def _stepped(question: str, previous: str) -> str | None:
    """The previous question about heading N renumbered N±1 when the follow-up asks for the next
    or the one before ("¿y la siguiente?", "¿y la anterior?"); None otherwise."""
    folded = fold(question)
    step = 1 if _NEXT.search(folded) else -1 if _BEFORE.search(folded) else 0
    named = numbers(previous)
    if not step or len(named) != 1 or not _NUMBERED.search(fold(previous)):
        return None
    (number,) = named
    return renumber(previous, number, number + step) if number + step >= 1 else None


def resolve_followup(question: str, previous: str | None) -> str:
    """The question to retrieve with: the previous question (renumbered for "la siguiente") plus this
    one, or this one alone."""
    if not previous or not is_followup(question):
        return question
    return f"{_stepped(question, previous) or previous} {question}"
