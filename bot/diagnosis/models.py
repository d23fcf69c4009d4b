"""Data shapes of the self-diagnosis that leave the engine: session, step, state and result.

Why this exists: every channel (CLI, HTTP API, web widget, Telegram) renders the same JSON, and
the store persists the same session. Keeping those shapes in one module, as pydantic v2 models
with ``extra="forbid"``, makes the contract explicit: ``DiagnosisState.model_dump(mode="json")`` is
exactly ``{"id", "finished", "answered", "total", "progress", "question", "result"}``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .instrument import PRACTICE_COUNT

__all__ = [
    "AreaScore",
    "DiagnosisResult",
    "DiagnosisState",
    "LevelView",
    "OptionView",
    "QuestionView",
    "RecommendationItem",
    "Session",
    "Step",
    "StepOutcome",
]

PracticeIndex = Annotated[int, Field(ge=1, le=PRACTICE_COUNT)]
AnswerValue = Annotated[int, Field(ge=0, le=2)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Session(_Model):
    """Everything needed to resume a diagnosis; persisted by the store between messages.

    ``position`` is the current question (1..13) or ``14`` once finished. ``skipped`` lists the
    practices the user chose to skip and has not answered yet.
    """

    id: str = Field(min_length=1)
    answers: dict[PracticeIndex, AnswerValue] = Field(default_factory=dict)
    position: int = Field(default=1, ge=1, le=PRACTICE_COUNT + 1)
    finished: bool = False
    skipped: list[PracticeIndex] = Field(default_factory=list)


class Step(_Model):
    """Outcome of feeding one answer to the engine."""

    session: Session
    accepted: bool
    message: str = Field(description="Spanish text for the user (acknowledgement or re-ask).")
    noted: str | None = Field(default=None, description="Label of the option recorded, when accepted.")


class OptionView(_Model):
    value: Literal[0, 1, 2]
    label: str


class QuestionView(_Model):
    index: PracticeIndex
    practice: str = Field(description="Name of the practice's area.")
    text: str = Field(description="Plain-language question.")
    statement: str = Field(description="The booklet's wording of the practice.")
    help: str
    options: list[OptionView]


class LevelView(_Model):
    id: str
    name: str
    meaning: str


class AreaScore(_Model):
    id: str
    name: str
    score: int
    max: int
    percent: float


class RecommendationItem(_Model):
    practice: PracticeIndex
    question: str = Field(description="The practice's short question.")
    level: AnswerValue = Field(description="Answer given (unanswered practices count as 0).")
    unanswered: bool = False
    text: str
    section: str = Field(description="Booklet section backing the recommendation.")
    quote: str = Field(description="Booklet passage backing the recommendation.")


class DiagnosisResult(_Model):
    total: int
    max_total: int
    percent: float
    level: LevelView
    areas: list[AreaScore]
    strongest_areas: list[str] = Field(description="Names of the areas that stand out.")
    recommendations: list[RecommendationItem] = Field(description="Ordered by priority.")
    unanswered: list[PracticeIndex] = Field(description="Practices skipped and counted as 0.")


class DiagnosisState(_Model):
    id: str
    finished: bool
    answered: int
    total: int = PRACTICE_COUNT
    progress: str
    question: QuestionView | None
    result: DiagnosisResult | None


class StepOutcome(_Model):
    """What one answer did, for a channel to render (it re-derives nothing).

    ``accepted``: the answer was understood and saved. ``message``: the Spanish text to show —
    the acknowledgement («Anotado: «…».») when accepted; otherwise why not (not understood, the
    diagnosis is finished, or another window answered first). ``noted``: the option recorded."""

    state: DiagnosisState
    accepted: bool
    message: str
    noted: str | None = None
