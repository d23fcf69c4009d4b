"""Answer metrics: what the user reads, not how the passages were ranked.

Retrieval can put the right passage first and the answer still quote the wrong sentence of it,
so ``make eval`` also scores the answer text itself: does it hold the question's evidence (the
same squashing as retrieval, once the ``[n]`` markers and the ``- `` list prefixes the answer
adds are taken out and its lines joined), is it empty, how long is it, and does the passage its
first line cites hold the evidence (the answer's Recall@1).
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass

from bot.evalset import EvalItem, _squash
from bot.schemas import Citation

__all__ = ["AnswerScore", "answer_metrics", "answer_report", "plain_answer", "score_answer"]

_MARK = re.compile(r"\s*\[\d+\]")
_PREFIX = re.compile(r"^\s*- ")


def plain_answer(text: str) -> str:
    """The answer's booklet words: markers and added list prefixes out, lines joined."""
    lines = [_PREFIX.sub("", _MARK.sub("", line)) for line in text.split("\n")]
    return _squash(" ".join(line for line in lines if line.strip()))


@dataclass(frozen=True)
class AnswerScore:
    item: EvalItem
    kind: str  # the answer's kind ("answer", "partial", "refusal", …)
    holds: bool  # the answer text contains the evidence
    first_holds: bool  # the passage cited first holds the evidence (answer Recall@1)
    retrieval_first: bool  # the top retrieved passage holds the evidence (retrieval Recall@1)
    words: int
    empty: bool


def score_answer(
    item: EvalItem, text: str, citations: list[Citation], kind: str, *, retrieval_first: bool
) -> AnswerScore:
    evidence = _squash(item.evidence or "")
    plain = plain_answer(text)
    first = re.search(r"\[(\d+)\]", text)
    cited = next((c for c in citations if first and c.n == int(first.group(1))), None)
    return AnswerScore(
        item=item,
        kind=kind,
        holds=bool(evidence) and evidence in plain,
        first_holds=cited is not None and bool(evidence) and evidence in _squash(cited.text),
        retrieval_first=retrieval_first,
        words=len(plain.split()),
        empty=kind != "refusal" and not plain,
    )


def answer_metrics(scores: list[AnswerScore]) -> dict[str, float]:
    n = max(len(scores), 1)
    lengths = sorted(s.words for s in scores if s.kind != "refusal") or [0]
    return {
        "holds": sum(s.holds for s in scores) / n,
        "R@1": sum(s.first_holds for s in scores) / n,
        "retrieval_R@1": sum(s.retrieval_first for s in scores) / n,
        "empty": sum(s.empty for s in scores),
        "median": statistics.median(lengths),
        "p90": lengths[min(len(lengths) - 1, round(0.9 * (len(lengths) - 1)))],
        "max": lengths[-1],
        "partial": sum(s.kind == "partial" for s in scores),
        "n": len(scores),
    }


def _row(name: str, m: dict[str, float]) -> str:
    return (
        f"| {name:<46} | {m['n']:>3} | {m['holds']:.3f} | {m['R@1']:.3f} | {m['retrieval_R@1']:.3f} | "
        f"{m['empty']:>5} | {m['median']:>5.0f} | {m['p90']:>4} | {m['max']:>4} |"
    )


def _header(first: str) -> list[str]:
    return [
        f"| {first:<46} |  n  | evid. | R@1 r | R@1 p | vacías| med.  | p90  | máx. |",
        f"|{'-' * 48}|-----|-------|-------|-------|-------|-------|------|------|",
    ]


def _partials(scores: list[AnswerScore]) -> str:
    asked = [s for s in scores if s.item.kind == "partial"]
    said = sum(s.kind == "partial" for s in asked)
    wrong = sum(s.kind == "partial" for s in scores if s.item.kind != "partial")
    return (
        f"Respuestas parciales: {said}/{len(asked)} preguntas de tipo «partial» dicen que la cartilla no da el "
        f"dato; {wrong} respuestas parciales en las demás preguntas."
    )


def answer_report(scores: list[AnswerScore]) -> list[str]:
    """Spanish table lines: overall, per top-level section and per question kind, then the misses."""
    per_section: dict[str, list[AnswerScore]] = defaultdict(list)
    per_kind: dict[str, list[AnswerScore]] = defaultdict(list)
    for s in scores:
        per_section[(s.item.section or "").split(" › ")[0]].append(s)
        per_kind[s.item.kind].append(s)
    total = answer_metrics(scores)
    legend = (
        "Respuestas (preguntas dentro del alcance): evid. = el texto de la respuesta contiene la evidencia; "
        "R@1 r = el pasaje que cita la primera línea la contiene; R@1 p = el primer pasaje recuperado la contiene; "
        "longitud en palabras."
    )
    lines = [legend, "", *_header("total"), _row("total", total), _partials(scores), "", *_header("sección")]
    lines += [_row(name, answer_metrics(group)) for name, group in sorted(per_section.items())]
    lines += ["", *_header("tipo de pregunta")]
    lines += [_row(name, answer_metrics(group)) for name, group in sorted(per_kind.items())]
    misses = [f"  sin la evidencia: {s.item.id} «{s.item.q}»" for s in scores if not s.holds]
    return lines + ["", *misses, ""]
