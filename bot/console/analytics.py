"""The console's numbers, each one SQL query over the interaction log, feedback and outcomes.

Why this exists: staff read 7 to 90 days of traffic (100,000 questions and more); the database
counts, groups and averages, and Python only reshapes a few hundred result rows. Every query is
portable SQLAlchemy Core (SQLite and PostgreSQL) and filtered by a ``Period`` and, where the
data has one, a channel. No query returns a conversation id, Telegram id or IP.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Float, and_, case, cast, func, or_, select

from bot.store import FeedbackRow
from bot.store_staff import InteractionRow as I
from bot.store_staff import MarkRow, OutcomeRow, ScoreRow, StaffStore

__all__ = ["Period", "Analytics"]


@dataclass(frozen=True)
class Period:
    start: float  # epoch seconds, inclusive
    end: float  # epoch seconds, exclusive
    channel: str | None = None  # None: every channel


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


class Analytics:
    def __init__(self, staff_store: StaffStore, *, low_confidence: float) -> None:
        self.staff_store = staff_store
        self.low_confidence = low_confidence  # scope scores under this count as «poco seguras»

    def _rows(self, statement) -> list[dict]:
        return [dict(r._mapping) for r in self.staff_store.run(lambda s: s.execute(statement).all())]

    def _where(self, period: Period):
        clauses = [I.created_at >= period.start, I.created_at < period.end]
        if period.channel:
            clauses.append(I.channel == period.channel)
        return and_(*clauses)

    # Volume -----------------------------------------------------------------------------------
    def per_day(self, period: Period) -> list[dict]:
        statement = (
            select(
                I.day.label("dia"),
                func.count().label("preguntas"),
                _count_if(I.kind.in_(("answer", "partial"))).label("respuestas"),
                _count_if(I.kind == "refusal").label("rechazos"),
                _count_if(I.kind.in_(("smalltalk", "diagnosis_offer"))).label("conversacion"),
            )
            .where(self._where(period))
            .group_by(I.day)
            .order_by(I.day)
        )
        return self._rows(statement)

    def kinds(self, period: Period) -> list[dict]:
        statement = (
            select(I.kind.label("tipo"), func.count().label("preguntas"))
            .where(self._where(period))
            .group_by(I.kind)
            .order_by(func.count().desc())
        )
        return self._rows(statement)

    def channels(self, period: Period) -> list[dict]:
        statement = (
            select(I.channel.label("canal"), func.count().label("preguntas"))
            .where(self._where(period))
            .group_by(I.channel)
            .order_by(func.count().desc())
        )
        return self._rows(statement)

    def median_latency(self, period: Period) -> float | None:
        """The median latency in ms: the middle row by latency (an indexed range, then one offset)."""
        total = self.staff_store.run(lambda s: s.scalar(select(func.count()).where(self._where(period))))
        if not total:
            return None
        statement = (
            select(I.latency_ms)
            .where(self._where(period))
            .order_by(I.latency_ms)
            .offset((total - 1) // 2)
            .limit(2 - total % 2)
        )
        values = self.staff_store.run(lambda s: s.scalars(statement).all())
        return round(sum(values) / len(values), 1)

    # Unanswered and top questions (grouped by exact text here, by meaning in groups.py) ----------
    def unanswered(self, period: Period, *, limit: int = 400) -> list[dict]:
        weak = or_(I.kind.in_(("refusal", "partial")), and_(I.in_scope.is_(True), I.scope_score < self.low_confidence))
        return self._by_question(and_(self._where(period), weak), limit)

    def top_questions(self, period: Period, *, limit: int = 400) -> list[dict]:
        return self._by_question(and_(self._where(period), I.kind.in_(("answer", "partial"))), limit)

    def _by_question(self, where, limit: int) -> list[dict]:
        """The most repeated questions: counted on the covering index, then the texts of one
        example row per question (the latest) and the staff marks fetched by key."""
        counted = self._rows(
            select(I.question_key.label("key"), func.count().label("veces"), func.max(I.created_at).label("ultima"))
            .where(where)
            .group_by(I.question_key)
            .order_by(func.count().desc(), I.question_key)
            .limit(limit)
        )
        if not counted:
            return []
        keys = [row["key"] for row in counted]
        latest = {(row["key"], row["ultima"]) for row in counted}
        examples = {}
        for row in self._rows(
            select(I.question_key, I.created_at, I.question, I.section, I.answer, I.kind).where(
                and_(where, I.question_key.in_(keys), I.created_at.in_([r["ultima"] for r in counted]))
            )
        ):
            if (row["question_key"], row["created_at"]) in latest:
                examples[row["question_key"]] = row
        marks = dict(
            self.staff_store.run(
                lambda s: s.execute(
                    select(MarkRow.question_key, MarkRow.mark).where(MarkRow.question_key.in_(keys))
                ).all()
            )
        )
        out = []
        for row in counted:
            example = examples.get(row["key"])
            if example is None:
                continue
            out.append(
                {
                    **row,
                    "pregunta": example["question"],
                    "seccion": example["section"],
                    "respuesta": example["answer"],
                    "tipo": example["kind"],
                    "marca": marks.get(row["key"]),
                }
            )
        return out

    def cited_sections(self, period: Period, *, limit: int = 30) -> list[dict]:
        statement = (
            select(I.section.label("seccion"), func.count().label("respuestas"))
            .where(self._where(period), I.kind.in_(("answer", "partial")), I.section.is_not(None))
            .group_by(I.section)
            .order_by(func.count().desc(), I.section)
            .limit(limit)
        )
        return self._rows(statement)

    # Feedback (no channel column: every channel's votes) -------------------------------------
    def _feedback_where(self, period: Period, *extra):
        """Feedback has no channel of its own: it is the channel of the conversation it was given
        in (the interaction log keeps each conversation's channel), so the channel filter applies."""
        clauses = [FeedbackRow.created_at >= period.start, FeedbackRow.created_at < period.end, *extra]
        if period.channel:
            conversations = select(I.conversation_id).where(I.channel == period.channel, I.conversation_id.is_not(None))
            clauses.append(FeedbackRow.conversation_id.in_(conversations))
        return and_(*clauses)

    def feedback_rates(self, period: Period) -> dict:
        where = self._feedback_where(period)
        statement = select(
            _count_if(FeedbackRow.rating == "up").label("up"), _count_if(FeedbackRow.rating == "down").label("down")
        ).where(where)
        row = self._rows(statement)[0]
        up, down = int(row["up"] or 0), int(row["down"] or 0)
        total = up + down
        return {
            "up": up,
            "down": down,
            "total": total,
            "up_rate": round(100 * up / total, 1) if total else None,
            "down_rate": round(100 * down / total, 1) if total else None,
        }

    def feedback_reasons(self, period: Period) -> list[dict]:
        statement = (
            select(func.coalesce(FeedbackRow.reason, "(sin motivo)").label("motivo"), func.count().label("votos"))
            .where(self._feedback_where(period, FeedbackRow.rating == "down"))
            .group_by(FeedbackRow.reason)
            .order_by(func.count().desc())
        )
        return self._rows(statement)

    def thumbs_down(self, period: Period, *, limit: int = 200) -> list[dict]:
        channel = select(I.channel).where(I.conversation_id == FeedbackRow.conversation_id).limit(1).scalar_subquery()
        statement = (
            select(
                FeedbackRow.created_at.label("fecha"),
                FeedbackRow.question.label("pregunta"),
                FeedbackRow.answer.label("respuesta"),
                FeedbackRow.reason.label("motivo"),
                FeedbackRow.comment.label("comentario"),
                channel.label("canal"),
            )
            .where(self._feedback_where(period, FeedbackRow.rating == "down"))
            .order_by(FeedbackRow.created_at.desc())
            .limit(limit)
        )
        return self._rows(statement)

    # Self-diagnosis aggregates -----------------------------------------------------------------
    def _outcomes(self, period: Period, department: str | None, sector: str | None):
        clauses = [OutcomeRow.created_at >= period.start, OutcomeRow.created_at < period.end]
        if period.channel:
            clauses.append(OutcomeRow.channel == period.channel)
        if department:
            clauses.append(OutcomeRow.department == department)
        if sector:
            clauses.append(OutcomeRow.sector == sector)
        return and_(*clauses)

    def diagnosis_summary(self, period: Period, department: str | None = None, sector: str | None = None) -> dict:
        where = self._outcomes(period, department, sector)
        row = self._rows(select(func.count().label("n"), func.avg(OutcomeRow.percent).label("avg")).where(where))[0]
        levels = self._rows(
            select(OutcomeRow.level_name.label("nivel"), func.count().label("autodiagnosticos"))
            .where(where)
            .group_by(OutcomeRow.level_id, OutcomeRow.level_name)
            .order_by(OutcomeRow.level_id)
        )
        return {
            "completed": int(row["n"] or 0),
            "average_percent": round(float(row["avg"]), 1) if row["avg"] else None,
            "levels": levels,
        }

    def practice_averages(self, period: Period, department: str | None = None, sector: str | None = None) -> list[dict]:
        statement = (
            select(
                ScoreRow.practice.label("practica"),
                ScoreRow.area_id.label("area"),
                func.avg(cast(ScoreRow.value, Float)).label("promedio"),
                _count_if(ScoreRow.value == 0).label("no_ejecutado"),
                func.count().label("respuestas"),
            )
            .join(OutcomeRow, OutcomeRow.diagnosis_id == ScoreRow.diagnosis_id)
            .where(self._outcomes(period, department, sector))
            .group_by(ScoreRow.practice, ScoreRow.area_id)
            .order_by(ScoreRow.practice)
        )
        return self._rows(statement)

    def area_averages(self, period: Period, department: str | None = None, sector: str | None = None) -> list[dict]:
        statement = (
            select(ScoreRow.area_id.label("area"), func.avg(cast(ScoreRow.value, Float)).label("promedio"))
            .join(OutcomeRow, OutcomeRow.diagnosis_id == ScoreRow.diagnosis_id)
            .where(self._outcomes(period, department, sector))
            .group_by(ScoreRow.area_id)
            .order_by(ScoreRow.area_id)
        )
        return self._rows(statement)

    def profiles(self) -> dict[str, list[str]]:
        """Departments and sectors people declared, for the filter menus."""

        def distinct(column) -> list[str]:
            statement = select(column).where(column.is_not(None)).distinct().order_by(column)
            return list(self.staff_store.run(lambda s: s.scalars(statement).all()))

        return {"departments": distinct(OutcomeRow.department), "sectors": distinct(OutcomeRow.sector)}
