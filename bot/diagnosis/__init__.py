"""Guided self-diagnosis of an Iniciativa Cluster against the booklet's 13 good practices.

Why this exists: section 6 of the booklet ("Autodiagnóstico para el análisis de buenas
prácticas") is a self-assessment table; this subsystem turns it into a conversation. The
instrument is data (``corpus/diagnosis.yaml``), the engine is a pure state machine over it, and
``present`` says how a result reads (every channel's wording), the report renderers sit on top.
The services (``bot.services.diagnoses``) persist ``Session``; channels render ``DiagnosisState``
and ``StepOutcome``.
"""

from __future__ import annotations

from . import present
from .answers import parse_answer
from .engine import DONE_POSITION, answer, back, options_text, restart, result, skip, start, state
from .instrument import DEFAULT_INSTRUMENT_PATH, PRACTICE_COUNT, Instrument, load_instrument
from .models import (
    AreaScore,
    DiagnosisResult,
    DiagnosisState,
    LevelView,
    OptionView,
    QuestionView,
    RecommendationItem,
    Session,
    Step,
    StepOutcome,
)
from .report import radar_chart_png, render_html, render_markdown, render_pdf

__all__ = [
    "DEFAULT_INSTRUMENT_PATH",
    "DONE_POSITION",
    "PRACTICE_COUNT",
    "AreaScore",
    "DiagnosisResult",
    "DiagnosisState",
    "Instrument",
    "LevelView",
    "OptionView",
    "QuestionView",
    "RecommendationItem",
    "Session",
    "Step",
    "StepOutcome",
    "answer",
    "back",
    "load_instrument",
    "options_text",
    "parse_answer",
    "present",
    "radar_chart_png",
    "render_html",
    "render_markdown",
    "render_pdf",
    "restart",
    "result",
    "skip",
    "start",
    "state",
]
