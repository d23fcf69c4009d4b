"""Turn plain-text blocks into Telegram HTML messages that fit the 4096-character limit.

Why this exists: Telegram rejects a message longer than 4096 characters, and cutting an HTML
message blindly can break a tag (``<b>``) or an entity (``&amp;``), which Telegram also rejects.
So splitting happens on the *plain* text, at the best boundary available (paragraph, line,
sentence, word), and only then is each piece escaped and wrapped. Lengths are measured on the
final HTML in UTF-16 code units, which is conservative: Telegram counts the text after parsing,
so markup and escapes only ever make our estimate larger than the real length.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Block", "MESSAGE_LIMIT", "blocks_from_text", "pack", "tg_len"]

MESSAGE_LIMIT = 4096
Style = Literal["plain", "bold", "italic"]
_TAGS: dict[str, tuple[str, str]] = {"plain": ("", ""), "bold": ("<b>", "</b>"), "italic": ("<i>", "</i>")}
_SEPARATOR = "\n\n"
_SENTENCE_END = re.compile(r"[.!?;:…»)\]](?=\s)")


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji outside the BMP counts 2."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Block:
    """One paragraph of plain text with a style for the whole paragraph."""

    text: str
    style: Style = "plain"

    def html(self) -> str:
        opening, closing = _TAGS[self.style]
        return f"{opening}{html.escape(self.text, quote=False)}{closing}"


def blocks_from_text(text: str, style: Style = "plain") -> list[Block]:
    """Paragraphs (separated by blank lines) of ``text`` as blocks; single newlines are kept."""
    paragraphs = (p.strip() for p in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")))
    return [Block(p, style) for p in paragraphs if p]


def _fit(text: str, budget: int) -> int:
    """Largest prefix length of ``text`` whose escaped form fits in ``budget`` units."""
    used = 0
    for i, char in enumerate(text):
        used += tg_len(html.escape(char, quote=False))
        if used > budget:
            return i
    return len(text)


def _cut(text: str, end: int) -> int:
    """The best place to cut ``text`` at or before ``end``: line, sentence, word or hard cut."""
    floor = end // 2  # a boundary in the first half would waste too much room
    line = text.rfind("\n", floor, end)
    if line > 0:
        return line + 1
    sentences = [m.end() for m in _SENTENCE_END.finditer(text, floor, end)]
    if sentences:
        return sentences[-1]
    space = text.rfind(" ", floor, end)
    if space > 0:
        return space + 1
    return end


def _split_block(block: Block, limit: int) -> list[Block]:
    opening, closing = _TAGS[block.style]
    budget = limit - tg_len(opening) - tg_len(closing)
    pieces: list[Block] = []
    rest = block.text
    while rest:
        end = _fit(rest, budget)
        if end >= len(rest):
            pieces.append(Block(rest, block.style))
            break
        cut = _cut(rest, max(end, 1))
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            pieces.append(Block(head, block.style))
    return pieces


def pack(blocks: list[Block], limit: int = MESSAGE_LIMIT) -> list[str]:
    """HTML messages, each at most ``limit`` units, holding the blocks in order.

    Blocks are joined by a blank line; a block that does not fit in one message on its own is
    split at a plain-text boundary first, so no tag or entity is ever cut.
    """
    if limit < 64:
        raise ValueError("limit too small to hold a paragraph")
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _split_block(block, limit):
            rendered = piece.html()
            candidate = f"{current}{_SEPARATOR}{rendered}" if current else rendered
            if tg_len(candidate) <= limit:
                current = candidate
                continue
            messages.append(current)
            current = rendered
    if current:
        messages.append(current)
    return messages
