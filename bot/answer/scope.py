"""Decide whether a question is about the booklet, and say no politely when it is not.

A calibrated score (top dense cosine plus a weight times the share of known words, both fitted
on the tune split of the eval set and stored with the index) decides most cases; rules catch
what a score misses: nothing left after cleaning, instructions aimed at the bot, requests to
reveal or change how the advisor is configured (its prompt, rules, hidden settings, special
modes), text imitating role or system markup (``<system>``, ``[INST]``, ``### System:``…, looked
for in the raw message because cleaning strips tags), another language, topics the booklet does
not cover (taxes, company registration, contact details…), keyboard mashing. The rules run
before any answerer, so the extractive and the generative answerer refuse the same messages.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

from bot.retrieval import Lexicon, Retrieval
from bot.text import STOPWORDS, fold, strip_invisible, words

__all__ = ["ScopeDecision", "ScopeJudge", "Reason", "DEFAULT_CALIBRATION", "scope_score"]

Reason = Literal["ok", "empty", "injection", "config", "markup", "language", "nonsense", "off_topic", "low_score"]
DEFAULT_CALIBRATION = {"weight": 0.05, "threshold": 0.80}
_MASH = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}|^[^aeiou]{3,}$")


@dataclass(frozen=True)
class ScopeDecision:
    in_scope: bool
    reason: Reason
    score: float


def scope_score(retrieval: Retrieval, weight: float) -> float:
    return retrieval.dense_top + weight * retrieval.known_fraction


class ScopeJudge:
    def __init__(self, lexicon: Lexicon, calibration: dict | None = None) -> None:
        calibration = {**DEFAULT_CALIBRATION, **(calibration or {})}
        self.weight = float(calibration["weight"])
        self.threshold = float(calibration["threshold"])
        self._injection = [re.compile(p) for p in lexicon.injection_patterns]
        self._off_topic = [re.compile(p) for p in lexicon.off_topic_patterns]
        self._config = [re.compile(p) for p in lexicon.config_patterns]
        self._markup = [re.compile(p) for p in lexicon.markup_patterns]
        self._foreign = lexicon.foreign_words

    def rule(self, question: str, raw: str | None = None) -> Reason:
        """The rule-based verdict on the text alone ("ok" when no rule fires); ``raw`` is the
        message as written, before cleaning stripped its tags."""
        if raw is not None and self.markup(raw):
            return "markup"
        tokens = words(question)
        if not any(len(t) > 1 or t.isdigit() for t in tokens):
            return "empty"
        folded = " ".join(fold(question).split())
        if any(p.search(folded) for p in self._injection):
            return "injection"
        if any(p.search(folded) for p in self._config):
            return "config"
        foreign = sum(t in self._foreign for t in tokens)
        spanish = sum(t in STOPWORDS for t in tokens)
        if foreign >= 2 and foreign > spanish:
            return "language"
        if any(p.search(folded) for p in self._off_topic):
            return "off_topic"
        letters = [t for t in tokens if not t.isdigit()]
        mashed = sum(bool(_MASH.search(t)) for t in letters)
        if mashed and mashed * 2 >= len(letters):
            return "nonsense"
        return "ok"

    def markup(self, raw: str) -> bool:
        """Whether the raw message imitates role, system or context markup."""
        text = fold(strip_invisible(html.unescape(raw)))
        return any(p.search(text) for p in self._markup)

    def decide(self, question: str, retrieval: Retrieval, raw: str | None = None) -> ScopeDecision:
        score = scope_score(retrieval, self.weight)
        reason = self.rule(question, raw)
        if reason != "ok":
            return ScopeDecision(False, reason, score)
        if score < self.threshold:
            return ScopeDecision(False, "low_score", score)
        return ScopeDecision(True, "ok", score)
