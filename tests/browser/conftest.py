"""Fixtures for the browser tests: the real server in a subprocess and a headless Chromium.

Why: the widget is only proven in a real browser talking to a real uvicorn over a socket
(streaming, Shadow DOM, localStorage, CSP). The server is started the way ``asesor serve
--workers N`` starts workers (``bot.api.app:app_from_env`` with ``ASESOR_*`` variables), over the
session's index and a fresh SQLite database; ``start_live_server`` starts one with extra settings
(the staff console's and the hand-off links' servers). Playwright drives Debian's chromium: its bundled
browsers are not installed here.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import free_port, stop_process

from bot.api.server import settings_environment
from bot.settings import ROOT, Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Where the tests save their screenshots; ASESOR_SCREENSHOTS puts them outside the checkout.
SCREENSHOTS = Path(os.environ.get("ASESOR_SCREENSHOTS") or ROOT / "artifacts" / "screenshots")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real Chromium against a real server (slow)")


@dataclass
class LiveServer:
    url: str
    settings: Settings
    log: Path


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("No está /usr/bin/chromium: las pruebas de navegador necesitan el chromium de Debian")


@contextmanager
def start_live_server(index_dir: Path, folder: Path, *, prepare=None, **extra) -> Iterator[LiveServer]:
    """The app served by a real uvicorn over ``index_dir`` and a fresh SQLite database in ``folder``,
    with ``extra`` settings (passed to the worker as ``ASESOR_*`` variables, secrets included);
    ``prepare(settings)`` runs before the server starts (e.g. to create staff accounts)."""
    require_chromium()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        index_dir=index_dir,
        database_url=f"sqlite:///{folder / 'asesor.sqlite3'}",
        allowed_origins=[url],
        rate_limit_per_minute=10_000,
        **extra,
    )
    if prepare is not None:
        prepare(settings)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for key, value in settings_environment(settings).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    log = folder / "uvicorn.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bot.api.app:app_from_env",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"El servidor terminó al arrancar:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"El servidor no respondió a tiempo:\n{log.read_text(errors='replace')}")
            time.sleep(0.25)
        yield LiveServer(url=url, settings=settings, log=log)
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def serve_app(index_dir: Path):
    """``serve_app(folder, **settings)``: a context manager starting one more live server."""
    return functools.partial(start_live_server, index_dir)


@pytest.fixture(scope="session")
def live_server(serve_app, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_app(tmp_path_factory.mktemp("servidor")) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def _watched_page(browser: Any, *, url: str | None = None, height: int = 800) -> Iterator[Any]:
    """A fresh browser context and page (Spanish, Colombia) that collects JavaScript errors in
    ``page.errors``, opens ``url`` when given, and fails the test on any error when it closes."""
    context = browser.new_context(viewport={"width": 1280, "height": height}, locale="es-CO")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    if url is not None:
        page.goto(url)
    yield page
    assert page.errors == [], page.errors  # no JavaScript error in any test
    context.close()


@pytest.fixture(scope="module")
def open_page(browser: Any):
    """``open_page(url=…, height=…)``: a context manager giving a watched page (see ``_watched_page``)."""
    return functools.partial(_watched_page, browser)


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
