"""The store against SQLite and PostgreSQL: the same tests, both databases.

Several workers share one database, so the tests race real threads over two ``Store`` objects
(two connection pools, as two worker processes have) and check that nothing is lost or applied
twice; the schema that Alembic builds must be the one the models describe.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cli_process import run_asesor
from sqlalchemy import create_engine, text

import bot.channel_store  # noqa: F401,E402  (the channels' tables are part of the schema)
import bot.store_staff  # noqa: F401,E402  (and the staff console's)
from bot.migrate import SchemaOutdated, alembic_config, head_revision, schema_status, upgrade
from bot.settings import ROOT
from bot.store import Base, StaleWrite, Store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])  # PostgreSQL: a server
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def stores(url: str):
    """Two stores over one database, like two workers; the schema migrated first."""
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    pair = (Store(url), Store(url))
    yield pair
    for store in pair:
        store.close()


def _race(workers: int, work) -> list:
    results: list = [None] * workers
    barrier = threading.Barrier(workers)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_diagnosis_round_trip_and_versions(stores) -> None:
    a, b = stores
    assert a.load_diagnosis(diagnosis_id="d1") is None
    assert a.save_diagnosis(diagnosis_id="d1", data={"answers": [2]}, finished=False) == 1
    assert b.load_diagnosis_versioned(diagnosis_id="d1") == ({"answers": [2]}, 1)
    assert b.save_diagnosis(diagnosis_id="d1", data={"answers": [2, 1]}, finished=False, expected_version=1) == 2
    with pytest.raises(StaleWrite):  # a worker that read version 1 lost the race
        a.save_diagnosis(diagnosis_id="d1", data={"answers": [2, 0]}, finished=False, expected_version=1)
    assert a.load_diagnosis(diagnosis_id="d1") == {"answers": [2, 1]}
    assert a.save_diagnosis(diagnosis_id="d1", data={"answers": []}, finished=True) == 3  # unconditional overwrite


def test_the_same_answer_from_two_workers_is_applied_once(stores) -> None:
    a, b = stores
    a.save_diagnosis(diagnosis_id="d2", data={"answers": []}, finished=False)

    def answer(i: int) -> bool:
        store = (a, b)[i % 2]
        try:
            store.save_diagnosis(diagnosis_id="d2", data={"answers": [i]}, finished=False, expected_version=1)
            return True
        except StaleWrite:
            return False

    outcomes = _race(8, answer)
    assert outcomes.count(True) == 1
    winner = outcomes.index(True)
    assert a.load_diagnosis_versioned(diagnosis_id="d2") == ({"answers": [winner]}, 2)


def test_concurrent_turns_all_land(stores) -> None:
    a, b = stores

    def append(i: int) -> None:
        for j in range(5):
            (a, b)[i % 2].append_turn(conversation_id="c1", turn={"q": f"{i}-{j}"}, keep=100)

    _race(6, append)
    turns = a.conversation(conversation_id="c1")
    assert sorted(t["q"] for t in turns) == sorted(f"{i}-{j}" for i in range(6) for j in range(5))
    for i in range(6):  # each writer's own turns stay in order
        mine = [t["q"] for t in turns if t["q"].startswith(f"{i}-")]
        assert mine == [f"{i}-{j}" for j in range(5)]
    b.append_turn(conversation_id="c1", turn={"q": "last"}, keep=3)
    assert [t["q"] for t in a.conversation(conversation_id="c1")][-1] == "last"
    assert len(a.conversation(conversation_id="c1")) == 3


def test_rate_counters_are_exact_under_concurrency(stores) -> None:
    a, b = stores
    counts = _race(8, lambda i: [(a, b)[i % 2].count_hit(key="203.0.113.7", window_start=600) for _ in range(10)])
    seen = sorted(c for batch in counts for c in batch)
    assert seen == list(range(1, 81))  # every hit got its own number: no lost update
    assert a.count_hit(key="203.0.113.7", window_start=660) == 1  # a new window starts over
    assert a.count_hit(key="198.51.100.1", window_start=600) == 1  # another client has its own budget
    assert b.forget_windows(before=660) == 2
    assert a.count_hit(key="203.0.113.7", window_start=600) == 1


def test_feedback_and_bindings(stores) -> None:
    a, b = stores
    first = a.add_feedback(
        conversation_id="c9", question="¿Qué es?", answer="Una iniciativa…", rating="up", comment=None
    )
    second = b.add_feedback(conversation_id=None, question="¿Y?", answer="…", rating="down", comment="poco claro")
    assert second > first
    assert [f["rating"] for f in a.feedback()] == ["up", "down"]
    b.set_binding(key="tg:abc", data={"diagnosis": "d1"})
    assert a.binding(key="tg:abc") == {"diagnosis": "d1"} and a.binding(key="otro") == {}
    assert a.ping()


def test_migrations_build_exactly_the_models(url: str) -> None:
    engine = create_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == [], "models and migrations differ: add a revision under bot/migrations/versions"
        assert schema_status(engine).current == head_revision()
    finally:
        engine.dispose()


def test_a_database_from_before_migrations_is_adopted_and_keeps_its_data(url: str) -> None:
    engine = create_engine(url)
    try:
        config = alembic_config(engine)
        with engine.begin() as connection:  # the schema an old advisor created, without Alembic's table
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.execute(text("DROP TABLE alembic_version"))
            connection.execute(
                text(
                    "INSERT INTO diagnoses (id, data, finished, updated_at) "
                    "VALUES ('old', '{\"answers\": [1]}', false, 1.0)"
                )
            )
        assert schema_status(engine).legacy
        if engine.dialect.name == "postgresql":
            with pytest.raises(SchemaOutdated, match="asesor db upgrade"):
                Store(url)
            upgrade(engine)
        store = Store(url)  # SQLite upgrades itself on first use
        assert store.load_diagnosis_versioned(diagnosis_id="old") == ({"answers": [1]}, 1)
        store.close()
    finally:
        engine.dispose()


@pytest.mark.slow  # `asesor db` as a subprocess
def test_db_commands_migrate_and_report(url: str, tmp_path: Path) -> None:
    env = {**os.environ, "ASESOR_DATABASE_URL": url}

    def asesor(*args: str) -> subprocess.CompletedProcess[str]:
        return run_asesor(env, "db", *args)

    before = asesor("current")
    assert before.returncode == 1 and "asesor db upgrade" in before.stdout
    done = asesor("upgrade")
    assert done.returncode == 0, done.stderr
    assert f"a la revisión {head_revision()}" in done.stdout
    after = asesor("current")
    assert after.returncode == 0 and "al día" in after.stdout
    if not url.startswith("postgresql"):
        return
    down = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "current"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**env, "ASESOR_DATABASE_URL": "postgresql+psycopg://nadie@127.0.0.1:1/asesor"},
        timeout=60,
    )
    assert down.returncode == 1 and "No se pudo conectar" in down.stderr and "Traceback" not in down.stderr
