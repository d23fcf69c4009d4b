"""Personal data out of question texts before staff read them (Ley 1581 de 2012).

Why this exists: people paste their email, phone or cédula into a question («escríbame a
ana@x.co»). The console shows what was asked, never who asked: such pieces are replaced by a
placeholder when the question is recorded and again when any stored text is shown.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.text import fold

__all__ = ["mask_personal_data", "question_key"]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Colombian mobiles (3xx xxx xxxx), landlines with indicative, +57 prefixes: 7+ digits with separators.
_PHONE = re.compile(
    r"(?<![\w])(?:\+?\d{1,3}[\s.-]?)?(?:\(?\d{1,4}\)?[\s.-]?)?\d{3}[\s.-]?\d{2,4}[\s.-]?\d{2,4}(?![\w])"
)
# Cédulas: 6 to 10 digits, possibly with thousands dots (1.234.567.890), often after «cc» or «cédula».
_ID_DOTTED = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{3}){2,3}(?![\w])")
_ID_NAMED = re.compile(
    r"(?i)\b(c\.?\s?c\.?|c[eé]dula|documento|nit)(\s*(?:de ciudadan[ií]a)?\s*(?:no\.?|n[uú]mero)?\s*[:#]?\s*)"
    r"\d[\d.\s-]{4,}\d"
)
_LONG_NUMBER = re.compile(r"(?<![\w])\d{6,12}(?![\w])")
_KEY_DROP = re.compile(r"[^\w\s]", re.UNICODE)


@lru_cache(maxsize=8192)
def mask_personal_data(text: str) -> str:
    """The text with emails, phone numbers and identity numbers replaced by placeholders.
    Remembered per text: a popular question and its answer are masked once, not on every record."""
    text = _EMAIL.sub("[correo]", text)
    text = _ID_NAMED.sub(lambda m: f"{m.group(1)}{m.group(2)}[documento]", text)
    text = _ID_DOTTED.sub("[documento]", text)
    text = _PHONE.sub(lambda m: "[teléfono]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text)
    return _LONG_NUMBER.sub("[número]", text)


def question_key(text: str) -> str:
    """A normalised form of a question (folded, no punctuation), for counting repeats and marks."""
    return " ".join(_KEY_DROP.sub(" ", fold(text).lower()).split())[:200]
