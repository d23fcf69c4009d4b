"""Which words are ordinary Spanish: a typo corrector must not "fix" them into booklet words.

The booklet's vocabulary is small, so a question about the weather or taxes is full of words it
never uses; correcting each to its nearest booklet word ("declaro renta" → "claro venta",
"presidente" → "presente") both garbles real questions and makes off-topic ones look in scope.
The word list is the Spanish frequency dictionary shipped inside the PyPI package
``pyspellchecker`` (no network), folded (no accents) so "seleccion" counts as "selección".
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources

from bot.text import fold

__all__ = ["spanish_words"]


@lru_cache(maxsize=1)
def spanish_words() -> frozenset[str]:
    """Folded Spanish words (≈ 86,000 forms); empty if the dictionary cannot be read."""
    try:
        raw = (resources.files("spellchecker") / "resources" / "es.json.gz").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return frozenset()
    return frozenset(fold(word) for word in json.loads(gzip.decompress(raw)))
