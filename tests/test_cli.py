"""The ``asesor`` command line, run as real processes with real stdin."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from cli_process import run_asesor

from bot.settings import ROOT

pytestmark = pytest.mark.slow  # every test runs `asesor` as a subprocess


@pytest.fixture
def env(index_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ASESOR_INDEX_DIR": str(index_dir),
        "ASESOR_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
    }


def _asesor(env: dict[str, str], *args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_asesor(env, *args, stdin=stdin, cwd=cwd)


def test_ask_json_returns_the_design_object(env):
    result = _asesor(env, "ask", "--json", "que es una iniciativa cluster")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"question", "answer", "in_scope", "citations", "passages", "suggestions", "kind", "more"}
    assert payload["citations"][0]["section"].startswith("1. Introducción")
    assert set(payload["citations"][0]) == {"n", "section", "text", "score", "id"}
    assert set(payload["passages"][0]) >= {"id", "section", "text", "score"}


def test_ask_prints_citations_under_the_answer(env):
    result = _asesor(env, "ask", "cuales son las fases para diseñar una iniciativa cluster")
    assert result.returncode == 0
    assert "Fuentes:" in result.stdout and "4. Fases para el diseño" in result.stdout


def test_batch_mode_reads_one_question_per_line(env):
    stdin = "que es gobernanza\n\nquien gano el mundial\n" + "x" * 5000 + "\n"
    result = _asesor(env, "ask", stdin=stdin)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("in_scope") for line in lines] == [True, False, None]
    assert lines[2]["error"]["code"] == "pregunta_muy_larga"


def test_terminal_output_has_no_control_sequences(env):
    result = _asesor(env, "ask", "\x1b[2J\x1b[31mque es gobernanza\x07")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_diagnosis_interrupted_and_resumed_in_a_new_process(env, tmp_path: Path):
    first = _asesor(env, "diagnose", "--out", str(tmp_path), stdin="2\nparcial\nno\nque es esto\nsalir\n")
    assert first.returncode == 0, first.stderr
    assert "Pregunta 4 de 13" in first.stdout
    session_id = first.stdout.split("--id ")[1].split()[0].rstrip(")")
    answers = "a medias\nsí, completo\n1\n0\n2\n1\n1\n0\n2\n1\n"
    second = _asesor(env, "diagnose", "--id", session_id, "--out", str(tmp_path), stdin=answers)
    assert second.returncode == 0, second.stderr
    assert "Pregunta 4 de 13" in second.stdout
    assert "Pregunta 1 de 13" not in second.stdout
    reports = sorted(p.suffix for p in tmp_path.glob(f"autodiagnostico-{session_id}.*"))
    assert reports == [".html", ".md", ".pdf", ".png"]
    markdown = (tmp_path / f"autodiagnostico-{session_id}.md").read_text(encoding="utf-8")
    assert "Puntaje total:** 14 de 26" in markdown  # 2+1+0 (first run) + 1+2+1+0+2+1+1+0+2+1
    assert (tmp_path / f"autodiagnostico-{session_id}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
