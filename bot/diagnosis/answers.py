"""Turn what a user types or taps into one of the three answers (0, 1, 2), or ``None``.

Why this exists: chat users rarely press the button. They write "todavía no", "más o menos",
"sí, completo", "👍", without accents and with typos, and sometimes they ask a question instead
of answering. This module maps that free text to a value conservatively: when in doubt it
returns ``None`` and the engine re-asks, listing the three options.

Decisions (documented because they are judgement calls):

* Partial markers win over yes/no: "sí, parcialmente" and "no del todo" are partial (1).
* A negated completeness word is partial: "no completamente", "no totalmente", "no del todo"
  mean something was done, just not all of it.
* "No se ha ejecutado" is 0 even though it contains "se ha ejecutado"; "no sé" (don't know)
  is ``None``, not 0.
* Questions ("¿qué es gobernanza?"), requests for help and greetings are ``None``.
* Text with both a "yes" and a "no" signal is ``None`` unless it starts with the "no"
  ("no, nada" / "no hemos hecho nada" are 0).
* "ok"/"vale" are acknowledgements, not answers: ``None``.
* Percentages: "0 %" is 0, "100 %" is 2, anything in between is 1.
* Degree words: "casi" / "bastante" / "la mayoría" are partial, but "casi nada" is 0;
  "¡cómo no!" is an emphatic yes (2).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["parse_answer"]

_EMOJI = {
    "✅": " si ",
    "✔": " si ",
    "☑": " si ",
    "👍": " si ",
    "👌": " si ",
    "💯": " si ",
    "🙌": " si ",
    "💪": " si ",
    "❌": " no ",
    "✖": " no ",
    "👎": " no ",
    "🚫": " no ",
    "⛔": " no ",
    "✗": " no ",
    "🤏": " parcial ",
    "½": " parcial ",
    "〰": " parcial ",
}

_NUMBER_WORDS = {"cero": 0, "uno": 1, "dos": 2}

_FILLER = r"(?:(?:la|el|opcion|respuesta|numero|nivel|es|seria|pues)\s+)*"

_UNKNOWN = [
    r"\bno (?:lo )?se\b(?! (?:ha|han|hizo|hace|ejecuto|realizo|ha hecho)\b)",
    r"\bni idea\b",
    r"\bno (?:estoy|estamos) segur",
    r"\bno tengo idea\b",
    r"\bno sabemos\b",
    r"\bno (?:esta|es|me queda|queda) claro\b",
    r"\bdepende\b",
    r"\bquizas?\b",
    r"\btal vez\b",
    r"\bpuede ser\b",
    r"\bpregunt",
    r"\bexplica",
    r"\bsignifica",
    r"\bayuda",
    r"\bquiero\b",
    r"\bdime\b",
    r"\bpuedes?\b",
    r"\bnecesito\b",
    r"\bhola\b",
    r"\bgracias\b",
    r"\bbuen(?:os|as)? (?:dias|tardes|noches)\b",
    r"^(?:que|como|cual|cuales|por ?que|quien|donde|cuando|para que)\b",
]

_NEGATIVE_STRONG = [
    r"\b(?:no|ni|nunca) (?:lo )?(?:hemos |han |se ha |se han |he )?"
    r"(?:empezado|comenzado|iniciado|arrancado)\b",
    r"\bsin (?:empezar|comenzar|iniciar|arrancar)\b",
    r"\bpara nada\b",
    r"\ben absoluto\b",
    r"\bnada de nada\b",
    r"\bcasi nada\b",
]

_PARTIAL = [
    r"\bparcial(?:es|mente)?\b",
    r"\ba medias\b",
    r"\bmas o menos\b",
    r"\bmasomenos\b",
    r"\bmaso\b",
    r"\bmedio\b",
    r"\bmedianamente\b",
    r"\ben parte\b",
    r"\balgo\b",
    r"\balgun[oa]s?\b",
    r"\bun poc(?:o|uito|ito)\b",
    r"\bpoco\b",
    r"\bregular\b",
    r"\ben proceso\b",
    r"\ben curso\b",
    r"\ben eso estamos\b",
    r"\bestamos en eso\b",
    r"\bavanzando\b",
    r"\bempezando\b",
    r"\bcomenzando\b",
    r"\biniciando\b",
    r"\bhemos avanzado\b",
    r"\bfalta\b",
    r"\bfaltan\b",
    r"\bincomplet[oa]\b",
    r"\bno del todo\b",
    r"\bno (?:esta |es )?(?:complet[oa]|completamente)\b",
    r"\bno (?:totalmente|todo|tanto|mucho|100)\b",
    r"\bcasi\b",
    r"\ba veces\b",
    r"\bsi y no\b",
    r"^si\b.*\bpero\b",
    r"\bpero (?:no|falta|faltan|todavia|aun)\b",
    r"\ba medio camino\b",
    r"\bmitad\b",
    r"\btrabajando en\b",
    r"\bestamos haciendo\b",
    r"\ben construccion\b",
    r"\buna parte\b",
    r"\bbastante\b",
    r"\bla mayoria\b",
]

_NEGATIVE = [
    r"\bno\b",
    r"\bnada\b",
    r"\bnunca\b",
    r"\bjamas\b",
    r"\bningun[oa]?\b",
    r"\bnegativo\b",
    r"\bcero\b",
    r"\btampoco\b",
    r"\bpendiente\b",
    r"\bnel\b",
    r"\bnones\b",
]

_POSITIVE = [
    r"\bsi\b",
    r"\bclaro\b",
    r"\bcomplet[oa]s?\b",
    r"\bcompletamente\b",
    r"\btotal(?:mente)?\b",
    r"\bya\b",
    r"\blist[oa]s?\b",
    r"\bhech[oa]s?\b",
    r"\bpor supuesto\b",
    r"\bobvio\b",
    r"\bafirmativo\b",
    r"\bexacto\b",
    r"\bcumplid[oa]\b",
    r"\bde una\b",
    r"\basi es\b",
    r"\bcorrecto\b",
    r"\bse ha ejecutado\b",
    r"\bejecutad[oa]\b",
    r"\bal 100\b",
    r"\bfull\b",
    r"\befectivamente\b",
    r"\bterminad[oa]\b",
    r"\bsiempre\b",
    r"\btenemos\b",
]


def _normalise(text: str) -> str:
    for emoji, word in _EMOJI.items():
        text = text.replace(emoji, word)
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(\d+)\s*%", lambda m: f" pct{m.group(1)} ", text)
    text = re.sub(r"[^a-z0-9ñ ]+", " ", text)
    words = []
    for word in text.split():
        word = re.sub(r"(.)\1{2,}", r"\1", word)  # "siii" -> "si", "nooo" -> "no"
        if re.fullmatch(r"s+i+p?", word):
            word = "si"
        elif re.fullmatch(r"n+o+(?:p|pe)?", word):
            word = "no"
        words.append(word)
    return " ".join(words)


def _any(patterns: list[str], text: str) -> bool:
    return any(re.search(pattern, text) for pattern in patterns)


def _from_percent(text: str) -> int | None:
    found = re.search(r"\bpct(\d+)\b", text)
    if not found:
        return None
    value = int(found.group(1))
    if value == 0:
        return 0
    return 2 if value >= 100 else 1


def parse_answer(raw: int | str) -> int | None:
    """Map a button value or typed Spanish text to 0, 1 or 2; ``None`` if not understood."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw in (0, 1, 2) else None
    if not isinstance(raw, str):
        return None
    if "?" in raw or "¿" in raw:
        return None
    text = _normalise(raw)
    if not text:
        return None
    digit = re.fullmatch(_FILLER + r"([0-9]+|cero|uno|dos)", text)
    if digit:
        value = _NUMBER_WORDS.get(digit.group(1), None)
        if value is None:
            value = int(digit.group(1))
        return value if value in (0, 1, 2) else None
    if re.fullmatch(r"como no|(?:si )?no (?:nos |le )?falta nada", text):
        return 2  # "¡cómo no!" and "no nos falta nada" are emphatic yeses
    if _any(_UNKNOWN, text):
        return None
    percent = _from_percent(text)
    if percent is not None:
        return percent
    if _any(_NEGATIVE_STRONG, text):
        return 0
    if _any(_PARTIAL, text):
        return 1
    negative = _any(_NEGATIVE, text)
    positive = _any(_POSITIVE, text)
    if negative and positive:
        return 0 if re.match(r"(?:no|nada|nunca|todavia no|aun no)\b", text) else None
    if negative:
        return 0
    if positive:
        return 2
    return None
