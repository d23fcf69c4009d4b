"""Adversarial input: a table of cases, each with its channel, input and expected behaviour.

Why: the advisor is public; anyone can type anything. The cases follow OWASP's Top 10 for LLM
applications as it applies here (prompt injection, direct and hidden in the corpus; system-prompt
extraction; improper output handling: HTML, Markdown links, terminal escapes; unbounded
consumption: huge bodies, deep JSON, slow clients; excessive agency: ids and paths). Every case
runs against the default extractive answerer and, when ``ASESOR_ANSWERER=llm`` is configured,
against the generative one (skipped with the reason otherwise).

Run ``ASESOR_ADVERSARIAL_TABLE=/tmp/adversarial.md pytest tests/test_adversarial.py`` to also
write the table with what each case observed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from adversarial_cases import ANSWERERS, CASES, INJECTED, Harness
from fastapi.testclient import TestClient
from realserver import AsesorServer

from bot.advisor import Advisor
from bot.compose import build_services
from bot.api import create_app
from bot.index import build_index
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
    manifest = build_index(settings, shared_embedder)
    source = index_dir / "builds" / (index_dir / "CURRENT").read_text().strip() / "calibration.json"
    shutil.copy(source, root / "index" / "builds" / manifest["version"] / "calibration.json")
    return build_services(settings, embedder=shared_embedder).answers


def _answerer_settings(answerer: str, index_dir: Path, db: Path) -> Settings:
    if answerer == "extractive":
        return Settings(index_dir=index_dir, database_url=f"sqlite:///{db}", answerer="extractive",
                        rate_limit_per_minute=1_000_000)
    if os.environ.get("ASESOR_ANSWERER") != "llm":
        pytest.skip("respuesta generativa no configurada: defina ASESOR_ANSWERER=llm y ASESOR_LLM_BASE_URL "
                    "o ASESOR_LLM_GGUF para correr estos casos también contra ella")
    return Settings(index_dir=index_dir, database_url=f"sqlite:///{db}", rate_limit_per_minute=1_000_000)


@pytest.fixture(scope="module", params=ANSWERERS)
def harness(request: pytest.FixtureRequest, index_dir: Path, tmp_path_factory: pytest.TempPathFactory,
            shared_embedder, injected_advisor: Advisor) -> Iterator[Harness]:
    tmp = tmp_path_factory.mktemp(f"adversarial-{request.param}")
    settings = _answerer_settings(request.param, index_dir, tmp / "db.sqlite3")
    try:
        services = build_services(settings, embedder=shared_embedder)
    except Exception as error:  # the generative answerer is configured but cannot start here
        pytest.skip(f"no se pudo crear el asesor «{request.param}»: {error}")
    env = {"ASESOR_INDEX_DIR": str(index_dir), "ASESOR_DATABASE_URL": settings.database_url,
           "ASESOR_ANSWERER": settings.answerer, "ASESOR_BODY_TIMEOUT_SECONDS": "2",
           "ASESOR_RATE_LIMIT_PER_MINUTE": "1000000"}
    with TestClient(create_app(settings, services)) as client:
        yield Harness(request.param, settings, services.answers, client, injected_advisor, env, tmp, services)


@pytest.fixture(scope="module")
def slow_server(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsesorServer]:
    tmp = tmp_path_factory.mktemp("lento")
    env = {"ASESOR_INDEX_DIR": str(index_dir), "ASESOR_DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
           "ASESOR_BODY_TIMEOUT_SECONDS": "2", "ASESOR_RATE_LIMIT_PER_MINUTE": "1000000"}
    with AsesorServer(env, tmp / "serve.log") as server:
        yield server


_OBSERVED: list[tuple[str, str, str, str, str, str]] = []


def test_the_table_has_at_least_30_distinct_cases() -> None:
    assert len(CASES) >= 30 and len({c.id for c in CASES}) == len(CASES)
    assert {c.channel for c in CASES} >= {"api", "api-real", "cli", "telegram", "widget", "index"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_adversarial_case(case: Case, harness: Harness, request: pytest.FixtureRequest) -> None:
    if case.channel == "api-real":
        harness.slow_server = request.getfixturevalue("slow_server")  # type: ignore[attr-defined]
    observed = case.run(harness)
    _OBSERVED.append((harness.answerer, case.id, case.channel, case.input, case.expected, observed))
    target = os.environ.get("ASESOR_ADVERSARIAL_TABLE")
    if target:
        rows = ["| respuesta | caso | canal | entrada | esperado | observado |", "|---|---|---|---|---|---|"]
        rows += ["| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |"
                 for row in _OBSERVED]
        Path(target).write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert json.dumps(observed)
