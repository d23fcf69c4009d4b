"""Split plain text into WhatsApp messages under the 4096-character limit, at paragraph boundaries.

Why this exists: the Cloud API rejects a text body over 4096 characters, and a long answer (or a
diagnosis result with its recommendations) cut blindly reads badly. Telegram's splitter
(``bot.telegram.split``) cannot be reused as is: it escapes HTML and counts UTF-16 units for
Telegram's parse mode, while WhatsApp takes plain text with its own light markup. Paragraphs are
kept whole and packed together while they fit; a paragraph longer than a message is cut at a
line, sentence or word boundary.
"""

from __future__ import annotations

import re

__all__ = ["TEXT_LIMIT", "split_text"]

TEXT_LIMIT = 4096
_SENTENCE_END = re.compile(r"[.!?;:…»)\]](?=\s)")


def _cut(text: str, end: int) -> int:
    floor = end // 2  # a boundary in the first half would waste too much room
    line = text.rfind("\n", floor, end)
    if line > 0:
        return line + 1
    sentences = [m.end() for m in _SENTENCE_END.finditer(text, floor, end)]
    if sentences:
        return sentences[-1]
    space = text.rfind(" ", floor, end)
    return space + 1 if space > 0 else end


def _pieces(paragraph: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(paragraph) > limit:
        cut = _cut(paragraph, limit)
        head, paragraph = paragraph[:cut].rstrip(), paragraph[cut:].lstrip()
        if head:
            pieces.append(head)
    return [*pieces, paragraph] if paragraph else pieces


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Messages of at most ``limit`` characters holding ``text``'s paragraphs in order."""
    if limit < 64:
        raise ValueError("limit too small to hold a paragraph")
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")) if p.strip()]
    messages: list[str] = []
    current = ""
    for paragraph in paragraphs:
        for piece in _pieces(paragraph, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages
