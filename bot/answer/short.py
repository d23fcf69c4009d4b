"""A short answer from the learned selector's ranking: the sentence that answers, then at most
what supports it, within a word budget; whatever was left out is there for «explícame más».

The lead is the best-scored candidate (a lead-in comes with its whole list). Supporting
candidates (one at most) follow only if they score at least ``SUPPORT_RATIO`` of the lead's probability and
fit in ``BUDGET`` words: a second sentence the model is unsure of costs a phone screen and rarely
holds what was asked. When the question asks for a figure or a year and none of the best
candidates holds one, the booklet covers the topic but not what was asked: the answer says so in
one line and quotes what it does say (``kind="partial"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answer.extractive import _other_headings
from bot.answer.features import _NUMBER, _YEAR, question_type
from bot.answer.selector import Scored, SentenceSelector
from bot.retrieval import Retrieval
from bot.schemas import Citation, Passage
from bot.text import fold

__all__ = ["BUDGET", "SUPPORT_RATIO", "ShortAnswer", "compose_short", "plain_line"]

# Swept on tune cross-validation of the whole answer (issue 17, 322 questions × 3 repeats,
# ``python -m bot.evaluation.answer_cv``'s protocol): these (0.3, 60 words, two lines) hold the evidence
# for 0.783 with a median of 57 words and a p90 of 121. A lower ratio or a larger budget holds more but
# is longer (0.2 / 75 words: 0.797, p90 142; 0.15 / 55: 0.788, median 67, p90 124); a third line
# (0.788, median 60) or stopping once the chosen lines' probabilities add up to a share did no better.
BUDGET = 60  # words of supporting sentences beyond the lead (a lead's own list is never cut)
SUPPORT_RATIO = 0.3
MAX_LINES = 2  # the lead and one supporting sentence
MORE_RATIO = 0.05  # a left-out candidate this close to the lead is worth offering with «explícame más»
_NUMBERED = re.compile(r"(\d+)\.\s")
_REFERENCE = re.compile(r"\([^()]*\d[^()]*\)")  # «(Sölvell, 2009)», «(Garavito et al, 2018, p. 21)»
_ASKED = (
    ("cuanto tiempo", "cuánto tiempo"),
    ("cuanto dura", "cuánto dura"),
    ("cuanto cuesta", "cuánto cuesta"),
    ("cuantos", "cuántos"),
    ("cuantas", "cuántas"),
    ("cuanto", "cuánto"),
    ("cuanta", "cuánta"),
    ("cuando", "cuándo"),
    ("quienes", "quiénes"),
    ("quien", "quién"),
)


@dataclass
class ShortAnswer:
    text: str
    citations: list[Citation]
    more: bool
    partial: bool


def plain_line(line: str) -> str:
    return " ".join(re.sub(r"\s*\[\d+\]$", "", line).removeprefix("• ").removeprefix("- ").split())


def _item(line: str) -> str:
    line = line.removeprefix("• ").strip()
    return line if _NUMBERED.match(line) else f"- {line}"


def _lacks(question: str, ranked: list[Scored]) -> bool:
    """The question asks for a figure or a year that none of the best candidates holds."""
    asked = question_type(question)
    if asked.when:
        return not any(_YEAR.search(s.candidate.full) for s in ranked[:3])
    if asked.number and not asked.list:  # a year or a reference («Garavito et al, 2018, p. 21») is not
        return not any(
            _NUMBER.search(_YEAR.sub(" ", _REFERENCE.sub(" ", s.candidate.full)))  # the quantity asked
            for s in ranked[:3]
        )
    return False


def _what_was_asked(question: str) -> str:
    """«cuanto dura una iniciativa?» → «cuánto dura una iniciativa», for «La cartilla no indica …»."""
    text = fold(question).strip(" ¿?¡!.").split("?")[0]
    for plain, accented in _ASKED:
        if plain in text:
            start = text.index(plain)
            before = text[:start].split()[-1:] if len(text[:start].split()) == 1 else []  # «cada cuánto»
            return " ".join([*before, accented]) + text[start + len(plain) :]
    return text


def compose_short(
    question: str, retrieval: Retrieval, selector: SentenceSelector, *, shown: frozenset[str] = frozenset()
) -> ShortAnswer | None:
    passages = retrieval.passages
    asked = retrieval.asked.expanded
    elsewhere = _other_headings(passages, asked)  # «¿y la fase 2?» is not answered with Fase 1's sentences
    ranked = [s for s in selector.rank(asked, passages, retrieval.vector) if s.candidate.rank not in elsewhere]
    fresh = [s for s in ranked if plain_line(s.candidate.text) not in shown]
    ranked = fresh or ranked
    if not ranked:
        return None
    lead = ranked[0]
    chosen = [lead]
    listed = {plain_line(item) for item in lead.candidate.items}
    budget = BUDGET
    for scored in ranked[1:]:
        c = scored.candidate
        if scored.probability < SUPPORT_RATIO * lead.probability or len(chosen) == MAX_LINES:
            break
        if plain_line(c.text) in listed or c.words > budget:
            continue
        chosen.append(scored)
        listed.update(plain_line(item) for item in c.items)
        budget -= c.words
    support = sorted(chosen[1:], key=lambda s: (s.candidate.rank, s.candidate.position))
    used: list[Passage] = []

    def cite(passage: Passage) -> int:
        if passage not in used:
            used.append(passage)
        return used.index(passage) + 1

    lines: list[str] = []
    partial = _lacks(asked, ranked)
    if partial:
        lines.append(f"La cartilla no indica {_what_was_asked(retrieval.query.cleaned)}; lo que sí dice es:")
    rendered: set[str] = set()
    for scored in (lead, *support):
        c = scored.candidate
        if plain_line(c.text) in rendered:
            continue  # already shown as an item of a list quoted before it
        lines.append(f"{c.text.lstrip('• ')} [{cite(passages[c.rank])}]")
        new_items = [item for item in c.items if plain_line(item) not in rendered]
        lines.extend(_item(item) for item in new_items)
        rendered.update(plain_line(x) for x in (c.text, *c.items))
    left = [s for s in ranked if s not in chosen and s.probability >= MORE_RATIO * lead.probability]
    citations = [
        Citation(n=i, section=p.section, text=p.text, score=p.score, id=p.id) for i, p in enumerate(used, start=1)
    ]
    return ShortAnswer("\n".join(lines), citations, bool(left), partial)
