"""Static checks of the widget script and the demo page (fast; the browser tests go further).

Why: the widget is plain JavaScript with no build step, so nothing else would catch a syntax
error, an HTML sink that could run injected markup, or a Spanish string that lost its accents.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from bot.api.routes_misc import STATIC_DIR

WIDGET = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
DEMO = (STATIC_DIR / "demo.html").read_text(encoding="utf-8")
STRINGS = [m.group(1) for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', WIDGET)]


@pytest.mark.slow  # runs node
def test_widget_parses() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node no está instalado: la sintaxis se comprueba en las pruebas de navegador")
    result = subprocess.run([node, "--check", str(STATIC_DIR / "widget.js")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_widget_has_no_html_sinks() -> None:
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in WIDGET, sink
    assert 'attachShadow({ mode: "open" })' in WIDGET
    assert "textContent" in WIDGET


def test_widget_is_accessible_by_construction() -> None:
    for fragment in (
        'role: "dialog"',
        'role: "log"',
        '"aria-live": "polite"',
        'role: "progressbar"',
        '"aria-valuenow"',
        '"Escape"',
        "launcher.focus()",
        '"aria-expanded"',
    ):
        assert fragment in WIDGET, fragment


def test_widget_text_is_spanish_with_accents() -> None:
    required = [
        "Hacer el autodiagnóstico",
        "¿Qué significa?",
        "Atrás",
        "¡Gracias por su opinión!",
        "Guardamos sus preguntas y respuestas del autodiagnóstico para mejorar el servicio",
    ]
    for text in required:
        assert any(text in s for s in STRINGS), text
    unaccented = re.compile(
        r"\b(autodiagnostico|Atras|Que significa|opinion|conexion|Seccion|Grafico|"
        r"Practica|pestana|informacion|aqui|esta listo)\b"
    )
    offenders = [s for s in STRINGS if unaccented.search(s)]
    assert offenders == []


def test_demo_page_embeds_the_widget_over_hostile_css() -> None:
    assert '<html lang="es">' in DEMO
    assert '<script src="/widget.js" data-api="{{API}}"' in DEMO
    assert "font-family: Georgia" in DEMO and "!important" in DEMO and "button { background: red" in DEMO
    assert "<script>" not in DEMO  # no inline script: the page's CSP allows only 'self'
