"""The widget when the advisor is overloaded: it waits ``Retry-After``, retries once, then shows
the server's polite Spanish message. Real Chromium, real server; the 503 is injected at the
browser's network edge (Playwright routing), the retry goes to the real server."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser
BUSY = {
    "error": {
        "code": "asesor_ocupado",
        "message": "En este momento el asesor está atendiendo muchas consultas. "
        "Intente de nuevo en 1 segundo, por favor.",
    }
}


@pytest.fixture
def page(open_page: Any, live_server: Any) -> Iterator[Any]:
    with open_page(url=live_server.url + "/") as opened:
        yield opened


def busy_first(page: Any, times: int) -> list[float]:
    """The first ``times`` question requests get 503 + Retry-After: 1; the rest reach the server."""
    seen: list[float] = []

    def handle(route: Any) -> None:
        seen.append(time.monotonic())
        if len(seen) <= times:
            route.fulfill(
                status=503, headers={"Retry-After": "1", "Content-Type": "application/json"}, body=json.dumps(BUSY)
            )
        else:
            route.continue_()

    page.route(re.compile(r"/api/ask/stream$"), handle)
    return seen


def send(page: Any, question: str) -> None:
    page.get_by_role("button", name="Abrir el asesor de la Red Cluster Colombia").click()
    box = page.get_by_role("textbox", name="Escriba su pregunta")
    box.fill(question)
    box.press("Enter")


def test_the_widget_retries_once_after_retry_after_and_answers(page: Any) -> None:
    seen = busy_first(page, 1)
    send(page, "¿Qué es una iniciativa cluster?")
    page.get_by_text("Hay muchas consultas en este momento").wait_for()
    answer = page.locator(".msg.bot").last
    answer.locator(".fb").wait_for(timeout=30_000)  # the real answer, after the retry
    assert len(seen) == 2 and seen[1] - seen[0] >= 0.9
    assert "[1]" in answer.inner_text()


def test_the_widget_says_so_politely_when_still_busy(page: Any) -> None:
    seen = busy_first(page, 5)
    send(page, "¿Qué es una iniciativa cluster?")
    error = page.locator(".msg.error").last
    error.wait_for(timeout=30_000)
    assert "atendiendo muchas consultas" in error.inner_text()
    page.wait_for_timeout(1500)
    assert len(seen) == 2  # one retry, no more
