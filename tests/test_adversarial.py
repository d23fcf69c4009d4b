"""Adversarial input: a table of cases, each with its channel, input and expected behaviour.

Why: the advisor is public; anyone can type anything. The cases follow OWASP's Top 10 for LLM
applications as it applies here (prompt injection, direct and hidden in the corpus; system-prompt
extraction; improper output handling: HTML, Markdown links, terminal escapes; unbounded
consumption: huge bodies, deep JSON, slow clients; excessive agency: ids and paths). Every case
runs against the default extractive answerer and against the generative one: the model configured
by ``ASESOR_ANSWERER=llm`` (``ASESOR_LLM_BASE_URL`` or ``ASESOR_LLM_GGUF``) when there is one, else the
OpenAI-compatible fake on loopback (``fakes/openai_server.py``), so CI runs every case twice.

Run ``ASESOR_ADVERSARIAL_TABLE=/tmp/adversarial.md pytest tests/test_adversarial.py`` to also
write the table with what each case observed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from adversarial_cases import ANSWERERS, CASES, INJECTED, Case, Harness
from fakes.openai_server import FakeOpenAI
from fastapi.testclient import TestClient
from realserver import AsesorServer

from bot.advisor import Advisor
from bot.api import create_app
from bot.compose import build_services
from bot.index import build_index, publish_build
from bot.settings import ROOT, Settings


# --- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def injected_advisor(index_dir: Path, tmp_path_factory: pytest.TempPathFactory, shared_embedder) -> Advisor:
    """A booklet with an injected passage (prompt injection, script, a javascript: link) indexed
    for real; only the changed chunks are embedded (the vector cache is copied)."""
    root = tmp_path_factory.mktemp("inyectado")
    corpus = root / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    booklet = corpus / "abc-iniciativas-cluster.txt"
    text = booklet.read_text(encoding="utf-8")
    anchor = "y consolidación de la IC.\n"
    assert anchor in text
    booklet.write_text(text.replace(anchor, f"{anchor}\n  {INJECTED}\n", 1), encoding="utf-8")
    shutil.copytree(index_dir / "cache", root / "index" / "cache")
    settings = Settings(index_dir=root / "index", corpus_dir=corpus, database_url=f"sqlite:///{root / 'db.sqlite3'}")
    manifest = build_index(settings, shared_embedder)  # the session's calibration is reused, not refitted
    build = root / "index" / "builds" / manifest["version"]
    source = index_dir / "builds" / (index_dir / "CURRENT").read_text().strip() / "calibration.json"
    shutil.copy(source, build / "calibration.json")
    publish_build(settings, build)
    return build_services(settings, embedder=shared_embedder).answers


def _answerer_settings(answerer: str, index_dir: Path, db: Path, model_url: str | None) -> Settings:
    common = {"index_dir": index_dir, "database_url": f"sqlite:///{db}", "rate_limit_per_minute": 1_000_000}
    if answerer == "extractive":
        return Settings(answerer="extractive", **common)
    if model_url is None:  # the model configured in the environment (ASESOR_LLM_BASE_URL / ASESOR_LLM_GGUF)
        return Settings(answerer="llm", **common)
    return Settings(answerer="llm", llm_base_url=model_url, llm_gguf=None, **common)


def _configured_model() -> bool:
    return os.environ.get("ASESOR_ANSWERER") == "llm" and bool(
        os.environ.get("ASESOR_LLM_BASE_URL") or os.environ.get("ASESOR_LLM_GGUF")
    )


# The generative harness starts the fake model server (a real HTTP server on loopback): slow lane.
@pytest.fixture(
    scope="module", params=[pytest.param(a, marks=pytest.mark.slow) if a == "llm" else a for a in ANSWERERS]
)
def harness(
    request: pytest.FixtureRequest,
    index_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    shared_embedder,
    injected_advisor: Advisor,
) -> Iterator[Harness]:
    tmp = tmp_path_factory.mktemp(f"adversarial-{request.param}")
    with contextlib.ExitStack() as stack:
        model_url = None
        if request.param == "llm" and not _configured_model():
            model_url = stack.enter_context(FakeOpenAI(token_delay=0.0)).base_url
        settings = _answerer_settings(request.param, index_dir, tmp / "db.sqlite3", model_url)
        services = build_services(settings, embedder=shared_embedder)
        env = {
            "ASESOR_INDEX_DIR": str(index_dir),
            "ASESOR_DATABASE_URL": settings.database_url,
            "ASESOR_ANSWERER": settings.answerer,
            "ASESOR_BODY_TIMEOUT_SECONDS": "2",
            "ASESOR_RATE_LIMIT_PER_MINUTE": "1000000",
            **({"ASESOR_LLM_BASE_URL": model_url} if model_url else {}),
        }
        client = stack.enter_context(TestClient(create_app(settings, services)))
        yield Harness(request.param, settings, services.answers, client, injected_advisor, env, tmp, services)


@pytest.fixture(scope="module")
def slow_server(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsesorServer]:
    tmp = tmp_path_factory.mktemp("lento")
    env = {
        "ASESOR_INDEX_DIR": str(index_dir),
        "ASESOR_DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "ASESOR_BODY_TIMEOUT_SECONDS": "2",
        "ASESOR_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    with AsesorServer(env, tmp / "serve.log") as server:
        yield server


_OBSERVED: list[tuple[str, str, str, str, str, str]] = []


def test_the_table_has_at_least_30_distinct_cases() -> None:
    assert len(CASES) >= 30 and len({c.id for c in CASES}) == len(CASES)
    assert {c.channel for c in CASES} >= {"api", "api-real", "cli", "telegram", "widget", "index"}


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.channel == "api-real" else []) for c in CASES]
)  # "api-real" cases start a real server process
def test_adversarial_case(case: Case, harness: Harness, request: pytest.FixtureRequest) -> None:
    if case.channel == "api-real":
        harness.slow_server = request.getfixturevalue("slow_server")  # type: ignore[attr-defined]
    observed = case.run(harness)
    _OBSERVED.append((harness.answerer, case.id, case.channel, case.input, case.expected, observed))
    target = os.environ.get("ASESOR_ADVERSARIAL_TABLE")
    if target:
        rows = ["| respuesta | caso | canal | entrada | esperado | observado |", "|---|---|---|---|---|---|"]
        rows += [
            "| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |" for row in _OBSERVED
        ]
        Path(target).write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert isinstance(observed, str) and observed.strip(), f"{case.id}: the case observed nothing"
    if harness.answerer == "llm":  # a generative run that fell back to the extractive answer never tested the model
        assert "(extractive)" not in observed, f"{case.id}: the generative answerer was not used: {observed}"
