"""Typed shapes that cross module boundaries: chunks, passages, answers.

The answer object is a public interface (CLI ``--json``, ``POST /api/ask``), so its shape lives
here once and every channel serialises the same model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["Chunk", "Passage", "Citation", "Answer", "AnswerKind", "ChunkKind"]

ChunkKind = Literal["text", "glossary", "practice"]
AnswerKind = Literal["answer", "partial", "refusal", "smalltalk", "diagnosis_offer"]


class Chunk(BaseModel):
    """A structure-aware piece of the booklet, the unit of retrieval and citation."""

    id: str = Field(description="Content-hashed stable id")
    section: str = Field(description="Section path, levels joined by ' › '")
    title: str = Field(description="Last level of the section path")
    text: str = Field(description="Clean text; paragraphs and list items separated by newlines")
    kind: ChunkKind = "text"
    ordinal: int = Field(description="Position in reading order")

    @property
    def embed_text(self) -> str:
        """What gets embedded: the section path gives short passages their topic."""
        return f"{self.section}\n{self.text}"


class Passage(BaseModel):
    """A retrieved chunk with its score for one query (higher is better)."""

    id: str
    section: str
    text: str
    score: float
    kind: str = "text"


class Citation(BaseModel):
    n: int = Field(description="Number used in the answer as [n]")
    section: str
    text: str
    score: float
    id: str = ""


class Answer(BaseModel):
    """The answer object every channel receives (the HTTP API returns it as JSON)."""

    question: str
    answer: str
    in_scope: bool
    citations: list[Citation] = []
    passages: list[Passage] = []
    suggestions: list[str] = []
    answerer: Literal["extractive", "llm", "refusal"] = "extractive"
    conversation_id: str | None = None
    # What kind of turn this was, so every channel renders it properly: a cited answer, a partial
    # answer (the booklet covers the topic but not what was asked), a refusal, small talk
    # (greetings, thanks, questions about the advisor) or an offer to start the self-diagnosis.
    kind: AnswerKind = "answer"
    # The answer was shortened: «Explícame más» (a «Ver más» control) gives the rest.
    more: bool = False
