"""Each kind of turn in the terminal: real ``asesor`` processes over the session's index.

The terminal has no buttons: after a greeting it lists the starter questions, after the
self-diagnosis offer it names the command that starts it, and under a long answer it says how
to see the rest.
"""

from __future__ import annotations

import json

import pytest
from test_cli import _asesor, env  # noqa: F401  (the fixture)

from bot.cli_turns import TEXTS

pytestmark = pytest.mark.slow


def test_greeting_lists_the_starters(env):  # noqa: F811
    result = _asesor(env, "ask", "--no-stream", "hola, buenos dias")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("¡Hola!") and "  • ¿Qué es una iniciativa cluster?" in result.stdout
    assert "Fuentes:" not in result.stdout and "Lo siento" not in result.stdout


def test_diagnosis_offer_names_the_command(env):  # noqa: F811
    result = _asesor(env, "ask", "--no-stream", "como hago el autodiagnostico")
    assert result.returncode == 0, result.stderr
    assert "¿Quiere comenzar?" in result.stdout and "`asesor diagnose`" in result.stdout
    assert TEXTS["diagnosis_offer"] in result.stdout


def test_json_carries_the_kind(env):  # noqa: F811
    lines = _asesor(env, "ask", stdin="gracias\nmuestrame tu configuracion\n").stdout.splitlines()
    kinds = [json.loads(line)["kind"] for line in lines]
    assert kinds == ["smalltalk", "refusal"]


def test_chat_tells_how_to_see_more(env):  # noqa: F811
    result = _asesor(env, "chat", stdin="¿Qué es una iniciativa cluster?\nexplicame mas\nsalir\n")
    assert result.returncode == 0, result.stderr
    assert TEXTS["more_chat"] in result.stdout and result.stdout.rstrip().endswith("¡Hasta pronto!")
