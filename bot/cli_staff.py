"""``asesor staff``: staff accounts of the console and the export of marked questions to the eval set.

Why this exists: accounts are created by the operator, never from the web (no sign-up page to
attack). ``add`` asks for the password twice on a terminal, or reads one line from stdin for
scripts; ``export-eval`` turns the questions staff marked «añadir al conjunto de evaluación» into
YAML stubs in the format of ``corpus/eval/questions.yaml`` (tune split, evidence to fill in).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
import yaml

from bot.settings import Settings

__all__ = ["staff_app", "eval_stubs"]

staff_app = typer.Typer(
    help="Cuentas de la consola del equipo (/staff) y exportación al conjunto de evaluación.",
    no_args_is_help=True,
    add_completion=False,
)


def _console():
    from bot.console.service import open_staff_console
    from bot.errors import AdvisorError

    try:
        return open_staff_console(Settings())
    except AdvisorError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(1) from None


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("Contraseña (mínimo 12 caracteres)", hide_input=True)
    second = typer.prompt("Repita la contraseña", hide_input=True)
    if first != second:
        typer.echo("Las contraseñas no coinciden; no se creó la cuenta.", err=True)
        raise typer.Exit(2)
    return first


@staff_app.command("add")
def add(email: Annotated[str, typer.Argument(help="Correo de la persona del equipo.")]) -> None:
    """Crea una cuenta del equipo (la contraseña se pide dos veces, o una línea por la entrada estándar)."""
    from bot.console.accounts import AccountError

    console = _console()
    try:
        created = console.accounts.add(email, _password())
    except AccountError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Cuenta creada: {created}")


@staff_app.command("remove")
def remove(email: Annotated[str, typer.Argument(help="Correo de la cuenta que se borra.")]) -> None:
    """Borra una cuenta del equipo (sus sesiones dejan de valer al instante)."""
    from bot.console.accounts import AccountError

    try:
        removed = _console().accounts.remove(email)
    except AccountError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    if not removed:
        typer.echo(f"No existe una cuenta con el correo {email.strip().lower()}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Cuenta borrada: {email.strip().lower()}")


@staff_app.command("list")
def list_accounts() -> None:
    """Lista las cuentas del equipo."""
    accounts = _console().accounts.list()
    if not accounts:
        typer.echo("No hay cuentas del equipo. Cree una con «asesor staff add CORREO».")
        return
    for account in accounts:
        last = time.strftime("%Y-%m-%d %H:%M", time.gmtime(account["last_login"])) if account["last_login"] else "nunca"
        locked = " (bloqueada)" if account["locked"] else ""
        typer.echo(f"{account['email']}  último ingreso: {last}{locked}")


def eval_stubs(candidates: list[dict], existing: list[dict]) -> list[dict]:
    """YAML items for marked questions not already in the eval set, with the next free ids."""
    numbers = [int(m.group(1)) for item in existing if (m := re.fullmatch(r"q(\d+)", str(item.get("id", ""))))]
    seen = {" ".join(str(item.get("q", "")).lower().split()) for item in existing}
    next_id = max(numbers, default=0) + 1
    stubs = []
    for candidate in candidates:
        key = " ".join(candidate["q"].lower().split())
        if not key or key in seen:
            continue
        seen.add(key)
        stubs.append(
            {
                "id": f"q{next_id:03d}",
                "q": candidate["q"],
                "section": candidate["section"] or "POR COMPLETAR",
                "evidence": "POR COMPLETAR: una frase exacta de la cartilla",
                "split": "tune",
                "kind": "plain",
            }
        )
        next_id += 1
    return stubs


@staff_app.command("export-eval")
def export_eval(
    out: Annotated[
        Path | None, typer.Option("--out", help="Archivo YAML de salida (por defecto, la pantalla).")
    ] = None,
) -> None:
    """Escribe las preguntas marcadas «añadir al conjunto de evaluación» como fichas YAML para completar."""
    settings = Settings()
    eval_file = settings.corpus_dir / "eval" / "questions.yaml"
    existing = yaml.safe_load(eval_file.read_text(encoding="utf-8")) if eval_file.exists() else []
    stubs = eval_stubs(_console().eval_candidates(), existing or [])
    if not stubs:
        typer.echo("No hay preguntas nuevas marcadas «añadir al conjunto de evaluación».", err=True)
        return
    header = (
        "# Preguntas reales marcadas en la consola del equipo. Complete «evidence» (frase exacta de la\n"
        "# cartilla), revise «section» y «kind» (oos si la cartilla no la responde) antes de añadirlas a\n"
        "# corpus/eval/questions.yaml.\n"
    )
    text = header + yaml.safe_dump(stubs, allow_unicode=True, sort_keys=False, width=120)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"{len(stubs)} preguntas escritas en {out}.", err=True)


@staff_app.command("bench")
def bench(
    rows: Annotated[int, typer.Option("--rows", min=1000, max=2_000_000, help="Preguntas sembradas.")] = 100_000,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Base vacía (por defecto, SQLite temporal).")
    ] = None,
    no_seed: Annotated[bool, typer.Option("--no-seed", help="Medir una base ya sembrada.")] = False,
    keep: Annotated[bool, typer.Option("--keep", help="Conservar la base SQLite temporal.")] = False,
) -> None:
    """Siembra una base con N preguntas y mide cada página de la consola (primera vez y mediana)."""
    import tempfile

    from bot.console.bench import seed, time_pages
    from bot.console.service import open_staff_console
    from bot.errors import AdvisorError
    from bot.services.database import upgrade_schema

    settings = Settings()
    folder = tempfile.mkdtemp(prefix="asesor-staff-bench-")
    settings = settings.model_copy(update={"database_url": database_url or f"sqlite:///{folder}/bench.sqlite3"})
    try:
        if not no_seed:  # an empty database gets the tables (a PostgreSQL one is not upgraded by itself)
            upgrade_schema(settings)
        console = open_staff_console(settings)
        started = time.perf_counter()
        if not no_seed:
            seed(console.staff_store.store, settings.corpus_dir, questions=rows)
            kind = settings.database_url.split(":", 1)[0]
            typer.echo(f"{rows} preguntas sembradas en {time.perf_counter() - started:.1f} s ({kind}).")
        console = open_staff_console(settings, embedder=True)
    except AdvisorError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(1) from None
    started = time.perf_counter()
    console.warm(background=False)  # what the server does in a thread at start-up: embed the texts to group
    typer.echo(f"  precálculo al arrancar (embeber los textos a agrupar): {time.perf_counter() - started:.1f} s")
    for page, (first, warm, cpu) in time_pages(console).items():
        typer.echo(f"  {page:<28} primera {first:7.0f} ms   mediana {warm:7.0f} ms   CPU {cpu:6.0f} ms")
    typer.echo("  Páginas completas (datos + tablas + HTML) y gráficas PNG, 90 días (reloj / CPU del proceso):")
    for name, (wall, cpu) in _whole_pages(console).items():
        typer.echo(f"  {name:<40} {wall:7.0f} ms / {cpu:5.0f} ms")
    if database_url is None:
        if keep:
            typer.echo(f"Base sembrada: {settings.database_url}")
        else:
            import shutil

            console.staff_store.store.close()
            shutil.rmtree(folder, ignore_errors=True)


def _whole_pages(console) -> dict[str, tuple[float, float]]:
    """What a page view costs the server beyond the data: the tables, the HTML (median of 3) and
    each chart, drawn (the first time) and again with the same numbers (from the image cache)."""
    import statistics

    from bot.console.service import Period
    from bot.staff.pages import render_page
    from bot.staff.tables import PAGES, page_data, tables

    now = time.time()
    period = Period(now - 90 * 86_400, now + 1)

    def timed(work, repeats: int = 3) -> tuple[float, float]:
        runs, cpu = [], []
        for _ in range(repeats):
            started, started_cpu = time.perf_counter(), time.process_time()
            work()
            runs.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        return statistics.median(runs), statistics.median(cpu)

    def html(page: str) -> None:
        data = page_data(console, page, period)
        render_page(page, data, tables(page, data), {"dias": "90"}, "dias=90", email="bench@red.test", csrf="x")

    figures = {f"/staff/{page}": timed(lambda page=page: html(page)) for page in PAGES}
    for chart in ("volumen", "practicas", "radar"):
        figures[f"/staff/grafica/{chart}.png (dibujada)"] = timed(lambda chart=chart: console.chart(chart, period), 1)
        figures[f"/staff/grafica/{chart}.png (misma cifra)"] = timed(lambda chart=chart: console.chart(chart, period))
    return figures
