"""Pure rendering: advisor objects in, Cloud API message bodies out.

Why this exists: what a WhatsApp chat shows (an answer with «Fuente» lines and 👍/👎 buttons, a
diagnosis question with its three answers as reply buttons and a list for the rest, the result)
is the part most likely to change, and WhatsApp's limits are strict: at most 3 reply buttons with
titles ≤ 20 characters, at most 10 list rows with titles ≤ 24, an interactive body ≤ 1024 and a text
≤ 4096. Keeping that here, free of I/O, makes every limit testable and checked in one place.
Button and row ids are built and parsed only here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.diagnosis import DiagnosisResult, DiagnosisState, present
from bot.schemas import Answer

from . import texts
from .split import split_text

__all__ = [
    "DxChoice",
    "answer_text",
    "buttons",
    "choice_list",
    "continue_buttons",
    "feedback_buttons",
    "offers_list",
    "parse_dx",
    "question_messages",
    "result_text",
    "short",
    "source_id",
    "sources_list",
    "text_messages",
]

BUTTON_TITLE, ROW_TITLE, ROW_DESCRIPTION, BODY_LIMIT, MAX_BUTTONS, MAX_ROWS = 20, 24, 72, 1024, 3, 10


def short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,;:.") + "…"


def text_messages(text: str) -> list[dict]:
    return [{"type": "text", "text": {"body": part, "preview_url": False}} for part in split_text(text)]


def buttons(body: str, choices: list[tuple[str, str]]) -> dict:
    """Reply buttons: ``choices`` are (id, title); at most 3, titles cut to 20 characters."""
    if not 1 <= len(choices) <= MAX_BUTTONS:
        raise ValueError("WhatsApp allows 1 to 3 reply buttons")
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": short(body, BODY_LIMIT)},
            "action": {
                "buttons": [{"type": "reply", "reply": {"id": i, "title": short(t, BUTTON_TITLE)}} for i, t in choices]
            },
        },
    }


def choice_list(body: str, rows: list[tuple[str, str, str]], *, button: str = texts.LIST_BUTTON) -> dict:
    """A list message: ``rows`` are (id, title, description); at most 10."""
    if not 1 <= len(rows) <= MAX_ROWS:
        raise ValueError("WhatsApp allows 1 to 10 list rows")
    items = [
        {"id": i, "title": short(t, ROW_TITLE), **({"description": short(d, ROW_DESCRIPTION)} if d else {})}
        for i, t, d in rows
    ]
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": short(body, BODY_LIMIT)},
            "action": {
                "button": short(button, BUTTON_TITLE),
                "sections": [{"title": short(button, ROW_TITLE), "rows": items}],
            },
        },
    }


# --- Answers ----------------------------------------------------------------------------------
def answer_text(answer: Answer, *, echo_question: str | None = None) -> str:
    parts = [f"*❓ {echo_question}*"] if echo_question else []
    parts.append(answer.answer)
    if answer.citations:
        parts.append("\n".join(texts.SOURCE_LINE.format(n=c.n, section=c.section) for c in answer.citations))
    return "\n\n".join(parts)


def source_id(answer: Answer, n: int) -> str | None:
    citation = next(c for c in answer.citations if c.n == n)
    if citation.id:
        return citation.id
    match = next((p for p in answer.passages if p.section == citation.section and p.text == citation.text), None)
    return match.id if match else None


def feedback_buttons(feedback_key: str, *, with_sources: bool) -> dict:
    choices = [(f"fb:up:{feedback_key}", texts.BUTTON_UP), (f"fb:down:{feedback_key}", texts.BUTTON_DOWN)]
    if with_sources:
        choices.append((f"srcs:{feedback_key}", texts.BUTTON_SOURCES))
    return buttons(texts.FEEDBACK_PROMPT, choices)


def sources_list(citations: list[tuple[int, str, str]]) -> dict:
    """A list of (n, section, passage id): one row per citation behind an answer."""
    rows = [(f"src:{pid}", texts.SOURCE_ROW.format(n=n), section) for n, section, pid in citations[:MAX_ROWS]]
    return choice_list(texts.SOURCES_BODY, rows)


def offers_list(body: str, questions: list[str], keys: list[str]) -> dict:
    rows = [(f"ask:{k}", q, q if len(q) > ROW_TITLE else "") for q, k in zip(questions[:MAX_ROWS], keys)]
    return choice_list(body, rows)


# --- Self-diagnosis ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DxChoice:
    """A diagnosis choice: ``op`` is a0/a1/a2 (answer), b (back), s (skip), h (help), c (show)."""

    op: str
    index: int
    diagnosis_id: str

    def id(self) -> str:
        return f"dx:{self.op}:{self.index}:{self.diagnosis_id}"


def parse_dx(reply_id: str) -> DxChoice | None:
    parts = reply_id.split(":", 3)
    if len(parts) != 4 or parts[0] != "dx" or not parts[2].isdigit():
        return None
    if parts[1] not in ("a0", "a1", "a2", "b", "s", "h", "c"):
        return None
    return DxChoice(parts[1], int(parts[2]), parts[3])


def _option_title(label: str) -> str:
    """ "Se ha ejecutado en forma parcial" → "En forma parcial" (fits a 20-character button)."""
    if len(label) > BUTTON_TITLE and label.lower().startswith("se ha ejecutado "):
        rest = label[len("se ha ejecutado ") :]
        label = rest[:1].upper() + rest[1:]
    return short(label, BUTTON_TITLE)


def question_messages(state: DiagnosisState, *, with_help: bool = False, prefix: str | None = None) -> list[dict]:
    """[prefix text], [help text], the question with its 3 answers as buttons, and a list with
    «Atrás / Saltar / ¿Qué significa?»."""
    question = state.question
    assert question is not None
    messages = text_messages(prefix) if prefix else []
    if with_help:
        messages += text_messages(f"ℹ️ {question.help}\n\n{texts.BOOKLET_QUOTE.format(statement=question.statement)}")
    header = texts.QUESTION_ANSWERED.format(progress=state.progress, area=question.practice)
    body = f"*{header}*\n\n{question.text}"
    choices = [
        (DxChoice(f"a{o.value}", question.index, state.id).id(), _option_title(o.label)) for o in question.options
    ]
    messages.append(buttons(body, choices))
    rows = []
    if question.index > 1:
        rows.append((DxChoice("b", question.index, state.id).id(), texts.OPTION_BACK, ""))
    rows.append((DxChoice("s", question.index, state.id).id(), texts.OPTION_SKIP, ""))
    if not with_help:
        rows.append((DxChoice("h", question.index, state.id).id(), texts.OPTION_HELP, ""))
    messages.append(choice_list(texts.MORE_OPTIONS, rows))
    return messages


def continue_buttons(state: DiagnosisState) -> dict:
    assert state.question is not None
    return buttons(texts.CONTINUE_OFFER, [(DxChoice("c", state.question.index, state.id).id(), texts.BUTTON_CONTINUE)])


def result_text(result: DiagnosisResult, *, top: int = present.TOP_RECOMMENDATIONS) -> str:
    parts = [
        f"*{texts.FINISHED_TITLE}*",
        f"*{present.level_summary(result)}*",
        result.level.meaning,
        f"*{texts.AREAS_TITLE}*\n" + "\n".join(texts.AREA_LINE.format(line=present.area_line(a)) for a in result.areas),
    ]
    if result.strongest_areas:
        parts.append(texts.STRENGTHS_LINE.format(areas=", ".join(result.strongest_areas)))
    if result.unanswered:
        parts.append(texts.UNANSWERED_NOTE.format(numbers=", ".join(map(str, result.unanswered))))
    if result.recommendations:
        parts.append(f"*{texts.RECOMMENDATIONS_TITLE}*")
        for number, item in enumerate(present.top_recommendations(result, top), start=1):
            parts.append(f"{number}. {item.text}\n{texts.RECOMMENDATION_SOURCE.format(section=item.section)}")
    return "\n\n".join(parts)
