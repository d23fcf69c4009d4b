"""Resolve a short follow-up ("¿y la segunda?", "explícame más") against the previous turn.

A follow-up carries too little to retrieve on its own; joined to the previous question it
lands on the same passages, narrowed by its own words ("segunda" → Fase 2). A question that
stands on its own is left untouched.
"""

from __future__ import annotations

import re

from bot.text import content_words, fold

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


def resolve_followup(question: str, previous: str | None) -> str:
    """The question to retrieve with: the previous question plus this one, or this one alone."""
    if not previous or not is_followup(question):
        return question
    return f"{previous} {question}"
