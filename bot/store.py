"""Everything that must survive a restart: diagnoses, conversations, feedback, channel bindings.

One small interface over SQLAlchemy: SQLite by default (WAL, ``busy_timeout``), any SQLAlchemy
URL (PostgreSQL) when one machine is not enough. Every function takes keyword arguments and
commits before it returns, so a process killed right after a call loses nothing (the serving
processes' ``bot.store_turns.WriteBehindStore`` writes conversation turns in batches instead).

Several workers share one database, so no write assumes it is alone: diagnoses and conversations
carry a row ``version`` and are written compare-and-set (a stale writer learns it lost instead of
overwriting), and rate-limit counters are one atomic upsert. The schema is Alembic's
(``bot/migrations``); ``bot.migrate`` checks it when a store opens.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    create_engine,
    delete,
    event,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.store_rows import (  # the tables: re-exported, ``from bot.store import Base`` keeps working
    Base,
    BindingRow,
    ConversationRow,
    DiagnosisRow,
    FeedbackRow,
    RateCounterRow,
    _rowcount,
)

__all__ = ["Store", "StoreUnavailable", "StaleWrite", "Base"]

_CAS_ATTEMPTS = 50  # compare-and-set retries before a write gives up (only under heavy contention)


class StoreUnavailable(RuntimeError):
    """The database cannot be read or written right now (locked, full, down)."""


class StaleWrite(RuntimeError):
    """Another worker changed the row since it was read; the write was not applied."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Store:
    def __init__(self, url: str, *, auto_upgrade: bool | None = None) -> None:
        """Open the database and check its schema (``bot.migrate.SchemaOutdated`` when behind).

        ``auto_upgrade`` defaults to True for SQLite (a private file) and False otherwise: a shared
        database is migrated by the operator with ``asesor db upgrade``.
        """
        from bot.migrate import ensure_schema

        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # A local SQLite file needs no liveness ping on every checkout (a self-diagnosis step under
        # issue 19's mixed load spent a sixth of its time in it); a server connection may have died.
        self.engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if auto_upgrade is None:
            auto_upgrade = self.engine.dialect.name == "sqlite"
        try:
            ensure_schema(self.engine, auto_upgrade=auto_upgrade)
        except SQLAlchemyError as error:
            self.engine.dispose()
            raise StoreUnavailable(str(error)) from error
        except BaseException:
            self.engine.dispose()
            raise

    @property
    def shared(self) -> bool:
        """True when other machines may use this database too (anything but SQLite)."""
        return self.engine.dialect.name != "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    def _run(self, work):
        try:
            with self._sessions.begin() as session:
                return work(session)
        except SQLAlchemyError as error:
            raise StoreUnavailable(type(error).__name__) from error

    # Diagnoses -----------------------------------------------------------------------------
    def save_diagnosis(
        self, *, diagnosis_id: str, data: dict, finished: bool, expected_version: int | None = None
    ) -> int:
        """Write a diagnosis and return its new version.

        With ``expected_version`` the write happens only if the row is still at that version
        (else ``StaleWrite``); without it the diagnosis is created or overwritten.
        """
        values = {"data": json.dumps(data), "finished": finished, "updated_at": time.time()}
        if expected_version is not None:
            if not self._compare_and_set(DiagnosisRow, diagnosis_id, expected_version, values):
                raise StaleWrite(diagnosis_id)
            return expected_version + 1
        for _ in range(_CAS_ATTEMPTS):
            current = self._run(lambda s: s.scalar(select(DiagnosisRow.version).where(DiagnosisRow.id == diagnosis_id)))
            if current is None and self._insert(DiagnosisRow(id=diagnosis_id, version=1, **values)):
                return 1
            if current is not None and self._compare_and_set(DiagnosisRow, diagnosis_id, current, values):
                return current + 1
        raise StoreUnavailable("contention")

    def load_diagnosis(self, *, diagnosis_id: str) -> dict | None:
        loaded = self.load_diagnosis_versioned(diagnosis_id=diagnosis_id)
        return loaded[0] if loaded else None

    def load_diagnosis_versioned(self, *, diagnosis_id: str) -> tuple[dict, int] | None:
        """The diagnosis and the version to pass back as ``expected_version`` when saving."""
        row = self._run(lambda s: s.get(DiagnosisRow, diagnosis_id))
        return (json.loads(row.data), row.version) if row else None

    def _compare_and_set(
        self, model: type[DiagnosisRow] | type[ConversationRow], row_id: str, version: int, values: dict
    ) -> bool:
        statement = (
            update(model).where(model.id == row_id, model.version == version).values(**values, version=version + 1)
        )
        return self._run(lambda s: _rowcount(s.execute(statement))) == 1

    def _insert(self, row: Base) -> bool:
        """Insert a new row; False when another worker inserted the same id first."""
        try:
            with self._sessions.begin() as session:
                session.add(row)
            return True
        except IntegrityError:
            return False
        except SQLAlchemyError as error:
            raise StoreUnavailable(type(error).__name__) from error

    # Conversations -------------------------------------------------------------------------
    def append_turn(self, *, conversation_id: str, turn: dict, keep: int = 10) -> None:
        """Append a turn (keeping the last ``keep``); concurrent appends from several workers all land."""
        for _ in range(_CAS_ATTEMPTS):
            row = self._run(lambda s: s.get(ConversationRow, conversation_id))
            turns = [*(json.loads(row.turns) if row else []), turn][-keep:]
            values = {"turns": json.dumps(turns), "updated_at": time.time()}
            if row is None and self._insert(ConversationRow(id=conversation_id, version=1, **values)):
                return
            if row is not None and self._compare_and_set(ConversationRow, conversation_id, row.version, values):
                return
        raise StoreUnavailable("contention")

    def conversation(self, *, conversation_id: str) -> list[dict]:
        row = self._run(lambda s: s.get(ConversationRow, conversation_id))
        return json.loads(row.turns) if row else []

    # Feedback ------------------------------------------------------------------------------
    def add_feedback(
        self,
        *,
        conversation_id: str | None,
        question: str,
        answer: str,
        rating: str,
        comment: str | None,
        reason: str | None = None,
    ) -> int:
        def work(session: Session) -> int:
            row = FeedbackRow(
                conversation_id=conversation_id,
                question=question,
                answer=answer,
                rating=rating,
                comment=comment,
                created_at=time.time(),
                reason=reason,
            )
            session.add(row)
            session.flush()
            return row.id

        return self._run(work)

    def feedback(self) -> list[dict]:
        rows = self._run(lambda s: s.scalars(select(FeedbackRow).order_by(FeedbackRow.id)).all())
        fields = ("id", "conversation_id", "question", "rating", "comment", "reason")
        return [{name: getattr(r, name) for name in fields} for r in rows]

    # Channel bindings (e.g. a Telegram user's current diagnosis) ---------------------------
    def set_binding(self, *, key: str, data: dict) -> None:
        self._run(lambda s: s.merge(BindingRow(key=key, data=json.dumps(data), updated_at=time.time())))

    def binding(self, *, key: str) -> dict:
        row = self._run(lambda s: s.get(BindingRow, key))
        return json.loads(row.data) if row else {}

    def add_binding_item(self, *, prefix: str, key: str, data: dict, keep: int) -> None:
        """Insert ``prefix + key`` and drop all but the newest ``keep`` rows under ``prefix``, in one
        transaction: each item is its own row, so concurrent adds never overwrite each other."""

        def work(session: Session) -> None:
            session.merge(BindingRow(key=prefix + key, data=json.dumps(data), updated_at=time.time()))
            session.flush()
            under = BindingRow.key.startswith(prefix, autoescape=True)
            newest = select(BindingRow.key).where(under).order_by(BindingRow.updated_at.desc()).limit(keep)
            session.execute(delete(BindingRow).where(under, BindingRow.key.not_in(newest)))

        self._run(work)

    # Rate-limit counters shared by every worker ----------------------------------------------
    def count_hit(self, *, key: str, window_start: int, hits: int = 1) -> int:
        """Count ``hits`` requests of ``key`` in the window and return the window's total (one atomic upsert)."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            # both dialects' Insert share on_conflict_do_update(); the stubs type them apart
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        values = upsert(RateCounterRow).values(key=key, window_start=window_start, count=hits)
        statement = values.on_conflict_do_update(
            index_elements=[RateCounterRow.key, RateCounterRow.window_start],
            set_={"count": RateCounterRow.count + hits},
        ).returning(RateCounterRow.count)
        return self._run(lambda s: s.execute(statement).scalar_one())

    def forget_windows(self, *, before: int) -> int:
        """Delete counters of windows that started before ``before``; how many were removed."""
        return self._run(
            lambda s: _rowcount(s.execute(delete(RateCounterRow).where(RateCounterRow.window_start < before)))
        )

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            return False

    # Privacy (Ley 1581 de 2012): a person's own data on request, everything past retention ---
    def delete_diagnosis(self, *, diagnosis_id: str) -> bool:
        """Delete one diagnosis; ``False`` when there was none with that id."""
        return (
            self._run(lambda s: _rowcount(s.execute(delete(DiagnosisRow).where(DiagnosisRow.id == diagnosis_id)))) > 0
        )

    def delete_conversation(self, *, conversation_id: str) -> int:
        """Delete a conversation and the feedback given inside it; the number of rows removed."""

        def work(session: Session) -> int:
            turns = _rowcount(session.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id)))
            votes = _rowcount(
                session.execute(delete(FeedbackRow).where(FeedbackRow.conversation_id == conversation_id))
            )
            return turns + votes

        return self._run(work)

    def delete_bindings(self, *, keys: list[str], with_items: bool = False) -> int:
        """Delete bindings by key; ``with_items`` also deletes the items added under ``key + ':'``."""
        condition: ColumnElement[bool] = BindingRow.key.in_(keys)
        if with_items:
            condition = or_(condition, *(BindingRow.key.startswith(f"{k}:", autoescape=True) for k in keys))
        return self._run(lambda s: _rowcount(s.execute(delete(BindingRow).where(condition))))

    def purge_before(self, *, cutoff: float) -> dict[str, int]:
        """Delete every row last changed before ``cutoff`` (epoch seconds); counts per table."""

        def work(session: Session) -> dict[str, int]:
            return {
                "diagnoses": _rowcount(session.execute(delete(DiagnosisRow).where(DiagnosisRow.updated_at < cutoff))),
                "conversations": _rowcount(
                    session.execute(delete(ConversationRow).where(ConversationRow.updated_at < cutoff))
                ),
                "feedback": _rowcount(session.execute(delete(FeedbackRow).where(FeedbackRow.created_at < cutoff))),
                "bindings": _rowcount(session.execute(delete(BindingRow).where(BindingRow.updated_at < cutoff))),
            }

        return self._run(work)
