"""Pure rendering: advisor objects in, Telegram blocks, keyboards and callback data out.

Why this exists: what a chat shows (answers with their sources, a diagnosis question with its
buttons, the final result) is the part most likely to change, and keeping it free of I/O makes
it testable without Telegram. Every string comes from ``texts`` as plain text and is escaped in
``split``; callback data is built and parsed only here, so its 64-byte limit is checked in one
place.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.diagnosis import DiagnosisResult, DiagnosisState, QuestionView, present
from bot.schemas import Answer

from . import texts
from .split import Block, blocks_from_text

__all__ = [
    "DIAGNOSIS_START",
    "DxAction",
    "MORE",
    "answer_blocks",
    "answer_keyboard",
    "answered_blocks",
    "continue_keyboard",
    "feedback_data",
    "offers_keyboard",
    "offers_suggestions",
    "parse_dx",
    "question_blocks",
    "question_keyboard",
    "result_blocks",
    "sections_blocks",
    "source_blocks",
    "without_feedback",
    "reason_keyboard",
]

_CALLBACK_LIMIT = 64  # bytes, Telegram's limit for callback_data
DIAGNOSIS_START = "turn:dx"  # «Comenzar el autodiagnóstico» under a diagnosis offer
MORE = "turn:more"  # «Ver más» under a shortened answer: asks «Explícame más» in the same chat


def _data(value: str) -> str:
    if len(value.encode()) > _CALLBACK_LIMIT:
        raise ValueError(f"callback data too long: {value!r}")
    return value


# --- Answers ----------------------------------------------------------------------------------
def offers_suggestions(answer: Answer) -> bool:
    """Suggested questions become buttons after a refusal and after small talk (the starters)."""
    return bool(answer.suggestions) and (not answer.in_scope or answer.kind == "smalltalk")


def answer_blocks(answer: Answer, *, echo_question: str | None = None) -> list[Block]:
    blocks = [Block(texts.QUESTION_HEADER.format(question=echo_question), "bold")] if echo_question else []
    if answer.kind == "partial":
        blocks.append(Block(texts.PARTIAL_NOTE, "italic"))
    blocks += blocks_from_text(answer.answer)
    if answer.citations:
        lines = [texts.SOURCE_LINE.format(n=c.n, section=c.section) for c in answer.citations]
        blocks.append(Block("\n".join(lines), "italic"))
    if not answer.in_scope and answer.suggestions:
        blocks.append(Block(texts.SUGGESTIONS_TITLE))
    return blocks


def _source_id(answer: Answer, n: int) -> str | None:
    citation = next(c for c in answer.citations if c.n == n)
    if citation.id:
        return citation.id
    match = next((p for p in answer.passages if p.section == citation.section and p.text == citation.text), None)
    return match.id if match else None


def feedback_data(rating: str, key: str) -> str:
    return _data(f"fb:{rating}:{key}")


def answer_keyboard(answer: Answer, *, feedback_key: str, offer_keys: list[str]) -> InlineKeyboardMarkup:
    """'Ver fuente [n]' buttons, «Ver más» (a shortened answer), «Comenzar el autodiagnóstico» (an
    offer), suggested questions (out of scope, or the starters after small talk) and a 👍/👎 row
    (not under small talk: there is no booklet answer to rate)."""
    rows: list[list[InlineKeyboardButton]] = []
    sources = []
    for citation in answer.citations:
        passage_id = _source_id(answer, citation.n)
        if passage_id:
            sources.append(
                InlineKeyboardButton(texts.BUTTON_SOURCE.format(n=citation.n), callback_data=_data(f"src:{passage_id}"))
            )
    rows += [sources[i : i + 3] for i in range(0, len(sources), 3)]
    if answer.more:
        rows.append([InlineKeyboardButton(texts.BUTTON_MORE, callback_data=_data(MORE))])
    if answer.kind == "diagnosis_offer":
        rows.append([InlineKeyboardButton(texts.BUTTON_DIAGNOSIS_START, callback_data=_data(DIAGNOSIS_START))])
    if offers_suggestions(answer):
        rows += [list(row) for row in offers_keyboard(answer.suggestions, offer_keys).inline_keyboard]
    if answer.kind in ("smalltalk", "diagnosis_offer"):
        return InlineKeyboardMarkup(rows)
    rows.append(
        [
            InlineKeyboardButton(texts.BUTTON_THUMBS_UP, callback_data=feedback_data("up", feedback_key)),
            InlineKeyboardButton(texts.BUTTON_THUMBS_DOWN, callback_data=feedback_data("down", feedback_key)),
        ]
    )
    return InlineKeyboardMarkup(rows)


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard minus the 👍/👎 row (once a vote is in)."""
    if markup is None:
        return None
    rows = [row for row in markup.inline_keyboard if not any(str(b.callback_data or "").startswith("fb:") for b in row)]
    return InlineKeyboardMarkup(rows) if rows else None


def reason_keyboard(markup: InlineKeyboardMarkup | None, key: str) -> InlineKeyboardMarkup:
    """After a 👎: the 👍/👎 row becomes the optional reasons (``fb:d.<reason>:<key>``)."""
    rows = list(without_feedback(markup).inline_keyboard) if without_feedback(markup) else []
    buttons = [
        InlineKeyboardButton(label, callback_data=_data(f"fb:d.{code}:{key}"))
        for code, label in texts.FEEDBACK_REASONS.items()
    ]
    return InlineKeyboardMarkup(rows + [buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def offers_keyboard(questions: list[str], keys: list[str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(q, callback_data=_data(f"ask:{k}"))] for q, k in zip(questions, keys)]
    )


def source_blocks(section: str, text: str) -> list[Block]:
    return [Block(f"📖 {section}", "bold"), *blocks_from_text(text)]


def sections_blocks(sections: list[str]) -> list[Block]:
    listing = "\n".join(f"• {s}" for s in sections)
    return [Block(texts.SECTIONS_TITLE), Block(listing), Block(texts.SECTIONS_FOOTER)]


# --- Self-diagnosis ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DxAction:
    """A diagnosis button: ``op`` is a0/a1/a2 (answer), b (back), s (skip), h (help), c (show)."""

    op: str
    index: int
    diagnosis_id: str

    def data(self) -> str:
        return _data(f"dx:{self.op}:{self.index}:{self.diagnosis_id}")


def parse_dx(data: str) -> DxAction | None:
    parts = data.split(":", 3)
    if len(parts) != 4 or parts[0] != "dx" or not parts[2].isdigit():
        return None
    return DxAction(op=parts[1], index=int(parts[2]), diagnosis_id=parts[3])


def question_blocks(state: DiagnosisState, *, with_help: bool = False, prefix: str | None = None) -> list[Block]:
    question = state.question
    assert question is not None
    blocks = [Block(prefix)] if prefix else []
    blocks.append(Block(texts.QUESTION_ANSWERED.format(progress=state.progress, area=question.practice), "bold"))
    blocks.append(Block(question.text))
    if with_help:
        blocks += [
            Block(f"ℹ️ {question.help}"),
            Block(texts.BOOKLET_QUOTE.format(statement=question.statement), "italic"),
        ]
    return blocks


def question_keyboard(state: DiagnosisState, *, with_help_button: bool = True) -> InlineKeyboardMarkup:
    question: QuestionView | None = state.question
    assert question is not None

    def action(op: str) -> str:
        return DxAction(op, question.index, state.id).data()

    rows = [[InlineKeyboardButton(o.label, callback_data=action(f"a{o.value}"))] for o in question.options]
    navigation = [
        InlineKeyboardButton(texts.BUTTON_BACK, callback_data=action("b")),
        InlineKeyboardButton(texts.BUTTON_SKIP, callback_data=action("s")),
    ]
    if question.index == 1:
        navigation = navigation[1:]
    rows.append(navigation)
    if with_help_button:
        rows.append([InlineKeyboardButton(texts.BUTTON_HELP, callback_data=action("h"))])
    return InlineKeyboardMarkup(rows)


def continue_keyboard(state: DiagnosisState) -> InlineKeyboardMarkup:
    assert state.question is not None
    action = DxAction("c", state.question.index, state.id)
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.BUTTON_CONTINUE, callback_data=action.data())]])


def answered_blocks(state: DiagnosisState, label: str) -> list[Block]:
    """The question message once answered: question and the choice, no buttons."""
    return [*question_blocks(state), Block(texts.ANSWERED_RECORD.format(label=label))]


def result_blocks(result: DiagnosisResult, *, top: int = present.TOP_RECOMMENDATIONS) -> list[Block]:
    blocks = [
        Block(texts.FINISHED_TITLE, "bold"),
        Block(
            present.level_summary(result),
            "bold",
        ),
        Block(result.level.meaning),
        Block(texts.AREAS_TITLE, "bold"),
        Block("\n".join(texts.AREA_LINE.format(line=present.area_line(a)) for a in result.areas)),
    ]
    if result.strongest_areas:
        blocks.append(Block(texts.STRENGTHS_LINE.format(areas=", ".join(result.strongest_areas))))
    if result.unanswered:
        blocks.append(Block(texts.UNANSWERED_NOTE.format(numbers=", ".join(map(str, result.unanswered)))))
    if result.recommendations:
        blocks.append(Block(texts.RECOMMENDATIONS_TITLE, "bold"))
        for number, item in enumerate(present.top_recommendations(result, top), start=1):
            blocks.append(Block(f"{number}. {item.text}\n{texts.RECOMMENDATION_SOURCE.format(section=item.section)}"))
    blocks.append(Block(texts.REPORT_FOLLOWS))
    return blocks
