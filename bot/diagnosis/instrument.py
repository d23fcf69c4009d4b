"""Schema and loader of the self-diagnosis instrument (``corpus/diagnosis.yaml``).

Why this exists: the self-diagnosis is *data*, not code. The 13 practices of the booklet, the three
answer options, the areas, the maturity bands and the cited recommendations live in one YAML file;
this module validates that file strictly (``extra="forbid"`` everywhere, cross-checks between
practices, areas and bands) so that a typo in the data fails loudly at load time instead of
producing a wrong diagnosis at run time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DEFAULT_INSTRUMENT_PATH",
    "PRACTICE_COUNT",
    "Area",
    "Band",
    "Instrument",
    "Option",
    "Practice",
    "Recommendation",
    "Source",
    "load_instrument",
]

PRACTICE_COUNT = 13
"""The booklet's self-diagnosis table ("Gráfica 2") has exactly 13 good practices."""

DEFAULT_INSTRUMENT_PATH = Path(__file__).resolve().parents[2] / "corpus" / "diagnosis.yaml"
"""Where the instrument lives in the repository (``<repo>/corpus/diagnosis.yaml``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Option(_Strict):
    """One of the three answers of the booklet's table."""

    value: Literal[0, 1, 2]
    label: str = Field(min_length=1, description="The booklet's column title.")
    button: str = Field(min_length=1, description="Short label for chat buttons.")


class Area(_Strict):
    """A group of practices, used for the per-area scores and to prioritise recommendations."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    phase_order: int = Field(ge=1, description="Earlier phases of the booklet come first.")
    why: str = Field(min_length=1, description="Why these practices belong together (booklet).")


class Source(_Strict):
    """The booklet passage backing a recommendation."""

    section: str = Field(min_length=1, description="Section path prefix, '›' between levels.")
    quote: str = Field(min_length=1, description="Exact substring of the normalised booklet.")


class Recommendation(_Strict):
    """What to do about a practice answered at a given level."""

    text: str = Field(min_length=1)
    source: Source


class Practice(_Strict):
    """One good practice of the booklet, with its chat question, help and recommendations."""

    index: int = Field(ge=1, le=PRACTICE_COUNT)
    area: str
    statement: str = Field(min_length=1, description="The booklet's wording.")
    short: str = Field(min_length=2, max_length=160, description="Plain-language question.")
    help: str = Field(min_length=1)
    recommendations: dict[int, Recommendation]

    @field_validator("short")
    @classmethod
    def _is_question(cls, value: str) -> str:
        if not (value.startswith("¿") and value.endswith("?")):
            raise ValueError("short must be a Spanish question: '¿…?'")
        return value

    @field_validator("recommendations")
    @classmethod
    def _levels_present(cls, value: dict[int, Recommendation]) -> dict[int, Recommendation]:
        missing = {0, 1} - set(value)
        if missing:
            raise ValueError(f"recommendations missing for levels {sorted(missing)}")
        unknown = set(value) - {0, 1, 2}
        if unknown:
            raise ValueError(f"recommendations for unknown levels {sorted(unknown)}")
        return value


class Band(_Strict):
    """A maturity band over the total score, inclusive on both ends."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    min: int = Field(ge=0)
    max: int = Field(ge=0)
    meaning: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.min > self.max:
            raise ValueError(f"band {self.id!r}: min > max")
        return self


class Instrument(_Strict):
    """The whole self-diagnosis, validated."""

    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    intro: str = Field(min_length=1)
    options: list[Option]
    areas: list[Area]
    practices: list[Practice]
    bands: list[Band]

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, (int, float)) else value

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        if sorted(o.value for o in self.options) != [0, 1, 2]:
            raise ValueError("options must be exactly the values 0, 1 and 2")
        area_ids = [a.id for a in self.areas]
        if len(set(area_ids)) != len(area_ids):
            raise ValueError("duplicate area ids")
        indexes = [p.index for p in self.practices]
        if indexes != list(range(1, PRACTICE_COUNT + 1)):
            raise ValueError(f"practices must be listed in order 1..{PRACTICE_COUNT}, got {indexes}")
        for practice in self.practices:
            if practice.area not in area_ids:
                raise ValueError(f"practice {practice.index}: unknown area {practice.area!r}")
        empty = [a for a in area_ids if not any(p.area == a for p in self.practices)]
        if empty:
            raise ValueError(f"areas without practices: {empty}")
        self._check_bands()
        return self

    def _check_bands(self) -> None:
        bands = sorted(self.bands, key=lambda b: b.min)
        if not bands or bands[0].min != 0:
            raise ValueError("bands must start at 0")
        for before, after in zip(bands, bands[1:]):
            if after.min != before.max + 1:
                raise ValueError(f"bands {before.id!r} and {after.id!r} overlap or leave a gap")
        if bands[-1].max != self.max_total:
            raise ValueError(f"bands must end at {self.max_total}")

    @property
    def max_total(self) -> int:
        """Highest possible total (every practice at the top option)."""
        return len(self.practices) * max(o.value for o in self.options)

    @property
    def max_value(self) -> int:
        """Value of the top option (2, "Se ha ejecutado en forma completa")."""
        return max(o.value for o in self.options)

    def practice(self, index: int) -> Practice:
        """The practice with this 1-based index."""
        for practice in self.practices:
            if practice.index == index:
                return practice
        raise KeyError(index)

    def area(self, area_id: str) -> Area:
        """The area with this id."""
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)

    def option(self, value: int) -> Option:
        """The answer option with this value."""
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(value)

    def band_for(self, total: int) -> Band:
        """The maturity band containing ``total``."""
        for band in self.bands:
            if band.min <= total <= band.max:
                return band
        raise ValueError(f"total {total} outside 0..{self.max_total}")


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Instrument:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return Instrument.model_validate(data)


def load_instrument(path: Path = DEFAULT_INSTRUMENT_PATH) -> Instrument:
    """Load and validate the instrument; cached per path and file modification time."""
    resolved = Path(path).resolve()
    return _load_cached(str(resolved), resolved.stat().st_mtime_ns)
