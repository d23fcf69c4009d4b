"""How a diagnosis reads, in one place: the level line, area lines, percentages, top
recommendations, unanswered practices and the «Anotado: «…»» outcome.

Why this exists: the terminal, Telegram, the report (Markdown, HTML, PDF) and the widget (through
the API's state) all show the same result; written once per channel the wording drifted. These
are pure functions of the engine's shapes (``DiagnosisResult``, ``DiagnosisState``): a channel
adds only its own markup (bold, emoji, HTML).
"""

from __future__ import annotations

from .models import AreaScore, DiagnosisResult, DiagnosisState, RecommendationItem

__all__ = [
    "TOP_RECOMMENDATIONS",
    "area_line",
    "level_line",
    "level_summary",
    "noted",
    "number",
    "percent",
    "practices_phrase",
    "question_lines",
    "strengths_text",
    "top_recommendations",
    "unanswered_text",
]

TOP_RECOMMENDATIONS = 3  # the ones a chat or a terminal shows; the report lists them all


def number(value: float) -> str:
    """Spanish number format: 61.5 → "61,5", 50.0 → "50"."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def percent(value: float) -> str:
    """Spanish percentage: "50 %", "33,3 %"."""
    return f"{number(value)} %"


def level_line(result: DiagnosisResult) -> str:
    """ "Nivel de madurez: Avanzada" """
    return f"Nivel de madurez: {result.level.name}"


def level_summary(result: DiagnosisResult) -> str:
    """ "Nivel de madurez: Avanzada (16 de 26 puntos, 61,5 %)": the chats' headline of a result."""
    return f"{level_line(result)} ({result.total} de {result.max_total} puntos, {percent(result.percent)})"


def area_line(area: AreaScore) -> str:
    """ "Gobernanza: 3 de 4 (75 %)" """
    return f"{area.name}: {area.score} de {area.max} ({percent(area.percent)})"


def top_recommendations(result: DiagnosisResult, n: int = TOP_RECOMMENDATIONS) -> list[RecommendationItem]:
    return list(result.recommendations[:n])


def strengths_text(result: DiagnosisResult) -> str:
    """The areas that stand out, or a line saying none does yet."""
    if not result.strongest_areas:
        return "Todavía ninguna área sobresale sobre las demás."
    return f"Sus fortalezas: {', '.join(result.strongest_areas)}."


def practices_phrase(indexes: list[int]) -> str:
    """Spanish list of practices: "la práctica 4", "las prácticas 1, 3 y 7"."""
    if len(indexes) == 1:
        return f"la práctica {indexes[0]}"
    head = ", ".join(str(i) for i in indexes[:-1])
    return f"las prácticas {head} y {indexes[-1]}"


def unanswered_text(result: DiagnosisResult) -> str:
    """What skipped practices mean for the score ("" when every practice was answered)."""
    if not result.unanswered:
        return ""
    few = len(result.unanswered) == 1
    return (
        f"Dejó sin responder {practices_phrase(result.unanswered)}; en el puntaje "
        f"{'cuenta' if few else 'cuentan'} como «No se ha ejecutado». Cuando pueda, "
        f"{'vuelva a ella' if few else 'vuelva a ellas'} para afinar el resultado."
    )


def noted(label: str) -> str:
    """The outcome of an accepted answer: "Anotado: «Se ha ejecutado en forma parcial»." """
    return f"Anotado: «{label}»."


def question_lines(state: DiagnosisState, *, revisit: bool = False) -> list[str]:
    """The current question as plain lines: progress and area, the question, the options."""
    question = state.question
    if question is None:
        return []
    note = " (la había saltado)" if revisit else ""
    return [
        f"{state.progress} · {question.practice}{note}",
        question.text,
        *(f"  {o.value}) {o.label}" for o in question.options),
    ]
