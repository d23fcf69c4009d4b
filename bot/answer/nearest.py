"""The suggested questions nearest in meaning to a question: what an answer or a refusal offers next.

Why a module of its own: the answer service offers them after every answer and every refusal, and
the ranking (one product with the suggestions embedded once, ``bot.answer.suggestions``) is the
same wherever it is asked for; the service keeps only its control flow.
"""

from __future__ import annotations

import numpy as np

from bot.answer.suggestions import Suggestions

__all__ = ["nearest_questions"]


def nearest_questions(
    suggestions: Suggestions, vector: np.ndarray | None, *, n: int = 3, exclude_answered: bool = False
) -> list[str]:
    """The ``n`` suggested questions closest to a query embedding (the starters without one).

    ``exclude_answered`` skips the nearest one: after an answer it is usually the question itself."""
    if vector is None:
        return suggestions.starters[:n]
    order = np.argsort(-(suggestions.vectors @ vector))
    skip = 1 if exclude_answered else 0
    return [suggestions.questions[i] for i in order[skip : skip + n]]
