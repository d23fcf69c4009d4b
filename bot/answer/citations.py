"""Check a generated answer's citations in code, against the passages the model was given.

Why this exists: a chat model can cite a passage that does not exist, leave a claim uncited or
cite a passage that says something else. The generative answer is only shown when every
sentence carries a ``[n]``, every ``n`` is a passage the model saw, and every cited passage
shares the claim's content words (Spanish stems, stop words removed, see ``bot.text``);
otherwise the advisor falls back to the extractive answer. The check is deliberately lexical:
it cannot prove a claim true, but it rejects the common failures of small models (invented
numbers, made-up sources, answers about something else).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.schemas import Citation, Passage
from bot.text import stem, stems

__all__ = ["CitationCheck", "check_citations", "clean_generated", "MIN_SUPPORT"]

MIN_SUPPORT = 0.4  # share of a claim's content stems that its cited passages must contain
_MARK = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LEADING_MARKS = re.compile(r"^((?:\[\d+(?:\s*[,;]\s*\d+)*\]\s*)+)")
_GENERIC = {stem(w) for w in ("iniciativa", "iniciativas", "cluster", "clusters", "cartilla", "colombia")}
_LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass
class CitationCheck:
    ok: bool
    reason: str  # "ok", "empty", "no_citation", "unknown_source", "unsupported"
    text: str
    citations: list[Citation] = field(default_factory=list)
    detail: str = ""


def clean_generated(text: str) -> str:
    """Tidy model output: markdown emphasis and headings out, blank lines squeezed."""
    text = text.replace("**", "").replace("__", "")
    lines = [re.sub(r"^#+\s*", "", line).rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _claims(text: str) -> list[str]:
    """Sentences and list items; a citation written after the full stop belongs to the sentence before."""
    claims: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            lead = _LEADING_MARKS.match(piece)
            if lead and claims:
                claims[-1] = f"{claims[-1]} {lead.group(1).strip()}"
                piece = piece[lead.end() :].strip()
            if piece:
                claims.append(piece)
    return claims


def _numbers(claim: str) -> list[int]:
    return [int(n) for group in _MARK.findall(claim) for n in re.split(r"\s*[,;]\s*", group)]


def _is_lead_in(claim: str) -> bool:
    """A short line that only introduces a list ("Las fases son:") makes no claim of its own."""
    return claim.endswith(":") and len(claim.split()) <= 12 and not _MARK.search(claim)


def check_citations(text: str, passages: list[Passage]) -> CitationCheck:
    """Verify ``text`` (the model's answer) against ``passages`` (numbered from 1, as in the prompt)."""
    text = clean_generated(text)
    claims = _claims(text)
    if not claims or not any(stems(_MARK.sub(" ", c)) for c in claims):
        return CitationCheck(False, "empty", text)
    passage_stems = [set(stems(f"{p.section}\n{p.text}")) for p in passages]
    used: list[int] = []
    for claim in claims:
        if _is_lead_in(claim):
            continue
        numbers = _numbers(claim)
        words = set(stems(_LIST_PREFIX.sub("", _MARK.sub(" ", claim))))
        if not numbers:
            if not words:
                continue  # a lone citation line or punctuation
            return CitationCheck(False, "no_citation", text, detail=claim)
        unknown = [n for n in numbers if not 1 <= n <= len(passages)]
        if unknown:
            return CitationCheck(False, "unknown_source", text, detail=f"[{unknown[0]}] {claim}")
        topical = (words - _GENERIC) or words
        cited = set().union(*(passage_stems[n - 1] for n in numbers))
        for n in numbers:
            if not topical & passage_stems[n - 1]:
                return CitationCheck(False, "unsupported", text, detail=f"[{n}] {claim}")
        if topical and len(topical & cited) / len(topical) < MIN_SUPPORT:
            return CitationCheck(False, "unsupported", text, detail=claim)
        used.extend(n for n in numbers if n not in used)
    if not used:
        return CitationCheck(False, "no_citation", text, detail=text)
    citations = [
        Citation(
            n=n,
            section=passages[n - 1].section,
            text=passages[n - 1].text,
            score=passages[n - 1].score,
            id=passages[n - 1].id,
        )
        for n in sorted(used)
    ]
    return CitationCheck(True, "ok", text, citations)
