"""Storage of the messaging channels' own facts: seen message ids, open windows, hand-off codes.

Why this exists: a WhatsApp webhook may be delivered twice (Meta retries), to any worker, so the
"have I answered this message?" check must be one unique insert in the shared database, not a
set in memory. The 24-hour customer-service window is a per-user timestamp every worker must
see, and a hand-off code (a diagnosis moving from the web to Telegram or WhatsApp) is redeemed
once by whichever worker gets it: a compare-and-set update. Kept apart from ``bot.store`` so that
file stays one job; the tables share its ``Base`` (one schema, one Alembic history: revision 0004)
and its engine. Users appear only as keyed hashes built by the channel; nothing here is a phone
number.
"""

from __future__ import annotations

import time

from sqlalchemy import Float, Integer, String, delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from bot.store import Base, Store, StoreUnavailable

__all__ = ["ChannelStore", "FailedStatusRow", "HandoffRow", "SeenMessageRow", "WindowRow"]


class SeenMessageRow(Base):
    """An inbound message id already taken by a worker (the primary key makes the claim atomic)."""

    __tablename__ = "channel_seen_messages"
    message_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    received_at: Mapped[float] = mapped_column(Float, index=True)


class WindowRow(Base):
    """When a user last wrote to us: free-form replies are allowed for 24 hours after it."""

    __tablename__ = "channel_windows"
    user_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_inbound_at: Mapped[float] = mapped_column(Float, index=True)


class FailedStatusRow(Base):
    """A status callback saying a message we sent was not delivered (Meta's error code kept)."""

    __tablename__ = "channel_failed_statuses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    message_id: Mapped[str] = mapped_column(String(160))
    error_code: Mapped[str] = mapped_column(String(32))
    error_title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[float] = mapped_column(Float, index=True)


class HandoffRow(Base):
    """A single-use code that continues a diagnosis in another channel until ``expires_at``."""

    __tablename__ = "channel_handoffs"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    diagnosis_id: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class ChannelStore:
    """The four tables above over an open ``Store``'s engine; every call commits before returning."""

    def __init__(self, store: Store) -> None:
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    def _run(self, work):
        try:
            with self._sessions.begin() as session:
                return work(session)
        except SQLAlchemyError as error:
            raise StoreUnavailable(type(error).__name__) from error

    def claim_message(self, message_id: str, *, now: float | None = None) -> bool:
        """True for the first worker to see ``message_id``; False for every later delivery."""
        try:
            with self._sessions.begin() as session:
                session.add(SeenMessageRow(message_id=message_id, received_at=time.time() if now is None else now))
            return True
        except IntegrityError:
            return False
        except SQLAlchemyError as error:
            raise StoreUnavailable(type(error).__name__) from error

    def touch_window(self, user_key: str, at: float) -> None:
        def work(session) -> None:
            row = session.get(WindowRow, user_key)
            if row is None:
                session.add(WindowRow(user_key=user_key, last_inbound_at=at))
            elif row.last_inbound_at < at:
                row.last_inbound_at = at

        try:
            self._run(work)
        except StoreUnavailable:  # two workers inserting the same new user at once: the other won
            self._run(work)

    def last_inbound(self, user_key: str) -> float | None:
        return self._run(lambda s: s.scalar(select(WindowRow.last_inbound_at).where(WindowRow.user_key == user_key)))

    def record_failed_status(self, *, user_key: str, message_id: str, error_code: str, error_title: str) -> None:
        self._run(
            lambda s: s.add(
                FailedStatusRow(
                    user_key=user_key,
                    message_id=message_id[:160],
                    error_code=error_code[:32],
                    error_title=error_title[:200],
                    created_at=time.time(),
                )
            )
        )

    def failed_statuses(self, user_key: str) -> list[dict]:
        rows = self._run(
            lambda s: s.scalars(
                select(FailedStatusRow).where(FailedStatusRow.user_key == user_key).order_by(FailedStatusRow.id)
            ).all()
        )
        return [{"message_id": r.message_id, "error_code": r.error_code, "error_title": r.error_title} for r in rows]

    def add_handoff(self, *, code: str, diagnosis_id: str, expires_at: float) -> bool:
        try:
            with self._sessions.begin() as session:
                session.add(HandoffRow(code=code, diagnosis_id=diagnosis_id, expires_at=expires_at))
            return True
        except IntegrityError:
            return False
        except SQLAlchemyError as error:
            raise StoreUnavailable(type(error).__name__) from error

    def redeem_handoff(self, code: str, *, now: float) -> str | None:
        """The diagnosis id behind an unused, unexpired code, marking it used (once, across workers)."""
        statement = (
            update(HandoffRow)
            .where(HandoffRow.code == code, HandoffRow.used_at.is_(None), HandoffRow.expires_at > now)
            .values(used_at=now)
        )
        if self._run(lambda s: s.execute(statement).rowcount) != 1:
            return None
        return self._run(lambda s: s.scalar(select(HandoffRow.diagnosis_id).where(HandoffRow.code == code)))

    def forget_user(self, user_key: str) -> int:
        def work(session) -> int:
            window = session.execute(delete(WindowRow).where(WindowRow.user_key == user_key)).rowcount
            failed = session.execute(delete(FailedStatusRow).where(FailedStatusRow.user_key == user_key)).rowcount
            return window + failed

        return self._run(work)

    def purge_before(self, cutoff: float) -> int:
        """Delete seen ids, windows, failed statuses and hand-off codes older than ``cutoff``."""

        def work(session) -> int:
            return sum(
                session.execute(statement).rowcount
                for statement in (
                    delete(SeenMessageRow).where(SeenMessageRow.received_at < cutoff),
                    delete(WindowRow).where(WindowRow.last_inbound_at < cutoff),
                    delete(FailedStatusRow).where(FailedStatusRow.created_at < cutoff),
                    delete(HandoffRow).where(HandoffRow.expires_at < cutoff),
                )
            )

        return self._run(work)
