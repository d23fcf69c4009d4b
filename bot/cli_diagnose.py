"""``asesor diagnose``: the terminal self-diagnosis, saved after every answer, with report files.

The loop itself is ``bot.diagnosis.run_terminal`` (pure, over callables); this module wires it
to the advisor's store and writes the Markdown, HTML, PNG and PDF reports when it finishes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from bot import diagnosis as dx
from bot.advisor import Advisor

__all__ = ["run_diagnosis"]


def _read_line() -> str | None:
    line = sys.stdin.readline()
    return None if line == "" else line.rstrip("\n")


def run_diagnosis(advisor: Advisor, *, resume: str | None, out: Path) -> None:
    session = advisor.diagnosis_session(resume)
    advisor.diagnosis_save(session)
    if not resume:
        typer.echo(advisor.instrument.intro.strip())
    typer.echo(f"(Código para continuar más tarde: asesor diagnose --id {session.id})")
    session = dx.run_terminal(
        instrument=advisor.instrument,
        session=session,
        save=advisor.diagnosis_save,
        read_line=_read_line,
        write=typer.echo,
    )
    if not session.finished:
        typer.echo(f"Autodiagnóstico guardado. Continúe con: asesor diagnose --id {session.id}")
        return
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in ("md", "html", "png", "pdf"):
        path = out / f"autodiagnostico-{session.id}.{fmt}"
        path.write_bytes(advisor.diagnosis_report(session.id, fmt))
        written.append(str(path))
    typer.echo("Informe guardado en:\n  " + "\n  ".join(written))
