"""The pieces that let several workers share one deployment, in-process and fast.

The shared rate limit over two stores (two workers' connection pools), the index watcher that
notices a newly published version, and the schema check a server runs before it starts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.api.ratelimit import SlidingWindowLimiter
from bot.api.scaleout import (
    StoreWindowLimiter,
    SyncedWindowLimiter,
    make_rate_limiter,
    shared_state,
)
from bot.index.build import current_build, write_atomic
from bot.index.live import IndexWatcher
from bot.services.operations import Operations
from bot.settings import Settings
from bot.store import Store, StoreUnavailable


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_two_workers_share_one_budget(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = Store(url), Store(url)
    clock = Clock(6_000_010.0)
    counters = [Operations(s, dict) for s in (first, second)]
    workers = [StoreWindowLimiter(3, lambda c=c: c, clock=clock) for c in counters]
    decisions = [workers[i % 2].hit("203.0.113.9") for i in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[3].retry_after == 50  # the window started at 6_000_000 and lasts 60 s
    assert workers[0].hit("198.51.100.4").allowed  # another client is not affected
    clock.now += 50
    assert workers[1].hit("203.0.113.9").allowed  # a new window
    first.close()
    second.close()


def test_the_limit_lets_requests_through_when_the_database_is_down() -> None:
    class DownStore:
        def count_hit(self, **_):
            raise StoreUnavailable("OperationalError")

    decision = StoreWindowLimiter(3, lambda: Operations(DownStore(), dict)).hit("203.0.113.9")  # type: ignore[arg-type]
    assert decision.allowed


def test_counters_move_to_the_database_only_when_the_state_is_shared() -> None:
    alone = Settings(database_url="sqlite:///x.sqlite3")
    assert not shared_state(alone) and isinstance(make_rate_limiter(alone, lambda: None), SlidingWindowLimiter)
    assert shared_state(alone.model_copy(update={"workers": 2}))
    several_machines = alone.model_copy(update={"database_url": "postgresql+psycopg://a@b/c"})
    assert shared_state(several_machines)
    assert isinstance(make_rate_limiter(alone.model_copy(update={"workers": 2}), lambda: None), SyncedWindowLimiter)
    assert isinstance(make_rate_limiter(several_machines, lambda: None), StoreWindowLimiter)  # exact


class CountingStore(Store):
    """The real store, counting how often the rate limit reaches the database."""

    calls = 0

    def count_hit(self, **kwargs) -> int:
        self.calls += 1
        return super().count_hit(**kwargs)


def test_synced_counters_share_one_budget_without_a_database_trip_per_request(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = CountingStore(url), CountingStore(url)
    clock = Clock(6_000_010.0)
    counters = [Operations(s, dict) for s in (first, second)]
    workers = [SyncedWindowLimiter(5, lambda c=c: c, clock=clock, background=False) for c in counters]
    assert all(workers[0].hit("203.0.113.9").allowed for _ in range(3))
    assert first.calls == 0  # decided in memory
    workers[0].sync()
    assert first.calls == 1  # three hits, one upsert
    assert workers[1].hit("203.0.113.9").allowed
    workers[1].sync()  # learns the other worker's three: 4 of 5 used
    assert workers[1].hit("203.0.113.9").allowed
    refused = workers[1].hit("203.0.113.9")
    assert not refused.allowed and refused.retry_after == 50
    assert workers[1].hit("198.51.100.4").allowed  # another client has its own budget
    workers[1].sync()
    workers[0].hit("203.0.113.9")  # stale by one sync at most: the worker that lagged catches up
    workers[0].sync()
    assert not workers[0].hit("203.0.113.9").allowed
    clock.now += 50
    assert workers[0].hit("203.0.113.9").allowed  # a new window
    first.close()
    second.close()


def test_synced_counters_let_requests_through_when_the_database_is_down() -> None:
    class DownStore:
        def count_hit(self, **_):
            raise StoreUnavailable("OperationalError")

    limiter = SyncedWindowLimiter(2, lambda: Operations(DownStore(), dict), background=False)  # type: ignore[arg-type]
    assert limiter.hit("203.0.113.9").allowed
    limiter.sync()  # logged, not raised
    assert limiter.hit("203.0.113.9").allowed
    assert not limiter.hit("203.0.113.9").allowed  # still limited by this process's own count


def _publish_copy(settings: Settings, version: str, *, embedder: str | None = None) -> None:
    """Publish a copy of the serving build under a new version name (no embedding needed)."""
    source = current_build(settings)
    assert source is not None
    target = settings.index_dir / "builds" / version
    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest["version"] = version
    if embedder:
        manifest["embedder"] = embedder
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    write_atomic(settings.index_dir / "CURRENT", version.encode())


def test_the_watcher_loads_a_newly_published_version(index_dir: Path, tmp_path: Path) -> None:
    local = tmp_path / "index"
    shutil.copytree(index_dir, local, ignore=shutil.ignore_patterns("cache"))
    settings = Settings(index_dir=local, index_check_seconds=5)
    serving = current_build(settings).name
    clock = Clock(100.0)
    watcher = IndexWatcher(settings, serving, clock=clock)
    assert watcher.poll() is None  # not due yet
    clock.now += 5
    assert watcher.poll() is None  # due, but nothing new
    _publish_copy(settings, "29990101T000000-aaaaaa")
    assert watcher.poll() is None  # checked 0 s ago: waits for the next period
    clock.now += 5
    index = watcher.poll()
    assert index is not None and index.version == "29990101T000000-aaaaaa" and index.chunks
    _publish_copy(settings, "29990101T000001-bbbbbb", embedder="sentence-transformers:otro")
    clock.now += 5
    assert watcher.poll() is None  # another embedder needs a restart, never a silent switch
    assert watcher.version == "29990101T000001-bbbbbb"  # …and is not reloaded on every check


def test_a_watcher_with_checks_disabled_never_reads_the_pointer(index_dir: Path) -> None:
    clock = Clock(0.0)
    watcher = IndexWatcher(Settings(index_dir=index_dir, index_check_seconds=0), "x", clock=clock)
    clock.now = 1e9
    assert watcher.poll() is None


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]
)  # a PostgreSQL server
def test_a_server_refuses_an_old_schema_with_a_spanish_instruction(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from bot.cli_db import check_database
    from bot.errors import Unavailable

    if backend == "sqlite":  # SQLite is private to one machine: brought up to date on the spot
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'new.sqlite3'}")
        check_database(settings)
        store = Store(settings.database_url, auto_upgrade=False)  # would raise if it were not current
        assert store.ping()
        store.close()
        return
    settings = Settings(database_url=request.getfixturevalue("pg_url"))
    with pytest.raises(Unavailable, match="Ejecute «asesor db upgrade»") as raised:
        check_database(settings)
    assert raised.value.code == "esquema_desactualizado"
