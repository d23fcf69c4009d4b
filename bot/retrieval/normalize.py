"""Turn an informal Spanish question into what the indexes understand.

Users type "q es la rcc", "gobernansa", "como se financia una iniciativa" on phones. Before
retrieval we restore accents from the booklet's own vocabulary, correct typos against it,
expand the booklet's acronyms and colloquial synonyms (from ``corpus/lexicon.yaml``) and keep
the question words out of the lexical match. Corrections are reported, never silent.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.schemas import Chunk
from bot.text import STOPWORDS, fold, stems, strip_invisible, strip_terminal_controls

__all__ = ["Lexicon", "NormalizedQuery", "QueryNormalizer", "clean_question"]

_TOKEN = re.compile(r"[0-9A-Za-zÁÉÍÓÚÜÑáéíóúüñ+]+")
_TAG = re.compile(r"<[^>]{0,200}>")
_LINE_END = re.compile(r"(?<![.?!:;,¿¡\s])[ \t]*\n\s*")


def clean_question(text: str) -> str:
    """Visible, single-spaced text: invisible characters, control codes and HTML tags removed. On a
    phone a line break often ends a sentence («Buenas tardes⏎soy de Pasto⏎quién financia…»): it
    becomes a full stop, so a long message's question can still be found (``bot.retrieval.focus``)."""
    text = strip_invisible(html.unescape(text))
    text = _TAG.sub(" ", strip_terminal_controls(text, " ")).strip()
    return " ".join(_LINE_END.sub(". ", text).split())


@dataclass(frozen=True)
class Lexicon:
    acronyms: dict[str, str]
    synonyms: dict[str, str]
    injection_patterns: list[str]
    foreign_words: frozenset[str]
    off_topic_patterns: list[str]
    diagnosis_terms: frozenset[str] = frozenset()  # words that make a question about the self-diagnosis
    abbreviations: dict[str, str] = field(default_factory=dict)  # texting shorthand: "q" → "que", "pa" → "para"
    config_patterns: list[str] = field(default_factory=list)  # asking to reveal or change the advisor's setup
    markup_patterns: list[str] = field(default_factory=list)  # role/system markup, matched on the raw text

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            acronyms={fold(k): v for k, v in data["acronyms"].items()},
            synonyms={fold(k): v for k, v in data["synonyms"].items()},
            injection_patterns=list(data["injection_patterns"]),
            foreign_words=frozenset(fold(w) for w in data["foreign_words"]),
            off_topic_patterns=list(data.get("off_topic_patterns", [])),
            diagnosis_terms=frozenset(data.get("diagnosis_terms", [])),
            abbreviations={fold(k): v for k, v in data.get("abbreviations", {}).items()},
            config_patterns=list(data.get("config_patterns", [])),
            markup_patterns=list(data.get("markup_patterns", [])),
        )


@dataclass
class NormalizedQuery:
    original: str
    cleaned: str
    text: str  # accents restored, typos corrected, acronyms spelled out: what the dense model embeds
    expanded: str  # text plus acronym and synonym expansions: what BM25 scores
    corrections: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # content words found nowhere in the booklet
    focus: NormalizedQuery | None = None  # the sentence that asks, in a long message (bot.retrieval.focus)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _distance(a: str, b: str) -> int:
    """Damerau–Levenshtein (optimal string alignment) distance."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


class QueryNormalizer:
    """Built once per index from its chunks; ``normalize`` is cheap and pure."""

    def __init__(self, chunks: list[Chunk], lexicon: Lexicon, *, spanish: frozenset[str] = frozenset()) -> None:
        self.lexicon = lexicon
        self.spanish = spanish  # folded ordinary Spanish words: never "corrected" (bot.retrieval.spanish)
        forms: dict[str, Counter[str]] = {}
        for chunk in chunks:
            for token in _TOKEN.findall(f"{chunk.section} {chunk.text}"):
                forms.setdefault(fold(token), Counter())[token.lower()] += 1
        self.frequency = {folded: sum(c.values()) for folded, c in forms.items()}
        # The accented spelling the booklet uses most for each folded word.
        self.accented = {folded: c.most_common(1)[0][0] for folded, c in forms.items()}
        # Stems of the booklet's words: "juega", "tercero", "especiales" inflect words the booklet
        # uses (juego, tercera, especial) and must not be "corrected" into those other words.
        self.known_stems = {stem for word in self.accented for stem in stems(word)}
        self._neighbours: dict[str, set[str]] = {}
        for word in self.accented:
            if len(word) < 4 or word.isdigit():
                continue
            keys = {word} | _deletes(word)
            if len(word) >= 7:
                keys |= {d2 for d1 in _deletes(word) for d2 in _deletes(d1)}
            for key in keys:
                self._neighbours.setdefault(key, set()).add(word)

    def known(self, folded: str) -> bool:
        return folded in self.accented

    def correct(self, folded: str) -> str | None:
        """The booklet word closest to an unknown one (edit distance 1, or 2 for long words)."""
        if len(folded) < 4 or folded.isdigit():
            return None
        limit = 2 if len(folded) >= 7 else 1
        keys = {folded} | _deletes(folded)
        if limit == 2:
            keys |= {d2 for d1 in _deletes(folded) for d2 in _deletes(d1)}
        candidates = {w for key in keys for w in self._neighbours.get(key, ())}
        scored = [(_distance(folded, w), -self.frequency[w], w) for w in candidates]
        scored = [s for s in scored if s[0] <= limit]
        return min(scored)[2] if scored else None

    def _spelled_out(self, tokens: list[str], position: int) -> bool:
        """Whether the user already writes the expansion ("la red cluster colombia", "ministerio de comercio"):
        expanding "red" there would repeat it and pull the embedding towards the repetition."""
        expansion = [fold(w) for w in _TOKEN.findall(self.lexicon.acronyms[fold(tokens[position])])]
        following = [fold(t) for t in tokens[position : position + 2]]
        return len(expansion) > 1 and len(following) == 2 and following == expansion[:2]

    def normalize(self, question: str) -> NormalizedQuery:
        cleaned = clean_question(question)
        out: list[str] = []
        extra: list[str] = []
        corrections: dict[str, str] = {}
        unknown: list[str] = []
        shorthand = self.lexicon.abbreviations
        tokens = [w for t in _TOKEN.findall(cleaned) for w in _TOKEN.findall(shorthand.get(fold(t), t))]
        for position, token in enumerate(tokens):
            folded = fold(token)
            if folded in self.lexicon.acronyms and not self._spelled_out(tokens, position):
                out.append(self.lexicon.acronyms[folded])  # "IC" means "Iniciativa Cluster": say so
            elif folded in STOPWORDS:
                out.append(token)
            elif self.known(folded):
                out.append(self.accented[folded])
            else:
                # An inflection of a booklet word, or plain Spanish the booklet doesn't use, is kept as typed.
                inflection = any(stem in self.known_stems for stem in stems(folded))
                fixed = None if inflection or folded in self.spanish else self.correct(folded)
                if fixed is not None and fixed not in STOPWORDS:
                    corrections[token] = self.accented[fixed]
                    out.append(self.accented[fixed])
                    folded = fixed
                else:
                    out.append(token)
                    if not inflection and folded not in self.lexicon.synonyms and len(folded) > 1:
                        unknown.append(folded)
            if folded in self.lexicon.synonyms:
                extra.append(self.lexicon.synonyms[folded])
        text = " ".join(out)
        expanded = " ".join([text, *extra]) if extra else text
        return NormalizedQuery(
            original=question, cleaned=cleaned, text=text, expanded=expanded, corrections=corrections, unknown=unknown
        )
