"""Guided self-diagnosis of an Iniciativa Cluster against the booklet's 13 good practices.

Why this exists: section 6 of the booklet ("Autodiagnóstico para el análisis de buenas
prácticas") is a self-assessment table; this subsystem turns it into a conversation. The
instrument is data (``corpus/diagnosis.yaml``), the engine is a pure state machine over it, and
the report renderers and the terminal loop sit on top. Channels persist ``Session`` and render
``DiagnosisState``.
"""

from __future__ import annotations

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
)
from .report import radar_chart_png, render_html, render_markdown, render_pdf
from .terminal import run_terminal

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
    "answer",
    "back",
    "load_instrument",
    "options_text",
    "parse_answer",
    "radar_chart_png",
    "render_html",
    "render_markdown",
    "render_pdf",
    "restart",
    "result",
    "run_terminal",
    "skip",
    "start",
    "state",
]
