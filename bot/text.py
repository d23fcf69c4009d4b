"""Spanish text primitives shared by ingestion, BM25, query normalisation and answers.

One place decides what "the same word" means (case and accent folding, Snowball stemming,
stop words) so the BM25 index and the queries that search it can never disagree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

__all__ = [
    "fold",
    "words",
    "content_words",
    "stem",
    "stems",
    "split_sentences",
    "STOPWORDS",
    "strip_invisible",
    "numbers",
    "ordinals",
    "renumber",
    "heading_numbers",
    "strip_terminal_controls",
]

_WORD = re.compile(r"[0-9a-záéíóúüñ+]+", re.IGNORECASE)
# Zero-width, bidi controls and isolates, soft hyphen, variation selectors, Unicode "tag" letters
# (U+E0000–E007F, which render as nothing and can smuggle hidden instructions).
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\u034f\u180e\ufe00-\ufe0f\U000e0000-\U000e007f]"
)
# Whole terminal escape sequences (OSC titles, CSI colours and cursor moves) first, then any single
# control character but tab and newline: "\x1b[2J¿qué es…?" leaves "¿qué es…?", not "[2J¿qué es…?".
_TERMINAL = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)
# Cyrillic and Greek letters that look like Latin ones ("iniciаtivа" with Cyrillic "а"): the
# booklet is Spanish, so in a question they can only be a disguise; they read as their twins.
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁАВЕКМНОРСТХІЈЅοαερτικνΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdABEKMHOPCTXIJSoaeptikvABEZHIKMNOPTYX",
)

# Spanish function words plus question words: they carry no topic for retrieval.
STOPWORDS = frozenset(
    """
    a al algo algun alguna algunas alguno algunos ante antes aqui asi aun bien cada como con contra cual cuales
    cuando cuanta cuantas cuanto cuantos de del desde donde dos e el ella ellas ello ellos en entre era es esa esas
    ese eso esos esta estan estar estas este esto estos fue ha han hay la las le les lo los mas me mi mis mucho
    muy ni no nos o otra otras otro otros para pero poco por porque pues que quien quienes se sea ser si sin
    sobre son su sus tal tambien te tiene tienen todo todos tu tus un una unas uno unos y ya yo q k xq pq
    puedo puede pueden hacer hace hacen favor dime decir explica explicame cuentame quiero saber necesito
    entonces oye hola gracias porfa porfavor sirve significa mejor
    """.split()
)

_CHAPTER = re.compile(r"^\d+\.\s")
# Spanish ordinals up to the booklet's 13 practices, folded: "la tercera fase" is "Fase 3".
_ORDINALS = {
    **dict.fromkeys(("primer", "primero", "primera"), 1),
    **dict.fromkeys(("segundo", "segunda"), 2),
    **dict.fromkeys(("tercer", "tercero", "tercera"), 3),
    **dict.fromkeys(("cuarto", "cuarta"), 4),
    **dict.fromkeys(("quinto", "quinta"), 5),
    **dict.fromkeys(("sexto", "sexta"), 6),
    **dict.fromkeys(("septimo", "septima", "setimo", "setima"), 7),
    **dict.fromkeys(("octavo", "octava"), 8),
    **dict.fromkeys(("noveno", "novena"), 9),
    **dict.fromkeys(("decimo", "decima"), 10),
    **dict.fromkeys(("undecimo", "undecima", "onceavo", "onceava"), 11),
    **dict.fromkeys(("duodecimo", "duodecima", "doceavo", "doceava"), 12),
    **dict.fromkeys(("decimotercero", "decimotercera", "treceavo", "treceava"), 13),
}


def strip_invisible(text: str) -> str:
    """Drop invisible and bidi control characters, normalise to NFKC (full-width and other
    compatibility forms) and read Cyrillic/Greek look-alikes as the Latin letters they imitate."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_HOMOGLYPHS)


def strip_terminal_controls(text: str, replacement: str = "") -> str:
    """Text that cannot drive a terminal: escape sequences and control characters replaced."""
    return _TERMINAL.sub(replacement, text)


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lowercase and remove accents (ñ kept as n): 'Gobernanza Sólida' → 'gobernanza solida'.
    Remembered per text: every question folds the same booklet sentences again (issue 19)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Folded word tokens of ``text``."""
    return _WORD.findall(fold(text))


def content_words(text: str) -> list[str]:
    """Folded tokens without stop words or one-letter tokens."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("spanish")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball Spanish stem of an already folded word."""
    return _stemmer().stemWord(word)


def numbers(text: str) -> frozenset[int]:
    """The small numbers ``text`` names, in digits or as ordinals: "la tercera fase", "práctica 12"."""
    return frozenset(
        int(w) if w.isdigit() else _ORDINALS[w] for w in words(text) if (w.isdigit() and len(w) <= 2) or w in _ORDINALS
    )


def ordinals(text: str) -> frozenset[int]:
    """Only the numbers ``text`` names as ordinals ("y el segundo?"): "los 3 pilares" counts, not orders."""
    return frozenset(_ORDINALS[w] for w in words(text) if w in _ORDINALS)


def renumber(text: str, old: int, new: int) -> str:
    """``text`` as folded words, with every word naming ``old`` (digits or ordinal) replaced by ``new``:
    "en qué consiste la segunda fase" → "en que consiste la 3 fase"."""
    return " ".join(str(new) if (w.isdigit() and int(w) == old) or _ORDINALS.get(w) == old else w for w in words(text))


def heading_numbers(heading: str) -> frozenset[int]:
    """Numbers that name a heading ("Fase 2: Identificando…", "Práctica 12"), not a chapter's "5. Gobernanza"."""
    return numbers(_CHAPTER.sub("", heading).split(":")[0])


def stems(text: str) -> list[str]:
    """Stems of the content words of ``text``: the BM25 vocabulary."""
    return [stem(w) for w in content_words(text)]


_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[«“\"¿¡A-ZÁÉÍÓÚÑ])")


def split_sentences(text: str) -> list[str]:
    """Split a passage into sentences and list items, keeping each item's own text."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out
