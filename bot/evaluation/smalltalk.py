"""``make eval``'s conversation figures: small talk gets its friendly reply, questions do not.

Why a module of its own: the retrieval evaluation (``run.py``) needs an index; these figures
need only the rules (``corpus/smalltalk.yaml``, ``corpus/lexicon.yaml``), so they are cheap and
printed apart. Measured: the share of the small-talk set (``corpus/eval/smalltalk.yaml``) that
gets a friendly reply (any small-talk intent or the self-diagnosis offer; none may get the
refusal), the share that gets the intended one, and, over the retrieval eval set, every question
taken for small talk (target 0) and every in-scope question refused by the configuration and
markup rules (target 0).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.answer.scope import ScopeJudge
from bot.answer.turns import load_classifier
from bot.diagnosis import load_instrument
from bot.retrieval import Lexicon, clean_question
from bot.settings import Settings

__all__ = ["smalltalk_report", "smalltalk_scores"]

_SPLITS = {"test": "de prueba", "tune": "de ajuste", "all": "completa"}


def _load(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def smalltalk_scores(settings: Settings, *, split: str = "test") -> dict:
    corpus = settings.corpus_dir
    lexicon = Lexicon.load(corpus / "lexicon.yaml")
    classifier = load_classifier(
        corpus / "smalltalk.yaml", lexicon.abbreviations, load_instrument(corpus / "diagnosis.yaml")
    )
    judge = ScopeJudge(lexicon)
    turns = [t for t in _load(corpus / "eval" / "smalltalk.yaml") if split == "all" or t["split"] == split]
    friendly = intended = 0
    missed: list[str] = []
    for item in turns:
        turn = None if judge.markup(item["q"]) else classifier.classify(clean_question(item["q"]))
        friendly += turn is not None
        intended += turn is not None and turn.intent == item["intent"]
        if turn is None or turn.intent != item["intent"]:
            missed.append(
                f"  {item['id']} «{item['q']}»: {turn.intent if turn else 'pregunta'} (se esperaba {item['intent']})"
            )
    questions = _load(corpus / "eval" / "questions.yaml")
    stolen = [q["q"] for q in questions if q.get("section") and classifier.classify(clean_question(q["q"]))]
    chatty = [q["q"] for q in questions if not q.get("section") and classifier.classify(clean_question(q["q"]))]
    refused = [
        q["q"]
        for q in questions
        if q.get("section") and judge.rule(clean_question(q["q"]), q["q"]) in {"config", "markup"}
    ]
    return {
        "turns": len(turns),
        "friendly": friendly,
        "intended": intended,
        "missed": missed,
        "questions": sum(bool(q.get("section")) for q in questions),
        "stolen": stolen,
        "chatty": chatty,
        "refused_by_rules": refused,
    }


def smalltalk_report(settings: Settings, *, split: str = "test") -> str:
    s = smalltalk_scores(settings, split=split)
    n = max(s["turns"], 1)
    lines = [
        f"Conversación (partición {_SPLITS.get(split, split)}): {s['turns']} mensajes de charla y pedidos del "
        "autodiagnóstico",
        f"  respuesta amable (nunca la negativa): {s['friendly']}/{s['turns']} = {s['friendly'] / n:.3f}",
        f"  con la intención esperada: {s['intended']}/{s['turns']} = {s['intended'] / n:.3f}",
        f"  preguntas del conjunto tomadas por charla: {len(s['stolen'])} de {s['questions']} dentro del alcance",
        f"  preguntas fuera de alcance tomadas por charla: {len(s['chatty'])}",
        f"  dentro del alcance rechazadas por las reglas de configuración y marcado: {len(s['refused_by_rules'])}",
    ]
    lines += s["missed"] + [f"  tomada por charla: «{q}»" for q in s["stolen"] + s["chatty"]]
    lines += [f"  rechazada por regla: «{q}»" for q in s["refused_by_rules"]]
    return "\n".join(lines) + "\n"
