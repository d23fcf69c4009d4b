"""``asesor``: the command line, a thin layer over the services (``bot.compose``).

Every command builds what it needs from ``Settings`` (the environment); user-facing output is
Spanish, errors are one Spanish line and exit code 1 or 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_db import db_app
from bot.cli_staff import staff_app
from bot.cli_turns import print_turn_extras
from bot.errors import AdvisorError
from bot.settings import Settings
from bot.text import strip_terminal_controls

__all__ = ["app"]

app = typer.Typer(help="El asesor de la Red Cluster Colombia.", no_args_is_help=True, add_completion=False)
app.add_typer(db_app, name="db")  # asesor db upgrade / asesor db current
app.add_typer(staff_app, name="staff")  # asesor staff add / remove / list / export-eval


def _safe(text: str) -> str:
    """Text fit for a terminal: no escape sequences or control characters from any source."""
    return strip_terminal_controls(text)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(_safe(message), err=True)
    raise typer.Exit(code)


def _say(message: str) -> None:
    typer.echo(_safe(message), err=True)


def _services(settings: Settings):
    """Every service (``bot.compose``), building the index first when it is missing or damaged;
    closed at exit, so the staff console's recorder writes what it holds."""
    import atexit

    from bot.compose import build_services
    from bot.services.indexing import build_and_publish, ensure_index

    ensure_index(settings, _say)
    try:
        services = build_services(settings)
    except AdvisorError as error:
        if error.code != "indice_no_disponible" or settings.chroma_url:
            raise
        _say(f"{error.message} Lo reconstruyo ahora…")
        build_and_publish(settings)
        services = build_services(settings)
    atexit.register(services.close)
    return services


@app.command()
def index(
    force: Annotated[bool, typer.Option("--force", help="Reconstruir aunque esté al día.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Solo informar si está al día.")] = False,
) -> None:
    """Construye (o verifica) el índice de la cartilla."""
    from bot.services.indexing import build_and_publish, index_status

    settings = Settings()
    try:
        status, message = index_status(settings)
        if check:
            typer.echo(message)
            raise typer.Exit(0 if status == "fresh" else 1)
        if status == "fresh" and not force:
            typer.echo(f"{message} (use --force para reconstruirlo)")
            return
        manifest = build_and_publish(settings)
    except AdvisorError as error:
        _fail(error.message)
        return
    calibration = manifest["calibration"]
    typer.echo(
        f"Índice {manifest['version']} listo: {manifest['chunks']} fragmentos, "
        f"{manifest['embedded']} embebidos de nuevo, "
        f"{manifest['build_seconds']} s; α={calibration['alpha']}, umbral de alcance {calibration['threshold']}."
    )


def _print_answer(answer, *, chat: bool = False) -> None:
    typer.echo(_safe(answer.answer))
    _print_sources(answer, chat=chat)


def _print_sources(answer, *, chat: bool = False) -> None:
    print_turn_extras(answer, chat=chat)  # starters of a greeting, `asesor diagnose` after the offer, «Ver más»
    if answer.citations:
        typer.echo("\nFuentes:")
        for citation in answer.citations:
            typer.echo(_safe(f"  [{citation.n}] {citation.section}"))
    if answer.suggestions and not answer.in_scope:
        typer.echo("\nPuede preguntarme, por ejemplo:")
        for suggestion in answer.suggestions:
            typer.echo(_safe(f"  • {suggestion}"))


def _stream_answer(answers, question: str, *, conversation_id: str | None = None, converse: bool = False):
    """Print the model's words as it writes them, then the checked answer. When the check replaced
    the draft (an uncited claim, a model that died), say so and print the answer that counts."""
    stream = answers.stream(question, conversation_id=conversation_id, converse=converse)
    chat = converse
    for piece in stream:
        typer.echo(_safe(piece), nl=False)
        sys.stdout.flush()
    answer = stream.answer
    if not stream.streamed:
        _print_answer(answer, chat=chat)
    elif not stream.replaced_draft:
        typer.echo()
        _print_sources(answer, chat=chat)
    else:
        typer.echo("\n\nRespuesta final (reemplaza el borrador de arriba):")
        _print_answer(answer, chat=chat)
    return answer


def _streaming(option: bool | None) -> bool:
    """Stream to a person at a terminal; a pipe or a file gets only the final answer."""
    return sys.stdout.isatty() if option is None else option


_STREAM_HELP = "Mostrar el texto del modelo generativo mientras se escribe (por defecto, en una terminal)."


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="La pregunta; sin ella lee una por línea de stdin.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Imprimir el objeto de respuesta en JSON.")] = False,
    stream: Annotated[bool | None, typer.Option("--stream/--no-stream", help=_STREAM_HELP)] = None,
) -> None:
    """Responde una pregunta sobre la cartilla (o una por línea desde stdin, en JSON)."""
    try:
        answers = _services(Settings()).answers
        if question is None:
            for line in sys.stdin:
                if not line.strip():
                    continue
                try:
                    payload = answers.ask(line.rstrip("\n")).model_dump(exclude={"answerer", "conversation_id"})
                except AdvisorError as error:
                    payload = {"question": line.rstrip("\n"), "error": {"code": error.code, "message": error.message}}
                typer.echo(json.dumps(payload, ensure_ascii=False))
            return
        if _streaming(stream) and not as_json:
            _stream_answer(answers, question)
            return
        answer = answers.ask(question)
    except AdvisorError as error:
        _fail(error.message)
        return
    if as_json:
        typer.echo(json.dumps(answer.model_dump(exclude={"answerer", "conversation_id"}), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer)


@app.command()
def chat() -> None:
    """Conversación interactiva: una pregunta por línea; «salir» para terminar."""
    try:
        answers = _services(Settings()).answers
    except AdvisorError as error:
        _fail(error.message)
        return
    conversation: str | None = None  # started by the first answer
    typer.echo("Hola, soy el asesor de la Red Cluster Colombia. Pregúnteme sobre la cartilla («salir» para terminar).")
    for suggestion in answers.starters():
        typer.echo(f"  • {suggestion}")
    while True:
        try:
            line = input("\n> ")
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip().lower() in {"salir", "exit", "quit"}:
            break
        try:
            if _streaming(None):
                answer = _stream_answer(answers, line, conversation_id=conversation, converse=True)
            else:
                answer = answers.ask(line, conversation_id=conversation, converse=True)
                _print_answer(answer, chat=True)
            conversation = answer.conversation_id
        except AdvisorError as error:
            typer.echo(_safe(error.message))
    typer.echo("¡Hasta pronto!")


@app.command()
def diagnose(
    resume: Annotated[str | None, typer.Option("--id", help="Continuar un autodiagnóstico guardado.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Carpeta para el informe.")] = Path("reports"),
) -> None:
    """Autodiagnóstico interactivo de las 13 buenas prácticas; escribe el informe al terminar."""
    from bot.cli_diagnose import run_diagnosis

    try:
        run_diagnosis(_services(Settings()).diagnoses, resume=resume, out=out)
    except AdvisorError as error:
        _fail(error.message)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interfaz de red.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Puerto.")] = 8000,
    workers: Annotated[int, typer.Option(help="Procesos de trabajo.")] = 1,
) -> None:
    """Inicia el servidor web (API, widget y página de demostración)."""
    from bot.api.server import serve as run_server
    from bot.cli_db import check_database
    from bot.services.indexing import ensure_index

    settings = Settings(workers=workers)
    try:
        check_database(settings)  # an old schema stops here, not in every worker
        ensure_index(settings, _say, verify=True)  # the server's own start-up builds the services once
    except AdvisorError as error:
        _fail(error.message, 2)
    typer.echo(f"Asesor disponible en http://{host}:{port}/  (Ctrl+C para detener)")
    run_server(settings, host=host, port=port, workers=workers)


@app.command()
def telegram() -> None:
    """Inicia el bot de Telegram (long polling, o webhook si ASESOR_TELEGRAM_WEBHOOK_URL está definido)."""
    settings = Settings()
    if not settings.telegram_token:
        _fail("Falta ASESOR_TELEGRAM_TOKEN: cree un bot con @BotFather y defina la variable.", 2)
    try:
        services = _services(settings)
        if settings.telegram_webhook_url:  # the HTTP app is the one webhook server (behind a TLS proxy)
            from bot.api.server import serve as run_server

            run_server(settings, host="127.0.0.1", port=8081, services=services)
        else:
            from bot.telegram import run_polling

            run_polling(settings, services)
    except AdvisorError as error:
        _fail(error.message)


@app.command("eval")
def evaluate(
    split: Annotated[str, typer.Option(help="Partición: test, tune o all.")] = "test",
    compare: Annotated[bool, typer.Option(help="Comparar embedders y configuraciones.")] = True,
) -> None:
    """Mide la recuperación sobre el conjunto de evaluación (Recall@k, MRR, fuera de alcance)."""
    from bot.evaluation.run import main

    main(split=split, compare=compare)


@app.command()
def bench(
    embedder: Annotated[str | None, typer.Option(help="e5 o sentence-transformers.")] = None,
) -> None:
    """Mide latencia de respuesta (p50/p99), tiempo de construcción del índice y memoria."""
    from bot.evaluation.bench import main

    main(embedder=embedder)


from bot.cli_privacy import purge  # noqa: E402  (asesor purge)

app.command()(purge)
from bot.cli_handoff import handoff  # noqa: E402  (asesor handoff --id …)

app.command()(handoff)


if __name__ == "__main__":  # pragma: no cover
    app()
