"""The default answerer: the booklet's own sentences, with numbered citations. Never invents.

From the ranked passages it picks what answers the question: a glossary entry for "¿qué es…?"
about a glossary term, a section's headings when the question asks for its parts (the 3 phases,
the 4 entities), the whole list when a passage holds one (the 5 forces, the 8 SSME areas, the 3
pillars, followed into the next passage when it goes on there), otherwise the sentences that
share the question's topic words, from at most three passages. Each line carries ``[n]`` naming
the passage it comes from.
"""

from __future__ import annotations

import re

from bot.ingest.chunk import SEPARATOR
from bot.retrieval import Retrieval
from bot.schemas import Citation, Passage
from bot.text import fold, heading_numbers, numbers, ordinals, split_sentences, stem, stems

__all__ = ["compose_extractive", "answer_sentences"]

_NUMBERED = re.compile(r"(\d+)\.\s")
_LIST_ITEM = re.compile(r"^(\d+\.\s|• )")
# Only a request for a list: «¿cuántas…?» asks for a figure, and a bare «fuerzas» or «fases» is the
# topic, not the request. With this and the outline's rule below, the answer held the evidence for
# 0.801 of the tune questions in cross-validation, against 0.767 with the looser wording of both.
_LIST_QUESTION = re.compile(
    r"\b(cuales|que (tipos|pasos|fases|areas|pilares|fuerzas|objetivos|elementos|actividades|entidades)"
    r"|lista|enumera)\b"
)
_DEFINITION = re.compile(r"\b(que es|que son|que significa|defin|concepto|significado)")
MAX_WORDS = 150
_LEAD_MAX_LINES, _LEAD_MAX_WORDS = 5, 90  # a lead-in's list is quoted whole or not at all
_GENERIC = {stem(w) for w in ("iniciativa", "iniciativas", "cluster", "clusters")}


def _list_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Every (lead-in, items) of the passage: a line ending in ':' followed by ≥ 3 lines."""
    lines = text.split("\n")
    blocks = []
    for i, line in enumerate(lines):
        if line.rstrip().endswith(":"):
            items = [item for item in lines[i + 1 :] if item.strip()]
            numbered = [item for item in items if _LIST_ITEM.match(item)]
            chosen = numbered if len(numbered) >= 3 else items
            if len(chosen) >= 3:
                blocks.append((split_sentences(line)[-1], chosen[:10]))
    return blocks


def _list_block(text: str) -> tuple[str, list[str]] | None:
    """The passage's first (lead-in, items), or None."""
    return next(iter(_list_blocks(text)), None)


def _asked_list(passages: list[Passage], query: str) -> tuple[Passage, tuple[str, list[str]]] | None:
    """The list of the top two passages whose lead-in shares most of the question's topic words
    (the first one on a tie): «¿cuáles son los tres elementos que combinan las mejores prácticas?»
    is the sub-list inside the second pillar, not the pillars."""
    query_stems = set(stems(query)) - _GENERIC
    found = [(p, block) for p in passages[:2] for block in _list_blocks(p.text)]
    if not found:
        return None
    return max(found, key=lambda f: len(query_stems & set(stems(f[1][0]))))


def _continuation(passage: Passage, items: list[str], sections: dict[str, list[Passage]]):
    """(next passage, its items) when a numbered list goes on in the section's next passage
    (the third governance pillar starts the chunk after the first two)."""
    numbered = [m for item in items if (m := _NUMBERED.match(item.removeprefix("• ")))]
    last = numbered[-1] if numbered else None
    siblings = sections.get(passage.section, [])
    position = next((i for i, p in enumerate(siblings) if p.id == passage.id), None)
    if last is None or position is None or position + 1 >= len(siblings):
        return None
    following = siblings[position + 1]
    expected = int(last.group(1)) + 1
    more: list[str] = []
    for line in following.text.split("\n"):
        if not line.startswith(f"{expected}. "):
            break
        number, body = line.split(" ", 1)
        more.append(f"{number} {split_sentences(body)[0]}" if len(body.split()) > 60 else line)
        expected += 1
    return (following, more) if more else None


def _named_items(items: list[str], wanted: frozenset[int]) -> list[str]:
    """The numbered items a question names by their ordinal ("y el segundo?"), each with its
    sub-items; empty when the list has no such number."""
    out: list[str] = []
    keep = False
    for item in items:
        number = _NUMBERED.match(item.removeprefix("• ").strip())
        if number:
            keep = int(number.group(1)) in wanted
        if keep:
            out.append(item)
    return out


def _items_after(text: str, lead: str) -> list[str] | None:
    """The lines that follow ``lead`` (a sentence that ends its line with ':') to the end of the
    passage: what it introduces, quoted with it so an answer never stops at «…las siguientes
    actividades:». None when that is too long to quote whole (the lead-in is then left out)."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.rstrip().endswith(lead.rstrip())), None)
    if start is None:
        return []
    items = [line for line in lines[start + 1 :] if line.strip()]
    if len(items) > _LEAD_MAX_LINES or sum(len(item.split()) for item in items) > _LEAD_MAX_WORDS:
        return None
    return items


def _item(line: str) -> str:
    """A list line as the answer shows it: numbered items keep their number, others get '- '."""
    line = line.removeprefix("• ").strip()
    return line if _NUMBERED.match(line) else f"- {line}"


def _overlap(sentence: str, query_stems: set[str]) -> float:
    sentence_stems = set(stems(sentence))
    if not sentence_stems or not query_stems:
        return 0.0
    return len(sentence_stems & query_stems) / len(query_stems)


def _sentences(text: str) -> list[str]:
    """A passage's sentences for an answer. A label that ends in ':' stays with what follows on its
    line ("Buena práctica 5 de 13 del autodiagnóstico (Gráfica 2): La Iniciativa Cluster cuenta…"):
    alone it says nothing. A lead-in that ends its line (before a list) is left as it is."""
    out: list[str] = []
    for line in text.split("\n"):
        pending = ""
        for sentence in split_sentences(line):
            sentence = f"{pending} {sentence}" if pending else sentence
            pending = sentence if sentence.endswith(":") else ""
            if not pending:
                out.append(sentence)
        if pending:
            out.append(pending)
    return out


def _other_headings(passages: list[Passage], query: str) -> set[int]:
    """Indexes of the top passages under another numbered heading than the one the question names
    («¿y la fase 2?» is not answered with Fase 1's sentences); none when no top passage has it."""
    wanted = numbers(query)
    named = [heading_numbers(p.section.split(SEPARATOR)[-1]) for p in passages[:3]]
    if not wanted or not any(n & wanted for n in named):
        return set()
    return {i for i, n in enumerate(named) if n and not n & wanted}


def _pick_sentences(passages: list[Passage], query: str, shown: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """(passage index, sentence) pairs in reading order: the sentences that share the question's
    topic words, from the best three passages, within the word budget, leaving out ``shown`` ones."""
    query_stems = (set(stems(query)) - _GENERIC) or set(stems(query))
    candidates: list[tuple[float, int, int, str]] = []
    elsewhere = _other_headings(passages, query)
    for p_index, passage in enumerate(passages[:3]):
        if p_index in elsewhere:
            continue
        for s_index, sentence in enumerate(_sentences(passage.text)):
            if len(sentence.split()) < 4 or _plain(sentence) in shown:
                continue
            if sentence.endswith(":") and _items_after(passage.text, sentence) is None:
                continue  # a lead-in whose list is too long to quote with it
            overlap = _overlap(sentence, query_stems)
            if overlap == 0 and (p_index, s_index) != (0, 0):
                continue  # off-topic sentence: only the top passage's opening may stand without overlap
            score = overlap + (0.3, 0.15, 0.05)[p_index] + (0.05 if s_index == 0 else 0.0)
            candidates.append((score, p_index, s_index, sentence))
    candidates.sort(key=lambda c: -c[0])
    chosen: list[tuple[int, int, str]] = []
    budget = MAX_WORDS
    for score, p_index, s_index, sentence in candidates:
        size = len(sentence.split())
        if chosen and (size > budget or score < 0.6 * candidates[0][0]):
            continue
        chosen.append((p_index, s_index, sentence))
        budget -= size
        if budget <= 0 or len(chosen) == 3:
            break
    chosen.sort()
    return [(p, s) for p, _, s in chosen]


def _section_listing(passages: list[Passage], sections: dict[str, list[Passage]], query: str):
    """(parent title, [(child title, first passage)]) when the question asks for the parts of a
    section ("¿cuáles son las fases?"): the booklet's own headings, as a list."""
    query_stems = set(stems(query)) - _GENERIC
    for passage in passages[:5]:
        if SEPARATOR not in passage.section:
            continue
        parent = passage.section.split(SEPARATOR)[0]
        parent_title = re.sub(r"^\d+\.\s*", "", parent)
        parent_stems = set(stems(parent_title)) - _GENERIC
        if not query_stems or not query_stems <= parent_stems:
            continue  # about the whole section («¿cuáles son las fases?»), not a word of its title
        children = [(s.split(SEPARATOR)[1], ps[0]) for s, ps in sections.items() if s.startswith(parent + SEPARATOR)]
        # "¿cuáles son los pilares de la gobernanza?" names one part: that part's own list answers it;
        # so does "…las fases? y la tercera?", by the number of its heading.
        named = numbers(query)
        names_a_part = any(
            query_stems & (set(stems(title)) - parent_stems) or named & heading_numbers(title) for title, _ in children
        )
        if len(children) >= 2 and not names_a_part:
            return parent_title, children
    return None


def _plain(sentence: str) -> str:
    return " ".join(re.sub(r"\s*\[\d+\]$", "", sentence).removeprefix("• ").removeprefix("- ").split())


def answer_sentences(answer: str) -> frozenset[str]:
    """The booklet sentences an earlier answer showed (its lines without their [n] markers)."""
    return frozenset(_plain(line) for line in answer.split("\n") if line.strip())


def compose_extractive(
    question: str,
    retrieval: Retrieval,
    sections: dict[str, list[Passage]] | None = None,
    *,
    shown: frozenset[str] = frozenset(),
    structured_only: bool = False,
    lists: bool = True,
) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers and the citations it uses, numbered from 1; sentences in
    ``shown`` (a previous answer's, for "explícame más") are passed over when others remain.
    ``structured_only``: only a glossary entry, a section's headings or a named list item, else
    ``""`` (the learned selector answers the rest); ``lists``: also a passage's whole list."""
    passages = retrieval.passages
    if not passages:
        return "", []
    asked = retrieval.asked.expanded  # a long message's own question, without its introduction
    folded = fold(asked)
    top = passages[0]
    used: list[Passage] = []

    def cite(passage: Passage) -> int:
        if passage not in used:
            used.append(passage)
        return used.index(passage) + 1

    lines: list[str] = []
    if top.kind == "glossary" and _DEFINITION.search(folded):
        sentences = split_sentences(top.text)
        body = sentences[0] if sentences[0].endswith(":") else " ".join(sentences[:2])  # a lead-in: its list follows
        block = _list_block(top.text)
        lines.append(f"{body} [{cite(top)}]")
        if block and block[0] not in body:
            lines.append(block[0])
        if block:
            lines.extend(_item(item) for item in block[1])
    else:
        wants_list = bool(_LIST_QUESTION.search(folded))
        outline = _section_listing(passages, sections or {}, asked) if wants_list else None
        listing = _asked_list(passages, asked) if wants_list and (lists or ordinals(question)) else None
        if outline is not None:
            parent_title, children = outline
            lines.append(f"La cartilla lo organiza así ({parent_title}):")
            for number, (title, first) in enumerate(children, start=1):
                label = title if first.kind != "practice" else first.text.split(": ", 1)[-1]
                lines.append(f"{number}. {label} [{cite(first)}]")
        elif listing is not None:
            passage, (lead, items) = listing
            following, more = _continuation(passage, items, sections or {}) or (None, [])
            wanted = ordinals(question)  # "y el tercero?": only that item, wherever the list goes on
            named, named_more = _named_items(items, wanted), _named_items(more, wanted)
            if named or named_more:
                items, more = named, named_more
            lines.append(f"{lead} [{cite(passage)}]")
            lines.extend(_item(item) for item in items)
            if following is not None:  # the list goes on in the next passage
                lines.extend(f"{_item(item)} [{cite(following)}]" for item in more)
        elif structured_only:
            return "", []
        else:
            picked = (_pick_sentences(passages, asked, shown) if shown else []) or _pick_sentences(passages, asked)
            listed: set[str] = set()
            for p_index, sentence in picked:
                if any(_plain(sentence) in item for item in listed):
                    continue  # already shown within an item of the list its lead-in introduced
                lines.append(f"{sentence.lstrip('• ')} [{cite(passages[p_index])}]")
                if sentence.endswith(":"):  # a lead-in: what it introduces comes with it, in order
                    items = _items_after(passages[p_index].text, sentence) or []
                    lines.extend(_item(item) for item in items)
                    listed.update(_plain(item) for item in items)
    citations = [
        Citation(n=i, section=p.section, text=p.text, score=p.score, id=p.id) for i, p in enumerate(used, start=1)
    ]
    return "\n".join(lines), citations
