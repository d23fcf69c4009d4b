"""Undo what PDF extraction did to the booklet, driven by ``corpus/structure.yaml``.

The rules are data so a new edition of the booklet changes a YAML file, not code: hyphenated
line breaks are joined, page furniture dropped, footnote markers fixed, figure lists moved back
after the sentence that introduces them, and the text cut into sections by their heading markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["Segment", "Structure", "load_structure", "clean_text", "dehyphenate", "segments", "literal_pattern"]

_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\n(?:[ \t]*\n)?[ \t]*(\w)")


@dataclass(frozen=True)
class Segment:
    path: tuple[str, ...]
    body: str
    glossary: bool = False
    table: str | None = None


@dataclass
class Structure:
    furniture: list[str]
    replacements: list[dict]
    moves: list[dict]
    drops: list[str]
    segments: list[dict]
    glossary: list[dict]
    practices: dict


def load_structure(path: Path) -> Structure:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    keys = ("furniture", "replacements", "moves", "drops", "segments", "glossary", "practices")
    return Structure(**{k: data[k] for k in keys})


def literal_pattern(literal: str, *, whole_lines: bool = False) -> re.Pattern[str]:
    """A literal whose spaces and line breaks match any whitespace run.

    With ``whole_lines`` it must fill its lines, as a heading does (so "Colombia Productiva"
    the heading is not found inside a sentence that mentions it).
    """
    body = r"\s+".join(re.escape(p) for p in literal.split())
    if whole_lines:
        return re.compile(r"^[ \t]*" + body + r"[ \t]*$", re.MULTILINE)
    return re.compile(body)


def _find(pattern_text: str, text: str, start: int = 0, *, whole_lines: bool = False) -> re.Match[str]:
    match = literal_pattern(pattern_text, whole_lines=whole_lines).search(text, start)
    if match is None:
        raise ValueError(f"structure.yaml marker not found in the corpus: {pattern_text!r}")
    return match


def dehyphenate(text: str) -> str:
    """Join words the PDF broke across lines ("coope-\nración"), even over a page-break blank line."""
    return _HYPHEN_BREAK.sub(r"\1\2", text)


def clean_text(raw: str, structure: Structure) -> str:
    """The booklet text with extraction damage undone, still with its line structure."""
    text = raw.replace("\r\n", "\n").replace("\u00a0", " ")
    text = dehyphenate(text)
    furniture = [re.compile(p) for p in structure.furniture]
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if not any(p.match(line) for p in furniture))
    for rule in structure.replacements:
        match = _find(rule["find"], text)
        text = text[: match.start()] + rule["replace"] + text[match.end() :]
    for move in structure.moves:
        begin = _find(move["from"], text)
        end = _find(move["to"], text, begin.start())
        block = text[begin.start() : end.end()]
        text = text[: begin.start()] + text[end.end() :]
        anchor = _find(move["after"], text)
        text = text[: anchor.end()] + "\n\n" + block + "\n" + text[anchor.end() :]
    for drop in structure.drops:
        match = _find(drop, text)
        text = text[: match.start()] + "\n" + text[match.end() :]
    return text


def segments(text: str, structure: Structure) -> list[Segment]:
    """Cut the clean text at each section marker; markers must appear in the given order."""
    found: list[tuple[int, int, dict]] = []
    position = 0
    for spec in structure.segments:
        match = _find(spec["start"], text, position, whole_lines=not spec.get("keep_start"))
        body_start = match.start() if spec.get("keep_start") else match.end()
        found.append((match.start(), body_start, spec))
        position = match.end()
    out: list[Segment] = []
    for i, (_, body_start, spec) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        out.append(
            Segment(
                path=tuple(spec["path"]),
                body=text[body_start:end],
                glossary=bool(spec.get("glossary")),
                table=spec.get("table"),
            )
        )
    return out
