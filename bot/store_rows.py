"""The store's tables as SQLAlchemy models, and the one helper that reads a statement's row count.

Why this exists: ``bot.store`` is the interface (every write commits, compare-and-set, upserts);
the row classes are its schema, which Alembic's migrations must equal (``tests/test_store.py``),
and which the staff console's and the channels' storage modules extend on the same ``Base``.
Kept apart so each file has one job and stays readable.
"""

from __future__ import annotations

from sqlalchemy import Boolean, CursorResult, Float, Integer, Result, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "BindingRow", "ConversationRow", "DiagnosisRow", "FeedbackRow", "RateCounterRow"]


def _rowcount(result: Result) -> int:
    """Rows an UPDATE or DELETE touched: ``Session.execute`` is typed as returning a plain
    ``Result``, but for those statements it is a ``CursorResult``."""
    assert isinstance(result, CursorResult)
    return result.rowcount


class Base(DeclarativeBase):
    pass


class DiagnosisRow(Base):
    __tablename__ = "diagnoses"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[float] = mapped_column(Float, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class ConversationRow(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    turns: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[float] = mapped_column(Float, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class FeedbackRow(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[float] = mapped_column(Float, index=True)
    reason: Mapped[str | None] = mapped_column(String(80), nullable=True)  # the 👎 chip (revision 0003)


class BindingRow(Base):
    __tablename__ = "bindings"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[float] = mapped_column(Float, index=True)


class RateCounterRow(Base):
    """Requests of one client (``key``) in one fixed window starting at ``window_start`` (epoch s)."""

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer)
