"""The console's recorder: batched off the request path, nothing lost on a clean stop, masked."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from bot.compose import Services, build_services
from bot.console.events import Interaction
from bot.console.recorder import Recorder
from bot.store import Store
from bot.store_staff import InteractionRow, OutcomeRow, StaffStore


def _count(store: Store, model) -> int:
    return StaffStore(store).run(lambda s: s.scalar(select(func.count()).select_from(model)))


def _event(i: int, **overrides) -> Interaction:
    values = dict(
        created_at=time.time(),
        channel="web",
        question=f"pregunta {i}",
        answer="respuesta",
        kind="answer",
        in_scope=True,
        section="1. Introducción",
        scope_score=0.9,
        latency_ms=12.0,
    )
    return Interaction(**{**values, **overrides})


def test_every_record_is_in_the_database_after_a_clean_stop(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    recorder = Recorder(StaffStore(store), interval=60, batch=10_000).start()  # never flushes on its own
    for i in range(2345):
        recorder(_event(i))
    assert _count(store, InteractionRow) == 0  # recording never wrote synchronously
    recorder.stop()
    assert _count(store, InteractionRow) == 2345


def test_the_background_thread_flushes_often(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    recorder = Recorder(StaffStore(store), interval=0.1).start()
    try:
        recorder(_event(1))
        deadline = time.monotonic() + 5
        while _count(store, InteractionRow) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _count(store, InteractionRow) == 1
    finally:
        recorder.stop()


def test_a_failing_database_keeps_the_records_for_the_next_flush(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    recorder = Recorder(StaffStore(store), interval=60)
    recorder(_event(1))
    with StaffStore(store).engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE interactions RENAME TO interactions_away")
    assert recorder.flush() == 0 and recorder.pending == 1
    with StaffStore(store).engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE interactions_away RENAME TO interactions")
    assert recorder.flush() == 1 and _count(store, InteractionRow) == 1


def test_personal_data_is_masked_before_it_is_written(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    recorder = Recorder(StaffStore(store))
    recorder(_event(1, question="Escríbame a ana.perez@camara.org.co o al 310 555 1234, cédula 80123456"))
    recorder.flush()
    text = StaffStore(store).run(lambda s: s.scalar(select(InteractionRow.question)))
    assert text == "Escríbame a [correo] o al [teléfono], cédula [documento]"


def test_the_services_record_answers_and_finished_diagnoses_with_their_channel(
    services: Services, store: Store
) -> None:
    """The composition root hands its recorder to the answer and diagnosis services; deleting
    «mis datos» through the personal-data service reaches the console's rows too."""
    services.answers.ask("que es una iniciativa cluster", channel="telegram")
    services.answers.ask("cual es la capital de francia", channel="web", conversation_id="c1")
    state = services.diagnoses.start()
    for _ in range(13):
        state = services.diagnoses.answer(state.id, 1, channel="web").state
    assert state.finished
    services.recorder.flush()
    rows = StaffStore(store).run(lambda s: s.scalars(select(InteractionRow).order_by(InteractionRow.id)).all())
    assert [(r.channel, r.kind, r.in_scope) for r in rows] == [("telegram", "answer", True), ("web", "refusal", False)]
    assert rows[0].section and rows[0].latency_ms > 0 and rows[0].scope_score is not None
    assert rows[1].section  # a refusal still names the nearest booklet section
    outcome = StaffStore(store).run(lambda s: s.get(OutcomeRow, state.id))
    assert outcome.total == 13 and outcome.channel == "web"
    services.personal_data.delete_conversation("c1")  # «borrar mis datos» reaches the console too
    services.personal_data.delete_diagnosis(state.id)
    assert _count(store, InteractionRow) == 1 and _count(store, OutcomeRow) == 0


def test_closing_the_services_writes_what_the_recorder_holds(settings, shared_embedder, store: Store) -> None:
    services = build_services(settings.model_copy(update={"staff_flush_seconds": 60}), embedder=shared_embedder)
    services.answers.ask("que es una iniciativa cluster")
    assert services.recorder.pending == 1 and _count(store, InteractionRow) == 0
    services.close()
    [row] = StaffStore(store).run(lambda s: s.scalars(select(InteractionRow)).all())
    assert row.channel == "cli"  # the default channel
