"""The staff console service: what the ``/staff`` pages ask for, as plain data.

Why this exists: the channel (``bot/staff``) must not reach the store, the index or the
embedder. ``StaffConsole`` is constructed with its collaborators (accounts, analytics, grouper,
instrument) and ``build_staff_console(settings, store, embedder, clock)`` wires them; the
composition root plugs the result in beside the advisor. Every text leaving here is masked.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

from bot import diagnosis as dx
from bot.answer.scope import DEFAULT_CALIBRATION
from bot.console import charts
from bot.console.accounts import Accounts
from bot.console.analytics import Analytics, Period
from bot.console.events import FEEDBACK_REASONS
from bot.console.groups import QuestionGrouper
from bot.console.masking import mask_personal_data
from bot.console.recorder import Recorder
from bot.index.batching import lower_thread_priority
from bot.settings import Settings
from bot.store import Store
from bot.store_staff import MARKS, StaffStore

__all__ = ["StaffConsole", "build_staff_console", "open_staff_console", "Period", "MARK_LABELS", "KIND_LABELS"]

MARK_LABELS = {
    "reviewed": "revisado",
    "out_of_scope": "fuera del alcance de la cartilla",
    "eval": "añadir al conjunto de evaluación",
}
KIND_LABELS = {
    "answer": "respuesta",
    "partial": "respuesta parcial",
    "refusal": "rechazo",
    "smalltalk": "conversación",
    "diagnosis_offer": "oferta de autodiagnóstico",
}


class StaffConsole:
    def __init__(
        self,
        *,
        staff_store: StaffStore,
        accounts: Accounts,
        analytics: Analytics,
        grouper: QuestionGrouper,
        instrument: dx.Instrument,
        recorder: Recorder,
        clock=time.time,
    ) -> None:
        self.staff_store, self.accounts, self.analytics = staff_store, accounts, analytics
        self.grouper, self.instrument, self.recorder, self.clock = grouper, instrument, recorder, clock
        self.practice_names = {p.index: p.short for p in instrument.practices}
        self.practice_areas = {p.index: p.area for p in instrument.practices}
        self.area_names = {a.id: a.name for a in instrument.areas}
        self._charts = charts.ImageCache()

    # Pages as data ------------------------------------------------------------------------------
    def volume(self, period: Period) -> dict:
        per_day = self.analytics.per_day(period)
        kinds = [{**row, "tipo": KIND_LABELS.get(row["tipo"], row["tipo"])} for row in self.analytics.kinds(period)]
        return {
            "per_day": per_day,
            "kinds": kinds,
            "channels": self.analytics.channels(period),
            "total": sum(int(r["preguntas"]) for r in per_day),
            "median_latency_ms": self.analytics.median_latency(period),
        }

    def _groups(self, rows: list[dict]) -> list[dict]:
        out = []
        for group in self.grouper.group(rows):
            item = asdict(group)
            item["question"] = mask_personal_data(group.question)
            item["variants"] = [mask_personal_data(v) for v in group.variants]
            item["answer"] = mask_personal_data(group.answer)
            item["mark_label"] = MARK_LABELS.get(group.mark or "", "")
            item["kind_label"] = KIND_LABELS.get(group.kind, group.kind)
            out.append(item)
        return out

    def warm(self, days: int = 90, *, background: bool = True) -> None:
        """Embed the questions the grouping pages will show, so the first page view does not wait
        for hundreds of them. In the ``background`` (the server's own thread at start-up) at a lower
        CPU priority and a quarter of the embedder at most; else at full speed (``staff bench``)."""
        if background:
            lower_thread_priority()
        period = Period(self.clock() - days * 86_400, self.clock() + 1)
        for rows in (self.analytics.unanswered(period), self.analytics.top_questions(period)):
            self.grouper.warm([row["pregunta"] for row in rows], share=0.25 if background else 1.0)

    def unanswered(self, period: Period) -> list[dict]:
        return self._groups(self.analytics.unanswered(period))

    def top_questions(self, period: Period) -> dict:
        return {
            "groups": self._groups(self.analytics.top_questions(period))[:50],
            "sections": self.analytics.cited_sections(period),
        }

    def feedback(self, period: Period) -> dict:
        down = [
            {
                **row,
                "pregunta": mask_personal_data(row["pregunta"]),
                "respuesta": mask_personal_data(row["respuesta"]),
                "comentario": mask_personal_data(row["comentario"]) if row["comentario"] else None,
                "motivo": FEEDBACK_REASONS.get(row["motivo"] or "", row["motivo"]),
            }
            for row in self.analytics.thumbs_down(period)
        ]
        reasons = [
            {**row, "motivo": FEEDBACK_REASONS.get(row["motivo"], row["motivo"])}
            for row in self.analytics.feedback_reasons(period)
        ]
        return {"rates": self.analytics.feedback_rates(period), "reasons": reasons, "thumbs_down": down}

    def diagnoses(self, period: Period, department: str | None = None, sector: str | None = None) -> dict:
        practices = [
            {
                **row,
                "nombre": self.practice_names.get(row["practica"], ""),
                "area_nombre": self.area_names.get(row["area"], row["area"]),
                "promedio": round(float(row["promedio"]), 2),
            }
            for row in self.analytics.practice_averages(period, department, sector)
        ]
        areas = [
            {
                **row,
                "nombre": self.area_names.get(row["area"], row["area"]),
                "porcentaje": round(100 * float(row["promedio"]) / 2, 1),
            }
            for row in self.analytics.area_averages(period, department, sector)
        ]
        never = sorted(
            (p for p in practices if int(p["no_ejecutado"] or 0)),
            key=lambda p: (-int(p["no_ejecutado"]), p["practica"]),
        )
        return {
            **self.analytics.diagnosis_summary(period, department, sector),
            "practices": practices,
            "areas": areas,
            "never": never[:5],
            "profiles": self.analytics.profiles(),
        }

    # Charts ---------------------------------------------------------------------------------------
    def chart(self, name: str, period: Period, department: str | None = None, sector: str | None = None) -> bytes:
        """The chart's PNG; drawing costs more than its query, so the same rows reuse the same image."""
        if name == "volumen":
            rows = self.analytics.per_day(period)
            return self._charts.get(("volumen", repr(rows)), lambda: charts.volume_png(rows))
        if name == "practicas":
            rows = self.analytics.practice_averages(period, department, sector)
            return self._charts.get(("practicas", repr(rows)), lambda: charts.practices_png(rows, self.practice_names))
        if name == "radar":
            rows = self.analytics.area_averages(period, department, sector)
            return self._charts.get(("radar", repr(rows)), lambda: charts.radar_png(rows, self.area_names))
        raise KeyError(name)

    # Marks ----------------------------------------------------------------------------------------
    def mark(self, *, keys: list[str], questions: list[str], mark: str, section: str | None) -> int:
        if mark not in MARKS:
            raise ValueError(mark)
        pairs = {key: mask_personal_data(text) for key, text in zip(keys, questions) if key}
        return self.staff_store.set_marks(questions=pairs, mark=mark, section=section)

    def eval_candidates(self) -> list[dict]:
        return [
            {"q": m.question, "section": m.section or "", "created_at": m.created_at}
            for m in self.staff_store.marks(mark="eval")
        ]

    def set_profile(self, diagnosis_id: str, department: str | None, sector: str | None) -> bool:
        self.recorder.flush()  # the outcome of a diagnosis that just finished may still be pending
        return self.staff_store.set_profile(diagnosis_id=diagnosis_id, department=department, sector=sector)


def build_staff_console(
    settings: Settings,
    store: Store,
    embedder,
    clock=time.time,
    *,
    low_confidence: float | None = None,
    recorder: Recorder | None = None,
    instrument: dx.Instrument | None = None,
) -> StaffConsole:
    """Wire the console over an open store and the embedder the advisor already loaded;
    ``low_confidence`` is the scope threshold in use (answers scored just above it count as weak);
    ``recorder`` is the composition root's interaction recorder (flushed before a page reads)."""
    staff_store = StaffStore(store)
    if low_confidence is None:  # pass the advisor's calibrated scope threshold when there is one
        low_confidence = float(DEFAULT_CALIBRATION["threshold"])
    low_confidence += settings.staff_low_confidence_margin
    return StaffConsole(
        staff_store=staff_store,
        accounts=Accounts(
            staff_store,
            max_failures=settings.staff_max_failures,
            lock_seconds=settings.staff_lock_minutes * 60,
            per_minute=settings.staff_logins_per_minute,
            clock=clock,
        ),
        analytics=Analytics(staff_store, low_confidence=low_confidence),
        grouper=QuestionGrouper(embedder, threshold=settings.staff_group_similarity),
        instrument=instrument or dx.load_instrument(Path(settings.corpus_dir) / "diagnosis.yaml"),
        recorder=recorder or Recorder(staff_store, interval=settings.staff_flush_seconds),
        clock=clock,
    )


def open_staff_console(settings: Settings, *, embedder: bool = False) -> StaffConsole:
    """A console over the configured database (and, with ``embedder``, the configured embedder,
    for grouping) without an index: for ``asesor staff``."""
    from bot.errors import Unavailable
    from bot.migrate import SchemaOutdated
    from bot.store import StoreUnavailable

    try:
        store = Store(settings.database_url)
    except StoreUnavailable as error:
        raise Unavailable("No se pudo abrir la base de datos del asesor.", code="almacen_no_disponible") from error
    except SchemaOutdated as error:
        raise Unavailable(str(error), code="esquema_desactualizado") from error
    if embedder:
        from bot.index import make_embedder

        return build_staff_console(settings, store, make_embedder(settings))
    return build_staff_console(settings, store, embedder=None)
