"""The self-diagnosis service: sessions started, advanced and saved, for every channel alike.

Why this exists: the engine (``bot.diagnosis``) is pure; this layer adds the store, so the web,
Telegram and the terminal all go through the same path: every step is saved before it returns,
and every write is compare-and-set on the row version, so two workers (a double click, two tabs,
a terminal and a browser) cannot both apply one question or silently undo each other. A write
that finishes a diagnosis tells the recorder (the staff console) its anonymous outcome, with the
channel it was finished on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from bot import diagnosis as dx
from bot.console.events import DiagnosisOutcome, diagnosis_outcome
from bot.errors import InvalidInput, NotFound
from bot.ids import new_id
from bot.store import StaleWrite, Store

from .guard import guard_store

__all__ = ["Diagnoses", "ReportFormat", "REPORT_TYPES"]

ReportFormat = Literal["md", "html", "png", "pdf"]
REPORT_TYPES: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "png": "image/png",
    "pdf": "application/pdf",
}
_FINISHED = "Este autodiagnóstico ya terminó. Puede reiniciarlo si quiere."
_STALE = "Esa pregunta ya se había respondido desde otra ventana o dispositivo; esta es la pregunta que sigue."


class Diagnoses:
    """Every operation takes a diagnosis id and returns the new ``DiagnosisState``."""

    def __init__(
        self,
        store: Store,
        instrument: dx.Instrument,
        *,
        ids: Callable[[], str] = new_id,
        recorder: Callable[[DiagnosisOutcome], None] | None = None,
    ) -> None:
        self._store, self._instrument, self._ids = store, instrument, ids
        self._recorder = recorder

    @property
    def instrument(self) -> dx.Instrument:
        """The questionnaire (read-only data: practices, areas, levels), for texts such as the intro."""
        return self._instrument

    def _load(self, diagnosis_id: str) -> tuple[dx.Session, int]:
        loaded = guard_store(lambda: self._store.load_diagnosis_versioned(diagnosis_id=diagnosis_id))
        if loaded is None:
            raise NotFound("No existe un autodiagnóstico con ese identificador.", code="diagnostico_no_encontrado")
        return dx.Session.model_validate(loaded[0]), loaded[1]

    def _write(self, session: dx.Session, version: int | None, channel: str | None = None) -> None:
        """Save compare-and-set; with ``channel``, a session this write finishes is recorded."""
        guard_store(
            lambda: self._store.save_diagnosis(
                diagnosis_id=session.id,
                data=session.model_dump(mode="json"),
                finished=session.finished,
                expected_version=version,
            )
        )
        if channel is not None and session.finished and self._recorder is not None:
            self._recorder(diagnosis_outcome(self._instrument, session, channel=channel))

    def _apply(
        self, diagnosis_id: str, change: Callable[[dx.Session], dx.Session], channel: str | None = None
    ) -> dx.DiagnosisState:
        """Load, change and save compare-and-set; a lost race returns the state that won."""
        session, version = self._load(diagnosis_id)
        changed = change(session)
        try:
            self._write(changed, version, channel if not session.finished else None)
        except StaleWrite:
            return self.state(diagnosis_id)
        return dx.state(self._instrument, changed)

    def start(self) -> dx.DiagnosisState:
        session = dx.start(self._ids())
        self._write(session, None)
        return dx.state(self._instrument, session)

    def state(self, diagnosis_id: str) -> dx.DiagnosisState:
        return dx.state(self._instrument, self._load(diagnosis_id)[0])

    def answer(
        self, diagnosis_id: str, raw: int | str, *, question: int | None = None, channel: str = "cli"
    ) -> dx.StepOutcome:
        """Apply one answer to the current question; the typed outcome says what happened.

        ``question`` is the practice the person was looking at, when the channel knows it: if
        another window has moved on since, the answer is not applied to a question they never
        saw. Saved compare-and-set: if two workers get an answer for the same question at once (a
        double click, two tabs, a terminal and a browser), only the first is applied; the other
        gets the current state and a message saying so. ``channel`` (web, telegram, cli, whatsapp)
        is noted with the outcome when this answer finishes the diagnosis."""
        session, version = self._load(diagnosis_id)
        if session.finished:
            return dx.StepOutcome(state=dx.state(self._instrument, session), accepted=False, message=_FINISHED)
        if question is not None and question != session.position:
            return dx.StepOutcome(state=dx.state(self._instrument, session), accepted=False, message=_STALE)
        step = dx.answer(self._instrument, session, raw)
        if not step.accepted:
            return dx.StepOutcome(state=dx.state(self._instrument, session), accepted=False, message=step.message)
        try:
            self._write(step.session, version, channel)
        except StaleWrite:
            return dx.StepOutcome(state=self.state(diagnosis_id), accepted=False, message=_STALE)
        return dx.StepOutcome(
            state=dx.state(self._instrument, step.session), accepted=True, message=step.message, noted=step.noted
        )

    def pending(self, diagnosis_id: str) -> list[int]:
        """Practices skipped and not answered yet (offered again at the end)."""
        return list(self._load(diagnosis_id)[0].skipped)

    def back(self, diagnosis_id: str) -> dx.DiagnosisState:
        return self._apply(diagnosis_id, dx.back)

    def skip(self, diagnosis_id: str, *, channel: str = "cli") -> dx.DiagnosisState:
        """Skip the current question (skipping the last pending one can finish the diagnosis)."""
        return self._apply(diagnosis_id, lambda session: dx.skip(self._instrument, session), channel)

    def restart(self, diagnosis_id: str) -> dx.DiagnosisState:
        return self._apply(diagnosis_id, dx.restart)

    def report(self, diagnosis_id: str, fmt: ReportFormat) -> bytes:
        session = self._load(diagnosis_id)[0]
        if not session.finished:
            raise InvalidInput(
                "El informe estará listo cuando responda las 13 preguntas.", code="diagnostico_incompleto"
            )
        outcome = dx.result(self._instrument, session)
        if fmt == "md":
            return dx.render_markdown(self._instrument, outcome).encode()
        chart = dx.radar_chart_png(outcome)
        if fmt == "png":
            return chart
        if fmt == "html":
            return dx.render_html(self._instrument, outcome, chart).encode()
        return dx.render_pdf(self._instrument, outcome, chart)
