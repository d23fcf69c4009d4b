"""The staff console's tables and writes, beside ``bot.store`` on the same engine and ``Base``.

Why this exists: the console needs an interaction log, staff accounts, marks and anonymous
diagnosis outcomes; putting them in ``bot/store.py`` would double that module. Writes here are
batched (the recorder hands over hundreds of rows at once) and every delete the privacy rules
need — by conversation, by diagnosis, by age — lives next to the tables it touches.
"""

from __future__ import annotations

import time

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, delete, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store import Base, Store, _rowcount

__all__ = ["StaffStore", "InteractionRow", "AccountRow", "MarkRow", "OutcomeRow", "ScoreRow", "MARKS"]

MARKS = ("reviewed", "out_of_scope", "eval")


class InteractionRow(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_channel_created", "channel", "created_at"),
        # Covering: every aggregate reads only these columns, never the rows' texts (migration 0003).
        Index(
            "ix_interactions_console",
            "created_at",
            "channel",
            "kind",
            "in_scope",
            "scope_score",
            "latency_ms",
            "day",
            "section",
            "question_key",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[float] = mapped_column(Float, index=True)
    day: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    question: Mapped[str] = mapped_column(Text)
    question_key: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    in_scope: Mapped[bool] = mapped_column(Boolean)
    section: Mapped[str | None] = mapped_column(String(300), nullable=True)
    scope_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    latency_ms: Mapped[float] = mapped_column(Float)


class AccountRow(Base):
    __tablename__ = "staff_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[float] = mapped_column(Float)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    last_login: Mapped[float | None] = mapped_column(Float, nullable=True)


class MarkRow(Base):
    __tablename__ = "staff_marks"
    question_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    mark: Mapped[str] = mapped_column(String(16))
    section: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[float] = mapped_column(Float, index=True)


class OutcomeRow(Base):
    __tablename__ = "diagnosis_outcomes"
    diagnosis_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[float] = mapped_column(Float, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    level_id: Mapped[str] = mapped_column(String(32))
    level_name: Mapped[str] = mapped_column(String(100))
    total: Mapped[int] = mapped_column(Integer)
    percent: Mapped[float] = mapped_column(Float)
    department: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sector: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ScoreRow(Base):
    __tablename__ = "diagnosis_scores"
    diagnosis_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    practice: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)


class StaffStore:
    """Console reads and writes over an open ``Store`` (its engine, sessions and error mapping)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    def run(self, work):
        return self.store._run(work)

    # Recorder ---------------------------------------------------------------------------------
    def write_batch(self, rows: list[dict], outcomes: list[dict]) -> None:
        """Write a batch in one transaction: interaction rows (columns of ``InteractionRow``) as one
        multi-row insert, and finished diagnoses (``OutcomeRow`` columns plus ``practices``)."""

        def work(session: Session) -> None:
            if rows:
                session.execute(insert(InteractionRow), rows)
            for outcome in outcomes:
                self._put_outcome(session, outcome)

        self.run(work)

    @staticmethod
    def _put_outcome(session: Session, outcome: dict) -> None:
        outcome = dict(outcome)
        practices = outcome.pop("practices", {})
        diagnosis_id = outcome["diagnosis_id"]
        old = session.get(OutcomeRow, diagnosis_id)  # a restarted diagnosis finishes again
        profile = {"department": old.department, "sector": old.sector} if old else {}
        session.execute(delete(ScoreRow).where(ScoreRow.diagnosis_id == diagnosis_id))
        session.execute(delete(OutcomeRow).where(OutcomeRow.diagnosis_id == diagnosis_id))
        session.add(OutcomeRow(**{**outcome, **profile}))
        session.flush()
        if practices:
            session.execute(
                insert(ScoreRow),
                [
                    {"diagnosis_id": diagnosis_id, "practice": p, "area_id": area, "value": value}
                    for p, (area, value) in practices.items()
                ],
            )

    def set_profile(self, *, diagnosis_id: str, department: str | None, sector: str | None) -> bool:
        """The self-declared department and sector of a finished diagnosis; False if none finished."""
        statement = (
            update(OutcomeRow)
            .where(OutcomeRow.diagnosis_id == diagnosis_id)
            .values(department=department, sector=sector)
        )
        return self.run(lambda s: s.execute(statement).rowcount) > 0

    # Accounts ---------------------------------------------------------------------------------
    def add_account(self, *, email: str, password_hash: str) -> bool:
        """False when an account with that email exists."""
        if self.account(email=email) is not None:
            return False
        self.run(
            lambda s: s.add(
                AccountRow(
                    email=email, password_hash=password_hash, created_at=time.time(), failed_logins=0, locked_until=0.0
                )
            )
        )
        return True

    def account(self, *, email: str) -> AccountRow | None:
        return self.run(lambda s: s.scalar(select(AccountRow).where(AccountRow.email == email)))

    def account_by_id(self, account_id: int) -> AccountRow | None:
        return self.run(lambda s: s.get(AccountRow, account_id))

    def accounts(self) -> list[AccountRow]:
        return list(self.run(lambda s: s.scalars(select(AccountRow).order_by(AccountRow.email)).all()))

    def remove_account(self, *, email: str) -> bool:
        return self.run(lambda s: s.execute(delete(AccountRow).where(AccountRow.email == email)).rowcount) > 0

    def update_account(self, account_id: int, **values) -> None:
        self.run(lambda s: s.execute(update(AccountRow).where(AccountRow.id == account_id).values(**values)))

    def count_accounts(self) -> int:
        return len(self.accounts())

    # Marks --------------------------------------------------------------------------------------
    def set_marks(self, *, questions: dict[str, str], mark: str, section: str | None) -> int:
        """Mark questions (normalised key -> text shown) as reviewed, out of scope or for the eval set."""
        if mark not in MARKS:
            raise ValueError(mark)

        def work(session: Session) -> int:
            for key, text in questions.items():
                session.merge(
                    MarkRow(question_key=key, question=text, mark=mark, section=section, created_at=time.time())
                )
            return len(questions)

        return self.run(work)

    def marks(self, *, mark: str | None = None) -> list[MarkRow]:
        statement = select(MarkRow).order_by(MarkRow.created_at)
        if mark:
            statement = statement.where(MarkRow.mark == mark)
        return list(self.run(lambda s: s.scalars(statement).all()))

    # Privacy ------------------------------------------------------------------------------------
    def forget_conversation(self, conversation_id: str) -> int:
        return self.run(
            lambda s: _rowcount(
                s.execute(delete(InteractionRow).where(InteractionRow.conversation_id == conversation_id))
            )
        )

    def forget_diagnosis(self, diagnosis_id: str) -> int:
        def work(session: Session) -> int:
            session.execute(delete(ScoreRow).where(ScoreRow.diagnosis_id == diagnosis_id))
            return _rowcount(session.execute(delete(OutcomeRow).where(OutcomeRow.diagnosis_id == diagnosis_id)))

        return self.run(work)

    def purge_before(self, cutoff: float) -> dict[str, int]:
        def work(session: Session) -> dict[str, int]:
            old = select(OutcomeRow.diagnosis_id).where(OutcomeRow.created_at < cutoff)
            session.execute(delete(ScoreRow).where(ScoreRow.diagnosis_id.in_(old)))
            return {
                "interactions": _rowcount(
                    session.execute(delete(InteractionRow).where(InteractionRow.created_at < cutoff))
                ),
                "diagnosis_outcomes": _rowcount(
                    session.execute(delete(OutcomeRow).where(OutcomeRow.created_at < cutoff))
                ),
                "staff_marks": _rowcount(session.execute(delete(MarkRow).where(MarkRow.created_at < cutoff))),
            }

        return self.run(work)
