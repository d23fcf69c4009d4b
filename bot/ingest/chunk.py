"""Cut the booklet's sections into structure-aware chunks of about 80–200 words.

Chunks follow the booklet's own units: paragraphs and list items stay whole, a list stays with
the sentence that introduces it, every glossary entry and every self-diagnosis practice is a
chunk of its own, and every chunk carries its section path. Ids hash the content, so a rebuild
knows exactly which vectors it can reuse.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from bot.ingest.clean import Segment, Structure, clean_text, literal_pattern, load_structure, segments
from bot.schemas import Chunk, ChunkKind

_Piece = tuple[tuple[str, ...], str, ChunkKind]  # (section path, text, kind)

__all__ = ["CHUNKER_VERSION", "build_chunks", "chunks_from_text", "corpus_checksum", "SEPARATOR"]

CHUNKER_VERSION = "4"
SEPARATOR = " › "
MIN_WORDS, MAX_WORDS = 80, 200

_ITEM = re.compile(r"^\s*(\d+\.\s|[•\-]\s)")
_NUMBERED = re.compile(r"^\s*\d+\.\s+\S")


def _list_items(block: str) -> list[str]:
    """Split a block whose lines are numbered items ("1. …", "2. …") into one block per item.

    A short item without final punctuation ends at its line, so a sentence printed right after
    a figure's list ("4. Sectores conexos y de apoyo" / "El diamante es…") is not glued to it.
    """
    lines = block.split("\n")
    if sum(1 for line in lines if _NUMBERED.match(line)) < 2:
        return [block]
    items: list[list[str]] = []
    for line in lines:
        previous = items[-1][-1] if items else ""
        ends_item = _NUMBERED.match(previous) and not previous.rstrip().endswith((".", ",", ":"))
        if not items or _NUMBERED.match(line) or (ends_item and line.strip()[:1].isupper()):
            items.append([line])
        else:
            items[-1].append(line)
    return ["\n".join(item) for item in items]


def _paragraphs(body: str) -> list[str]:
    """Paragraphs of a segment; a paragraph indented by two spaces is a bullet item in the PDF."""
    out: list[str] = []
    for block in (b for raw in re.split(r"\n\s*\n", body) for b in _list_items(raw)):
        if not block.strip():
            continue
        bullet = block.lstrip("\n").startswith("  ") and not _ITEM.match(block)
        text = " ".join(block.split())
        if out and not out[-1].endswith((".", ":", ";", "?", "!")) and text[0].islower():
            out[-1] = f"{out[-1]} {text}"  # a sentence cut by a page break
            continue
        out.append(f"• {text}" if bullet else text)
    return out


def _words(text: str) -> int:
    return len(text.split())


def _group(paragraphs: list[str]) -> list[str]:
    """Greedy grouping into 80–200-word chunks; a list's lead-in sentence stays with its items."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for para in paragraphs:
        size = sum(map(_words, current))
        lead_in = bool(current) and current[-1].endswith(":")
        if current and size >= MIN_WORDS and size + _words(para) > MAX_WORDS and not lead_in:
            chunks.append(current)
            current = []
        current.append(para)
    if current:
        if chunks and sum(map(_words, current)) < MIN_WORDS // 2:
            chunks[-1].extend(current)
        else:
            chunks.append(current)
    return ["\n".join(c) for c in chunks]


def _split_long(text: str, limit: int = 260) -> list[str]:
    """Split an over-long single unit (a long glossary entry) at sentence ends."""
    if _words(text) <= limit:
        return [text]
    sentences = re.split(r"(?<=[.”])\s+(?=[A-ZÁÉÍÓÚ“«])", text)
    parts: list[str] = []
    current = ""
    for sentence in sentences:
        if current and _words(current) + _words(sentence) > MAX_WORDS:
            parts.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    parts.append(current)
    return parts


def _glossary(segment: Segment, structure: Structure) -> list[_Piece]:
    body = segment.body
    starts = [(literal_pattern(e["start"]).search(body), e["title"]) for e in structure.glossary]
    if any(m is None for m, _ in starts):
        raise ValueError("a glossary entry of structure.yaml is missing from the corpus")
    starts.sort(key=lambda item: item[0].start())  # type: ignore[union-attr]
    out: list[_Piece] = []
    for i, (match, title) in enumerate(starts):
        end = starts[i + 1][0].start() if i + 1 < len(starts) else len(body)  # type: ignore[union-attr]
        entry = "\n".join(p.removeprefix("• ") for p in _paragraphs(body[match.start() : end]))  # type: ignore[union-attr]
        for part in _split_long(entry, limit=320) if "\n" not in entry else _group(entry.split("\n")):
            out.append(((*segment.path, title), part, "glossary"))
    return out


def _practices(segment: Segment, structure: Structure) -> list[_Piece]:
    spec = structure.practices
    drops = [re.compile(p) for p in spec["drop_lines"]]
    body = "\n".join(line for line in segment.body.split("\n") if not any(p.match(line) for p in drops))
    paragraphs = _paragraphs(body)
    statements = [p for p in paragraphs if p.startswith(spec["statement_start"])]
    if len(statements) != spec["count"]:
        raise ValueError(f"expected {spec['count']} self-diagnosis practices, found {len(statements)}")
    intro = [p for p in paragraphs if not p.startswith(spec["statement_start"])] + [spec["scale"]]
    out: list[_Piece] = [(segment.path, text, "text") for text in _group(intro)]
    for n, statement in enumerate(statements, start=1):
        text = f"Buena práctica {n} de 13 del autodiagnóstico (Gráfica 2): {statement}"
        out.append(((*segment.path, f"Práctica {n}"), text, "practice"))
    return out


def chunks_from_text(raw: str, structure: Structure) -> list[Chunk]:
    """All chunks of the booklet in reading order."""
    pieces: list[_Piece] = []
    for segment in segments(clean_text(raw, structure), structure):
        if segment.glossary:
            pieces.extend(_glossary(segment, structure))
        elif segment.table == "practices":
            pieces.extend(_practices(segment, structure))
        else:
            paragraphs = _paragraphs(segment.body)
            pieces.extend((segment.path, part, "text") for part in _group(paragraphs))
    chunks = []
    for ordinal, (path, text, kind) in enumerate(pieces):
        section = SEPARATOR.join(path)
        digest = hashlib.sha256(f"{section}\n{text}".encode()).hexdigest()[:16]
        chunks.append(Chunk(id=digest, section=section, title=path[-1], text=text, kind=kind, ordinal=ordinal))
    return chunks


def build_chunks(corpus_dir: Path) -> list[Chunk]:
    """Chunks of the booklet under ``corpus_dir`` (the text plus ``structure.yaml``)."""
    structure = load_structure(corpus_dir / "structure.yaml")
    raw = (corpus_dir / "abc-iniciativas-cluster.txt").read_text(encoding="utf-8")
    return chunks_from_text(raw, structure)


def corpus_checksum(corpus_dir: Path) -> str:
    """sha256 over what ingestion reads: a change to either file makes the index stale."""
    digest = hashlib.sha256()
    for name in ("abc-iniciativas-cluster.txt", "structure.yaml"):
        digest.update((corpus_dir / name).read_bytes())
    return digest.hexdigest()
