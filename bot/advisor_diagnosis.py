"""The self-diagnosis half of the ``Advisor`` façade: sessions loaded, advanced and saved.

Kept apart from question answering so each file stays readable; ``Advisor`` inherits it. The
engine (``bot.diagnosis``) is pure; this layer adds the store: every step is saved before it
returns, and an answer is saved compare-and-set so two workers cannot both apply one question.
"""

from __future__ import annotations

import secrets
import time
from typing import Literal

from bot import diagnosis as dx
from bot.console.events import DiagnosisOutcome
from bot.errors import InvalidInput, NotFound, Unavailable
from bot.store import StaleWrite, Store, StoreUnavailable

__all__ = ["DiagnosisMixin", "ReportFormat", "REPORT_TYPES", "guard_store"]

ReportFormat = Literal["md", "html", "png", "pdf"]
REPORT_TYPES: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "png": "image/png",
    "pdf": "application/pdf",
}


def guard_store(work):
    """Run a store call; a database that cannot be used becomes a Spanish 503."""
    try:
        return work()
    except StoreUnavailable as error:
        raise Unavailable(
            "El asesor no puede guardar ni leer datos en este momento. Intente de nuevo en unos segundos; "
            "no se perdió ninguna respuesta ya registrada.",
            code="almacen_no_disponible",
        ) from error


class DiagnosisMixin:
    """Needs ``self.store``, ``self.instrument`` and ``self.recorders``."""

    store: Store
    instrument: dx.Instrument
    recorders: list
    _guard = staticmethod(guard_store)

    def _record_outcome(self, session: dx.Session, channel: str) -> None:
        """Tell the recorders (the staff console) that a diagnosis finished: level and values only."""
        if not self.recorders or not session.finished:
            return
        outcome = dx.result(self.instrument, session)
        practices = {p.index: (p.area, session.answers.get(p.index, 0)) for p in self.instrument.practices}
        event = DiagnosisOutcome(created_at=time.time(), diagnosis_id=session.id, channel=channel,
                                 level_id=outcome.level.id, level_name=outcome.level.name, total=outcome.total,
                                 percent=outcome.percent, practices=practices)
        for record in self.recorders:
            record(event)

    def _flush_recorders(self) -> None:
        """Write what the recorders hold now, so that a deletion that follows reaches it too."""
        for recorder in self.recorders:
            flush = getattr(recorder, "flush", None)
            if flush is not None:
                flush()

    def _load_session(self, diagnosis_id: str) -> dx.Session:
        return self._load_versioned(diagnosis_id)[0]

    def _load_versioned(self, diagnosis_id: str) -> tuple[dx.Session, int]:
        loaded = self._guard(lambda: self.store.load_diagnosis_versioned(diagnosis_id=diagnosis_id))
        if loaded is None:
            raise NotFound("No existe un autodiagnóstico con ese identificador.", code="diagnostico_no_encontrado")
        return dx.Session.model_validate(loaded[0]), loaded[1]

    def _save(self, session: dx.Session, channel: str | None = None) -> dx.DiagnosisState:
        self._guard(lambda: self.store.save_diagnosis(
            diagnosis_id=session.id, data=session.model_dump(mode="json"), finished=session.finished))
        if channel is not None:
            self._record_outcome(session, channel)
        return dx.state(self.instrument, session)

    def diagnosis_start(self) -> dx.DiagnosisState:
        return self._save(dx.start(secrets.token_urlsafe(16)))

    def diagnosis_session(self, diagnosis_id: str | None = None) -> dx.Session:
        """The raw session, for channels that drive the pure engine themselves (the terminal)."""
        return self._load_session(diagnosis_id) if diagnosis_id else dx.start(secrets.token_urlsafe(16))

    def diagnosis_save(self, session: dx.Session, *, channel: str = "cli") -> None:
        self._save(session, channel)

    def diagnosis_state(self, diagnosis_id: str) -> dx.DiagnosisState:
        return dx.state(self.instrument, self._load_session(diagnosis_id))

    def diagnosis_answer(self, diagnosis_id: str, raw: int | str, *,
                         channel: str = "web") -> tuple[dx.DiagnosisState, str | None]:
        """(new state, Spanish message when the answer was not understood or not applied).

        Saved compare-and-set: if two workers get an answer for the same question at once (a
        double click, two tabs), only the first is applied; the other returns the current state."""
        session, version = self._load_versioned(diagnosis_id)
        if session.finished:
            return dx.state(self.instrument, session), "Este autodiagnóstico ya terminó. Puede reiniciarlo si quiere."
        step = dx.answer(self.instrument, session, raw)
        if not step.accepted:
            return dx.state(self.instrument, session), step.message
        try:
            self._guard(lambda: self.store.save_diagnosis(diagnosis_id=diagnosis_id, expected_version=version,
                        data=step.session.model_dump(mode="json"), finished=step.session.finished))
        except StaleWrite:
            return self.diagnosis_state(diagnosis_id), ("Esa pregunta ya se había respondido desde otra ventana o "
                                                        "dispositivo; esta es la pregunta que sigue.")
        self._record_outcome(step.session, channel)
        return dx.state(self.instrument, step.session), None

    def diagnosis_back(self, diagnosis_id: str) -> dx.DiagnosisState:
        return self._save(dx.back(self._load_session(diagnosis_id)))

    def diagnosis_skip(self, diagnosis_id: str, *, channel: str = "web") -> dx.DiagnosisState:
        return self._save(dx.skip(self.instrument, self._load_session(diagnosis_id)), channel)

    def diagnosis_restart(self, diagnosis_id: str) -> dx.DiagnosisState:
        return self._save(dx.restart(self._load_session(diagnosis_id)))

    def diagnosis_report(self, diagnosis_id: str, fmt: ReportFormat) -> bytes:
        session = self._load_session(diagnosis_id)
        if not session.finished:
            raise InvalidInput("El informe estará listo cuando responda las 13 preguntas.", code="diagnostico_incompleto")
        outcome = dx.result(self.instrument, session)
        if fmt == "md":
            return dx.render_markdown(self.instrument, outcome).encode()
        chart = dx.radar_chart_png(outcome)
        if fmt == "png":
            return chart
        if fmt == "html":
            return dx.render_html(self.instrument, outcome, chart).encode()
        return dx.render_pdf(self.instrument, outcome, chart)
