"""Tell conversation turns (greetings, thanks, «¿quién eres?», «ok», «👍», «quiero hacer el
autodiagnóstico») from questions about the booklet, and give them their reply.

Why this exists: retrieval answers everything with a booklet passage or a refusal, so «hola» used
to get «Lo siento, esa pregunta no la responde la cartilla…», the first thing a new user saw. A
turn is recognised only when the *whole* message is made of the phrases in ``corpus/smalltalk.yaml``
(plus fillers and a short self-introduction), so a greeting in front of a real question («hola, soy
de Pasto, ¿quién financia…?») never hides the question. Informal writing is expected: no accents,
repeated letters («holaaa»), texting shorthand («q», «pa»), emoji, and one-letter typos in words of
four letters or more («grasias», «autodiagnostco»).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.schemas import Answer, AnswerKind
from bot.text import fold

__all__ = ["Turn", "TurnClassifier", "load_classifier", "normalize_turn", "turn_answer"]

_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2764\ufe0f]+|[:;]-?[()dDpP]|<3")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_NON_WORD = re.compile(r"[^a-z0-9ñ ]+")
# A self-introduction left over is fine («hola, soy Marta, de la cámara de Pasto»), but not one that asks.
_ASKING_WORDS = frozenset(
    "que como cual cuales quien quienes cuando cuanto cuantos cuantas donde porque necesito necesitamos quiero "
    "queremos quisiera saber conocer informacion pregunta preguntar duda consulta sobre explicar explique explica "
    "dime digame ayuden".split()
)
_INTRO = re.compile(
    r"^(yo )?(soy|me llamo|mi nombre es|le escribe|les escribe|trabajo en|trabajo con|somos|"
    r"represento a|estoy en|vengo de)( \w+){1,7}$"
)

_MAX_WORDS = 24  # longer messages are never small talk (a greeting plus an introduction fits)
_MAX_CORRECTED = 8  # typos are looked for only in short messages: the hot path stays cheap


@dataclass(frozen=True)
class Turn:
    """A recognised conversation turn: its intent (``corpus/smalltalk.yaml``) and reply."""

    intent: str
    reply: str
    with_starters: bool

    @property
    def kind(self) -> AnswerKind:
        """``Answer.kind`` of the reply: the self-diagnosis offer has its own."""
        return "diagnosis_offer" if self.intent == "diagnosis" else "smalltalk"


def normalize_turn(text: str, abbreviations: dict[str, str] | None = None) -> str:
    """Folded words only: emoji become «emoji», «holaaa» becomes «hola», «q» becomes «que»."""
    text = _EMOJI.sub(" emoji ", text)
    text = _NON_WORD.sub(" ", fold(text).replace("ñ", "n"))
    text = _REPEATS.sub(r"\1", text)
    tokens = [fold((abbreviations or {}).get(t, t)) for t in text.split()]
    return " ".join(tokens)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _distance_one(a: str, b: str) -> bool:
    """One edit apart: a substitution, an insertion, a deletion or two swapped letters."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


class TurnClassifier:
    """Rules from ``corpus/smalltalk.yaml``; ``classify`` returns a ``Turn`` or ``None`` (a question)."""

    def __init__(
        self, data: dict, *, abbreviations: dict[str, str] | None = None, values: dict[str, object] | None = None
    ) -> None:
        self._phrases = [
            (intent, re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b"))
            for intent, patterns in data["phrases"].items()
        ]
        self._fillers = frozenset(data["fillers"])
        self._priority = list(data["priority"])
        self._starters = frozenset(data["with_starters"])
        self._replies = {k: " ".join(v.split()).format(**(values or {})) for k, v in data["replies"].items()}
        self._abbreviations = dict(abbreviations or {})
        self._yes = re.compile(r"\b(?:" + "|".join(data["accept_offer"]) + r")\b")
        self._remembered = lru_cache(maxsize=4096)(self._intents)  # per classifier: it holds the phrases
        vocabulary = {
            w for _, patterns in data["phrases"].items() for p in patterns for w in re.findall(r"[a-z]{4,}", p)
        }
        self._known = frozenset(vocabulary | self._fillers)
        self._near: dict[str, set[str]] = {}  # every word and its one-letter deletions → the phrase words
        for word in vocabulary:
            for key in {word, *_deletions(word)}:
                self._near.setdefault(key, set()).add(word)

    @classmethod
    def load(
        cls, path: Path, *, abbreviations: dict[str, str] | None = None, values: dict[str, object] | None = None
    ) -> TurnClassifier:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")), abbreviations=abbreviations, values=values)

    def _corrected(self, text: str) -> str:
        """Words of four letters or more one typo away from a phrase word, replaced by it."""
        out = []
        for token in text.split():
            if len(token) >= 4 and token not in self._known:
                near = set().union(*(self._near.get(key, ()) for key in {token, *_deletions(token)}))
                token = next((w for w in sorted(near) if _distance_one(token, w)), token)
            out.append(token)
        return " ".join(out)

    def intents(self, text: str) -> list[str] | None:
        """The intents a message is made of, or ``None`` when something else is left (a question).
        Remembered per text: every question passes through here first (issue 19's hot path)."""
        found = self._remembered(text)
        return None if found is None else list(found)

    def _intents(self, text: str) -> tuple[str, ...] | None:
        normalized = normalize_turn(text, self._abbreviations)
        size = len(normalized.split())
        if not size or size > _MAX_WORDS:  # small talk is short: a long message is a question
            return None
        found = self._cover(normalized)
        if found or size > _MAX_CORRECTED:
            return found
        return self._cover(self._corrected(normalized))

    def _cover(self, text: str) -> tuple[str, ...] | None:
        found: list[str] = []
        for intent, pattern in self._phrases:
            text, hits = pattern.subn(" ", text)
            if hits:
                found.append(intent)
        rest = [t for t in text.split() if t not in self._fillers]
        if not found:
            return None
        if rest and not (_INTRO.match(" ".join(rest)) and not _ASKING_WORDS.intersection(rest)):
            return None
        return tuple(found)

    def classify(self, text: str, previous_answer: str | None = None) -> Turn | None:
        """``previous_answer`` is the advisor's last reply: «sí» or «dale» right after the offer
        to start the self-diagnosis accepts it (the offer again, shorter) instead of being an «ok»."""
        found = self.intents(text)
        if not found:
            return None
        intent = next(i for i in self._priority if i in found)
        if (
            intent == "ack"
            and previous_answer == self._replies["diagnosis"]
            and self._yes.search(normalize_turn(text, self._abbreviations))
        ):
            return Turn(intent="diagnosis", reply=self._replies["diagnosis_accepted"], with_starters=False)
        return Turn(intent=intent, reply=self._replies[intent], with_starters=intent in self._starters)


@lru_cache(maxsize=8)
def _cached(path: str, abbreviations: tuple, values: tuple) -> TurnClassifier:
    return TurnClassifier.load(Path(path), abbreviations=dict(abbreviations), values=dict(values))


def load_classifier(path: Path, abbreviations: dict[str, str] | None = None, instrument=None) -> TurnClassifier:
    """One classifier per data file (advisors in tests share it); replies that describe the
    self-diagnosis take its figures from the instrument (``corpus/diagnosis.yaml``)."""
    values: dict[str, object] = {}
    if instrument is not None:
        labels = [f"«{o.label}»" for o in instrument.options]
        values = {
            "practices": len(instrument.practices),
            "areas": len(instrument.areas),
            "options": ", ".join(labels[:-1]) + " o " + labels[-1],
        }
    return _cached(str(path), tuple(sorted((abbreviations or {}).items())), tuple(sorted(values.items())))


def turn_answer(question: str, turn: Turn, starters: list[str]) -> Answer:
    """The reply as an ``Answer``: not a refusal (``in_scope`` true, no citations: it is not a
    booklet answer), with the starter questions when they help."""
    return Answer(
        question=question,
        answer=turn.reply,
        in_scope=True,
        kind=turn.kind,
        suggestions=list(starters) if turn.with_starters else [],
    )
