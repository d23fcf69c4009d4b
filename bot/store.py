"""Everything that must survive a restart: diagnoses, conversations, feedback, channel bindings.

One small interface over SQLAlchemy: SQLite by default (WAL, ``busy_timeout``), any SQLAlchemy
URL (PostgreSQL) when one machine is not enough. Every function takes keyword arguments and
commits before it returns, so a process killed right after a call loses nothing.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, Text, create_engine, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

__all__ = ["Store", "StoreUnavailable", "Base"]


class StoreUnavailable(RuntimeError):
    """The database cannot be read or written right now (locked, full, down)."""


class Base(DeclarativeBase):
    pass


class DiagnosisRow(Base):
    __tablename__ = "diagnoses"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[float] = mapped_column(Float, index=True)


class ConversationRow(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    turns: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[float] = mapped_column(Float, index=True)


class FeedbackRow(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[float] = mapped_column(Float, index=True)


class BindingRow(Base):
    __tablename__ = "bindings"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[float] = mapped_column(Float, index=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Store:
    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            Base.metadata.create_all(self.engine)
        except SQLAlchemyError as error:
            raise StoreUnavailable(str(error)) from error

    def _run(self, work):
        try:
            with self._sessions.begin() as session:
                return work(session)
        except SQLAlchemyError as error:
            raise StoreUnavailable(type(error).__name__) from error

    # Diagnoses -----------------------------------------------------------------------------
    def save_diagnosis(self, *, diagnosis_id: str, data: dict, finished: bool) -> None:
        def work(session: Session) -> None:
            session.merge(DiagnosisRow(id=diagnosis_id, data=json.dumps(data), finished=finished, updated_at=time.time()))

        self._run(work)

    def load_diagnosis(self, *, diagnosis_id: str) -> dict | None:
        row = self._run(lambda s: s.get(DiagnosisRow, diagnosis_id))
        return json.loads(row.data) if row else None

    # Conversations -------------------------------------------------------------------------
    def append_turn(self, *, conversation_id: str, turn: dict, keep: int = 10) -> None:
        def work(session: Session) -> None:
            row = session.get(ConversationRow, conversation_id)
            turns = json.loads(row.turns) if row else []
            turns = [*turns, turn][-keep:]
            session.merge(ConversationRow(id=conversation_id, turns=json.dumps(turns), updated_at=time.time()))

        self._run(work)

    def conversation(self, *, conversation_id: str) -> list[dict]:
        row = self._run(lambda s: s.get(ConversationRow, conversation_id))
        return json.loads(row.turns) if row else []

    # Feedback ------------------------------------------------------------------------------
    def add_feedback(self, *, conversation_id: str | None, question: str, answer: str, rating: str, comment: str | None) -> int:
        def work(session: Session) -> int:
            row = FeedbackRow(
                conversation_id=conversation_id, question=question, answer=answer, rating=rating,
                comment=comment, created_at=time.time(),
            )
            session.add(row)
            session.flush()
            return row.id

        return self._run(work)

    def feedback(self) -> list[dict]:
        rows = self._run(lambda s: s.scalars(select(FeedbackRow).order_by(FeedbackRow.id)).all())
        return [
            {"id": r.id, "conversation_id": r.conversation_id, "question": r.question, "rating": r.rating, "comment": r.comment}
            for r in rows
        ]

    # Channel bindings (e.g. a Telegram user's current diagnosis) ---------------------------
    def set_binding(self, *, key: str, data: dict) -> None:
        self._run(lambda s: s.merge(BindingRow(key=key, data=json.dumps(data), updated_at=time.time())))

    def binding(self, *, key: str) -> dict:
        row = self._run(lambda s: s.get(BindingRow, key))
        return json.loads(row.data) if row else {}

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            return False
