"""One answer turn from a retrieval and its scope decision: the text, its citations, its kind.

Why a module of its own: the advisor serves it and ``make eval`` measures it, and both must run
the very same composition, or the figures describe an answerer nobody uses. The booklet's own
structures answer first (a glossary entry for «¿qué es…?», a section's headings for «¿cuáles
son las fases?», the item a follow-up names); every other answer is the learned selector's
short answer (``bot.answer.short``). Nothing in the booklet to quote: the refusal, never an
empty answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.answer.candidates import SentenceBank
from bot.answer.extractive import compose_extractive
from bot.answer.nearest import nearest_questions
from bot.answer.refusals import refusal_answer
from bot.answer.scope import ScopeDecision
from bot.answer.selector import SentenceSelector
from bot.answer.short import compose_short
from bot.answer.suggestions import Suggestions
from bot.retrieval import Retrieval
from bot.schemas import Answer, AnswerKind, Citation, Passage

__all__ = ["LISTS", "Composed", "answer_turn", "compose_answer", "make_selector", "sections_of"]

LISTS = True  # a passage's whole list answers «¿cuáles…?» before the selector is asked


@dataclass
class Composed:
    text: str
    citations: list[Citation] = field(default_factory=list)
    kind: AnswerKind = "answer"  # "answer", "partial" or "refusal"
    more: bool = False  # sentences were left out: «explícame más» gives them


def sections_of(chunks) -> dict[str, list[Passage]]:
    """Each section's passages in reading order (the first one opens it)."""
    sections: dict[str, list[Passage]] = {}
    for chunk in chunks:
        sections.setdefault(chunk.section, []).append(
            Passage(id=chunk.id, section=chunk.section, text=chunk.text, score=1.0, kind=chunk.kind)
        )
    return sections


def make_selector(index) -> SentenceSelector:
    """The selector for a loaded index: its sentence vectors, and the weights fitted with it."""
    bank = SentenceBank(index.chunks, index.sentence_vectors, index.sentence_owners)
    return SentenceSelector(bank, (index.calibration.get("selector") or {}).get("weights"))


def compose_answer(
    question: str,
    retrieval: Retrieval,
    decision: ScopeDecision,
    sections: dict[str, list[Passage]],
    *,
    shown: frozenset[str] = frozenset(),
    selector: SentenceSelector | None = None,
) -> Composed:
    """The answer to show, or ``kind="refusal"`` (with an empty text: the caller words it)."""
    if not decision.in_scope:
        return Composed("", kind="refusal")
    if selector is None:
        text, citations = compose_extractive(question, retrieval, sections, shown=shown)
        return Composed(text, citations) if text.strip() else Composed("", kind="refusal")
    text, citations = compose_extractive(question, retrieval, sections, shown=shown, structured_only=True, lists=LISTS)
    if text.strip():
        return Composed(text, citations)
    short = compose_short(question, retrieval, selector, shown=shown)
    if short is None or not short.text.strip():
        return Composed("", kind="refusal")
    return Composed(short.text, short.citations, "partial" if short.partial else "answer", short.more)


def answer_turn(
    question: str,
    retrieval: Retrieval,
    decision: ScopeDecision,
    sections: dict[str, list[Passage]],
    selector: SentenceSelector,
    suggestions: Suggestions,
    *,
    shown: frozenset[str] = frozenset(),
) -> Answer:
    """The composed turn as the ``Answer`` every channel renders, with the nearest questions to ask
    next; the refusal when the question is out of scope or nothing in the booklet clears the bar."""
    composed = compose_answer(question, retrieval, decision, sections, shown=shown, selector=selector)
    if composed.kind == "refusal":
        reason = decision.reason if not decision.in_scope else "low_score"
        return refusal_answer(question, reason, retrieval.passages, nearest_questions(suggestions, retrieval.vector))
    return Answer(
        question=question,
        answer=composed.text,
        in_scope=True,
        citations=composed.citations,
        passages=retrieval.passages,
        kind=composed.kind,
        more=composed.more,
        suggestions=nearest_questions(suggestions, retrieval.vector, exclude_answered=True),
    )
