"""How well the staff console groups similar questions, per similarity threshold.

Why this exists: ``ASESOR_STAFF_GROUP_SIMILARITY`` (0.95) decides which questions the console
shows as one group. This measures it on a labelled sample built from the eval set: each of its
questions (the "popular" form, asked 3 times) plus variants a person would type for the *same*
question (a dropped letter, a greeting or filler in front, a word of politeness at the end). A
merge is right when the two texts come from the same eval item (or items sharing the same
evidence sentence, i.e. the same need); precision = right merges / all merges, recall = variants
that joined their own question's group. Uses the configured embedder and ``QuestionGrouper``.

    PYTHONPATH=$PWD python scripts/staff_grouping.py [--show 0.95]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import yaml

from bot.console.groups import QuestionGrouper
from bot.index import make_embedder
from bot.settings import Settings

__all__: list[str] = []

PREFIXES = ["buenas tardes, ", "hola, quisiera saber ", "me puede decir ", "una pregunta: "]
SUFFIXES = [" por favor", " gracias", "?? ", " porfa"]


def variants(rng: random.Random, text: str) -> list[str]:
    i = rng.randrange(1, max(2, len(text) - 1))
    return [
        text[:i] + text[i + 1 :],  # a dropped letter
        rng.choice(PREFIXES) + text,
        text + rng.choice(SUFFIXES),
    ]


def sample(corpus: Path) -> list[dict]:
    rng = random.Random(21)
    rows = []
    for item in yaml.safe_load((corpus / "eval" / "questions.yaml").read_text(encoding="utf-8")):
        need = item.get("evidence") or item["id"]  # oos items have no evidence: each is its own need
        rows.append({"text": item["q"], "need": need, "item": item["id"], "veces": 3})
        kinds = ("typo", "prefix", "suffix")
        rows += [
            {"text": v, "need": need, "item": item["id"], "veces": 1, "kind": k}
            for k, v in zip(kinds, variants(rng, item["q"]))
        ]
    return rows


def measure(grouper: QuestionGrouper, rows: list[dict]) -> tuple[float, dict[str, float], int, list]:
    console_rows = [
        {
            "key": str(n),
            "veces": r["veces"],
            "pregunta": r["text"],
            "seccion": None,
            "respuesta": "",
            "tipo": "refusal",
            "marca": None,
            "ultima": 0.0,
        }
        for n, r in enumerate(rows)
    ]
    console_rows.sort(key=lambda r: -r["veces"])  # the console groups the most asked texts first
    groups = grouper.group(console_rows)
    right = wrong = 0
    joined = {"typo": 0, "prefix": 0, "suffix": 0}
    mistakes = []
    for group in groups:
        head = rows[int(group.keys[0])]
        for key in group.keys[1:]:
            member = rows[int(key)]
            if member["need"] == head["need"]:
                right += 1
            else:
                wrong += 1
                mistakes.append((head["text"], member["text"]))
            if member["item"] == head["item"] and member["veces"] == 1:
                joined[member["kind"]] += 1
    per_kind = len(rows) // 4
    recall = {kind: n / per_kind for kind, n in joined.items()}
    recall["all"] = sum(joined.values()) / (3 * per_kind)
    merges = right + wrong
    return (right / merges if merges else 1.0), recall, len(groups), mistakes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--thresholds", default="0.85,0.88,0.90,0.92,0.93,0.94,0.95,0.96,0.97")
    parser.add_argument("--show", type=float, default=None, help="print the wrong merges at this threshold")
    args = parser.parse_args()
    settings = Settings()
    rows = sample(Path(settings.corpus_dir))
    embedder = make_embedder(settings)
    print(f"sample: {len(rows)} texts ({sum(r['veces'] == 3 for r in rows)} eval questions + 3 variants each)")
    print("threshold  precision  recall (typo / greeting before / politeness after)  groups")
    cache = QuestionGrouper(embedder)
    for threshold in [float(t) for t in args.thresholds.split(",")]:
        grouper = QuestionGrouper(embedder, threshold=threshold)
        grouper._cache = cache._cache  # embed the sample once
        precision, recall, groups, mistakes = measure(grouper, rows)
        kinds = " / ".join(f"{recall[k]:.3f}" for k in ("typo", "prefix", "suffix"))
        print(f"{threshold:9.2f}  {precision:9.3f}  {recall['all']:6.3f} ({kinds})  {groups:6d}")
        if args.show is not None and abs(threshold - args.show) < 1e-9:
            for head, member in mistakes:
                print(f"    «{head}»  ⟵  «{member}»")


if __name__ == "__main__":
    main()
