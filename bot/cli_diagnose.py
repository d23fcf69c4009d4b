"""``asesor diagnose``: the terminal self-diagnosis, saved after every answer, with report files.

The loop is ``bot.cli_terminal.run_terminal`` (over the diagnosis service, compare-and-set like
the web and Telegram); this module starts or resumes the diagnosis and writes the Markdown, HTML,
PNG and PDF reports when it finishes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli_terminal import run_terminal

if TYPE_CHECKING:
    from bot.services.diagnoses import Diagnoses

__all__ = ["run_diagnosis"]


def _read_line() -> str | None:
    line = sys.stdin.readline()
    return None if line == "" else line.rstrip("\n")


def run_diagnosis(diagnoses: Diagnoses, *, resume: str | None, out: Path) -> None:
    diagnosis_id = diagnoses.state(resume).id if resume else diagnoses.start().id
    if not resume:
        typer.echo(diagnoses.instrument.intro.strip())
    typer.echo(f"(Código para continuar más tarde: asesor diagnose --id {diagnosis_id})")
    state = run_terminal(diagnoses, diagnosis_id, read_line=_read_line, write=typer.echo)
    if not state.finished:
        typer.echo(f"Autodiagnóstico guardado. Continúe con: asesor diagnose --id {diagnosis_id}")
        return
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in ("md", "html", "png", "pdf"):
        path = out / f"autodiagnostico-{diagnosis_id}.{fmt}"
        path.write_bytes(diagnoses.report(diagnosis_id, fmt))
        written.append(str(path))
    typer.echo("Informe guardado en:\n  " + "\n  ".join(written))
