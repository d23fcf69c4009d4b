"""``make eval``: retrieval and answer quality of every configuration on the eval set's test split.

Prints Recall@1/3/5 and MRR overall and per booklet section, out-of-scope precision and
recall for the configured advisor, and a comparison table: each embedder dense-only, BM25,
each hybrid (score mixing and RRF) with and without query normalisation, and the stock
LangChain recipe (fixed 1000-character chunks, plain Chroma similarity search, same model).
"""

from __future__ import annotations

import tempfile
from collections import defaultdict

from bot.answer.compose import compose_answer, make_selector, sections_of
from bot.answer.scope import ScopeJudge
from bot.calibrate import MemoEmbedder
from bot.evaluation.answers import answer_report, score_answer
from bot.evaluation.baseline import langchain_baseline_ranks
from bot.evaluation.dataset import EvalItem, bootstrap_interval, first_relevant_rank, load_eval_set, retrieval_metrics
from bot.evaluation.smalltalk import smalltalk_report
from bot.index import make_embedder
from bot.index.load import load_index
from bot.pipeline import build_scratch_index
from bot.retrieval import Lexicon
from bot.retrieval.factory import make_normalizer, make_retriever
from bot.settings import Settings

__all__ = ["evaluate", "main"]


_SPLITS = {"test": "de prueba", "tune": "de ajuste", "all": "completa"}


def _line(name: str, metrics: dict[str, float]) -> str:
    return f"| {name:<46} | {metrics['R@1']:.3f} | {metrics['R@3']:.3f} | {metrics['R@5']:.3f} | {metrics['MRR']:.3f} |"


def _header(first: str) -> list[str]:
    return [f"| {first:<46} |  R@1  |  R@3  |  R@5  |  MRR  |", f"|{'-' * 48}|-------|-------|-------|-------|"]


def _prepare(settings: Settings, embedder_name: str, workdir: str):
    """A built and calibrated scratch index for one embedder (never published to a Chroma server)."""
    local = replace_settings(settings, embedder=embedder_name)
    embedder = MemoEmbedder(make_embedder(local))
    scratch = build_scratch_index(local, embedder, f"{workdir}/{embedder_name}")
    return scratch.settings, embedder, load_index(scratch.settings), scratch.calibration


def replace_settings(settings: Settings, **changes) -> Settings:
    return Settings(**{**settings.model_dump(), **changes})


def evaluate(settings: Settings, *, split: str = "test", compare: bool = True) -> str:
    items = load_eval_set(settings.corpus_dir / "eval" / "questions.yaml", split=split)
    inside = [i for i in items if i.in_scope]
    out: list[str] = [
        f"Conjunto de evaluación: {len(items)} preguntas ({split}), {len(inside)} dentro del alcance, "
        f"{len(items) - len(inside)} fuera.",
        "",
    ]
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as workdir:
        names = ["e5", "sentence-transformers"] if compare else [settings.embedder]
        for name in names:
            local, embedder, index, calibration = _prepare(settings, name, workdir)
            label = "e5" if name == "e5" else "MiniLM"
            normalizer = make_normalizer(local, index)
            configs = [
                ("dense", {"mode": "dense"}),
                ("BM25", {"mode": "bm25"}),
                ("RRF", {"mode": "rrf"}),
                ("mix", {"mode": "mix", "alpha": calibration["alpha"]}),
                ("aprendido", {"mode": "learned"}),
            ]
            for config_name, options in configs:
                for normalize in (False, True):
                    if config_name == "BM25" and name != names[0]:
                        continue
                    retriever = make_retriever(
                        local, index, embedder, normalizer=normalizer, normalize=normalize, **options
                    )
                    ranks = [first_relevant_rank(i, retriever.search(i.query).passages) for i in inside]
                    who = "BM25" if config_name == "BM25" else f"{label} {config_name}"
                    rows.append(_line(f"{who}{' + normalización' if normalize else ''}", retrieval_metrics(ranks)))
            rows.append(
                _line(
                    f"LangChain básico ({label}, 1000 caracteres)",
                    retrieval_metrics(
                        langchain_baseline_ranks(local, embedder, inside, workdir=f"{workdir}/lc-{name}")
                    ),
                )
            )
            if name == settings.embedder:
                out += _detail(local, embedder, index, calibration, items, label)
    out.append(smalltalk_report(settings, split=split))
    return "\n".join(out + [f"Comparación (partición {_SPLITS.get(split, split)}):", *_header("configuración"), *rows])


def _detail(settings: Settings, embedder, index, calibration: dict, items: list[EvalItem], label: str) -> list[str]:
    retriever = make_retriever(settings, index, embedder, mode=settings.retrieval_mode, alpha=calibration["alpha"])
    judge = ScopeJudge(Lexicon.load(settings.corpus_dir / "lexicon.yaml"), calibration)
    per_section: dict[str, list[int | None]] = defaultdict(list)
    per_kind: dict[str, list[int | None]] = defaultdict(list)
    refused_inside = caught = 0
    misses: list[str] = []
    sections, selector = sections_of(index.chunks), make_selector(index)
    answers = []
    for item in items:
        retrieval = retriever.search(item.query)
        decision = judge.decide(item.q, retrieval)
        if not item.in_scope:
            caught += not decision.in_scope
            if decision.in_scope:
                misses.append(f"  aceptada fuera de alcance: {item.id} «{item.q}» ({decision.score:.3f})")
            continue
        rank = first_relevant_rank(item, retrieval.passages)
        composed = compose_answer(item.q, retrieval, decision, sections, selector=selector)
        answers.append(score_answer(item, composed.text, composed.citations, composed.kind, retrieval_first=rank == 1))
        per_section[(item.section or "").split(" › ")[0]].append(rank)
        per_kind[item.kind].append(rank)
        if not decision.in_scope:
            refused_inside += 1
            misses.append(
                f"  rechazada dentro del alcance: {item.id} «{item.q}» ({decision.reason}, {decision.score:.3f})"
            )
        if rank is None or rank > 5:
            misses.append(f"  fuera del top 5: {item.id} «{item.q}» → {retrieval.passages[0].section}")
    inside = [r for ranks in per_section.values() for r in ranks]
    n_out = sum(not i.in_scope for i in items)
    accepted_out = n_out - caught
    refused_total = caught + refused_inside
    mode = retriever.mode if retriever.mode != "mix" else f"mix α={calibration['alpha']}"
    lines = [
        f"Configuración por defecto: {label} {mode} + normalización; umbral de alcance "
        f"{calibration['threshold']:.4f} (peso {calibration['weight']}), ajustados en la partición de ajuste.",
        _selector_line(calibration),
        "",
        *_header("total"),
        _line("total", retrieval_metrics(inside)),
        _interval(inside),
        "",
        *_header("sección"),
    ]
    lines += [_line(section, retrieval_metrics(ranks)) for section, ranks in sorted(per_section.items())]
    lines += ["", *_header("tipo de pregunta")]
    lines += [_line(kind, retrieval_metrics(ranks)) for kind, ranks in sorted(per_kind.items())]
    lines += [
        "",
        "Fuera de alcance:",
        f"  recall (fuera de alcance rechazadas): {caught}/{n_out} = {caught / max(n_out, 1):.3f}",
        f"  precisión de los rechazos: {caught}/{refused_total} = {caught / max(refused_total, 1):.3f}",
        f"  dentro del alcance rechazadas: {refused_inside}/{len(inside)} = {refused_inside / max(len(inside), 1):.3f}",
        f"  fuera de alcance aceptadas: {accepted_out}",
        "",
        *answer_report(answers),
        "Errores:",
        *misses,
        "",
    ]
    return lines


def _selector_line(calibration: dict) -> str:
    fitted = calibration.get("selector") or {}
    if not fitted:
        return "Selector de frases: sin pesos ajustados (decide el coseno)."
    return (
        f"Selector de frases: acierto de la primera frase {fitted['tune_cv_top1']:.3f} en validación cruzada "
        f"sobre la partición de ajuste (L2 {fitted['penalty']})."
    )


def _interval(ranks: list[int | None]) -> str:
    mrr, recall = bootstrap_interval(ranks, "MRR"), bootstrap_interval(ranks, "R@5")
    return (
        f"Intervalo del 95 % (bootstrap sobre las {len(ranks)} preguntas): MRR {mrr[0]:.3f}–{mrr[1]:.3f}, "
        f"Recall@5 {recall[0]:.3f}–{recall[1]:.3f}."
    )


def main(split: str = "test", compare: bool = True) -> None:
    print(evaluate(Settings(), split=split, compare=compare))
